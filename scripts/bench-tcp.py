#!/usr/bin/env python3
"""The TCP section of scripts/bench (which starts the peers and passes them in).

TCP routes against haproxy `mode tcp`, one worker each: iperf3 through each proxy to one
iperf3 server, a single stream and 8 parallel streams (MB/s, and the proxy's CPU time per MB),
and the connection rate: wrk with `Connection: close` through each proxy to the nginx backend,
so every request is a new connection (connect, a small request, a small answer, close).
Alternating runs, BENCH_TCP_ROUNDS of them (3), medians; ratios are bridge / haproxy.

usage: bench-tcp.py SPEC.json
"""
import json
import re
import statistics
import subprocess
import sys


def cpu_ticks(pid: int) -> int:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def iperf3(spec: dict, port: int, streams: int) -> float:
    """MB/s the iperf3 server received through `port`; 0 when the run failed."""
    cmd = spec["load_prefix"] + ["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t",
                                 str(spec["seconds"]), "-P", str(streams), "-J"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=spec["seconds"] + 30)
    try:
        end = json.loads(out.stdout)["end"]
        return end["sum_received"]["bytes"] / 1e6 / end["sum_received"]["seconds"]
    except (ValueError, KeyError, ZeroDivisionError):
        print(f"  iperf3 through port {port} failed: {out.stdout[-300:]}{out.stderr[-300:]}",
              file=sys.stderr)
        return 0.0


def connection_rate(spec: dict, port: int) -> tuple:
    """(connections/s, requests done) of wrk with Connection: close through `port`."""
    cmd = spec["load_prefix"] + ["wrk", "-t1", "-c20", f"-d{spec['seconds']}s", "-H",
                                 "Connection: close", f"http://127.0.0.1:{port}/"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=spec["seconds"] + 30).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    done = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors and sum(int(g) for g in errors.groups()) > 0:
        print(f"  wrk through port {port}: {errors.group(0)}", file=sys.stderr)
    return (float(rate.group(1)) if rate else 0.0, int(done.group(1)) if done else 0)


def main() -> int:
    spec = json.load(open(sys.argv[1]))
    proxies = spec["proxies"]  # name -> {"iperf": port, "http": port, "pid": pid}
    names = list(proxies)
    hz = spec["clk_tck"]
    cells = {}
    for rnd in range(spec["rounds"]):
        for name in names[rnd % len(names):] + names[:rnd % len(names)]:
            p = proxies[name]
            for streams in (1, 8):
                before = cpu_ticks(p["pid"])
                mbps = iperf3(spec, p["iperf"], streams)
                seconds = (cpu_ticks(p["pid"]) - before) / hz
                mb = mbps * spec["seconds"]
                cells.setdefault((name, f"{streams} stream(s)"), []).append(
                    (mbps, seconds * 1e6 / mb if mb else float("nan")))
            before = cpu_ticks(p["pid"])
            rate, done = connection_rate(spec, p["http"])
            seconds = (cpu_ticks(p["pid"]) - before) / hz
            cells.setdefault((name, "connections"), []).append(
                (rate, seconds * 1e6 / done if done else float("nan")))
    print(f"\nTCP routes vs haproxy mode tcp, one worker each, {spec['seconds']} s runs, median of "
          f"{spec['rounds']} alternating runs; ratio = bridge / haproxy")
    print(f"{'cell':<14} " + " ".join(f"{n + ' rate':>16} {'CPU us':>8}" for n in names) +
          f" {'ratio':>6}")
    for cell, unit in (("1 stream(s)", "MB/s"), ("8 stream(s)", "MB/s"),
                       ("connections", "conn/s")):
        med = {n: (statistics.median(r for r, _ in cells[(n, cell)]),
                   statistics.median(c for _, c in cells[(n, cell)])) for n in names}
        ratio = med["bridge"][0] / med["haproxy"][0] if med["haproxy"][0] else 0.0
        label = cell if cell != "connections" else "connect+close"
        print(f"{label:<14} " + " ".join(f"{med[n][0]:>11.0f} {unit:<4} {med[n][1]:>8.1f}"
                                        for n in names) + f" {ratio:>5.2f}x")
    print("CPU us: the proxy's CPU time per MB relayed (streams) or per connection")
    return 0


if __name__ == "__main__":
    sys.exit(main())
