#!/usr/bin/env python3
"""The HTTP/2 section of scripts/bench (which starts the peers and passes them in).

h2load with 10 connections x 100 concurrent streams against each proxy's HTTP/2 front
(prior knowledge on a plain port, ALPN h2 on a TLS one), every proxy forwarding to the same
HTTP/1.1 nginx backend with one worker; alternating runs, BENCH_H2_ROUNDS of them, median.
Columns: requests/s, p50 and p99 of the request times h2load logs, the proxy's CPU time per
request from /proc, and requests/s and p99 as ratios to haproxy's.

usage: bench-h2.py SPEC.json
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile


def cpu_ticks(pid: int) -> int:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def h2load(spec: dict, url: str, extra: tuple = ()) -> dict:
    """h2load -c10 -m100 for spec["seconds"] against url (with `extra` arguments): requests/s,
    p50 and p99 from its per-request log, failed requests. bench-grpc.py uses it too."""
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        cmd = spec["load_prefix"] + ["h2load", "-c", "10", "-m", "100", "-t", "1",
                                     "-D", str(spec["seconds"]), *extra, "--log-file", log.name,
                                     url]
        out = subprocess.run(cmd, capture_output=True, text=True,
                             timeout=spec["seconds"] + 60).stdout
        times = sorted(int(line.split("\t")[2]) for line in log if line.count("\t") >= 2)
    result = {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "requests": len(times),
              "failed": 0}
    for line in out.splitlines():
        if line.startswith("finished in"):
            result["rps"] = float(line.split(",")[1].split()[0])
        if line.startswith("requests:"):
            result["failed"] = int(line.split(",")[4].split()[0])  # "N failed"
    if times:
        result["p50"] = times[len(times) // 2] / 1000
        result["p99"] = times[min(len(times) - 1, len(times) * 99 // 100)] / 1000
    return result


def main() -> int:
    spec = json.load(open(sys.argv[1]))
    rounds = spec["rounds"]
    for mode, targets in spec["targets"].items():
        names = list(targets)
        cells = {n: [] for n in names}
        for rnd in range(rounds):
            for name in names[rnd % len(names):] + names[:rnd % len(names)]:
                port, pid = targets[name]
                scheme = "https" if mode == "tls" else "http"
                before = cpu_ticks(pid)
                r = h2load(spec, f"{scheme}://127.0.0.1:{port}/")
                ticks = cpu_ticks(pid) - before
                r["cpu_us"] = (ticks / spec["clk_tck"] * 1e6 / r["requests"]
                               if r["requests"] else float("nan"))
                cells[name].append(r)
                print(f"  h2 {mode:<5} {name:<8} {r['rps']:>9.0f} req/s p99 {r['p99']:>7.2f} ms"
                      f"  failed {r['failed']}", file=sys.stderr)
        med = {n: {k: statistics.median([c[k] for c in cells[n]])
                   for k in ("rps", "p50", "p99", "cpu_us")} for n in names}
        base = med["haproxy"]
        print(f"\nHTTP/2 {mode}: h2load -c10 -m100 -D{spec['seconds']}, median of {rounds} "
              "alternating runs, one worker per proxy, HTTP/1.1 backend")
        print(f"{'proxy':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU us':>7} "
              f"{'vs haproxy':>10} {'p99 ratio':>9}")
        for n in names:
            m = med[n]
            print(f"{n:<9} {m['rps']:>9.0f} {m['p50']:>8.2f} {m['p99']:>8.2f} {m['cpu_us']:>7.1f} "
                  f"{m['rps'] / base['rps'] if base['rps'] else 0:>9.2f}x "
                  f"{m['p99'] / base['p99'] if base['p99'] else 0:>8.2f}x"
                  + (f"  ({sum(c['failed'] for c in cells[n])} failed)"
                     if any(c["failed"] for c in cells[n]) else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
