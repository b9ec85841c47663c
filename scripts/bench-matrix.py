#!/usr/bin/env python3
"""The body-size matrix of scripts/bench (which starts the peers and passes them in).

For every body size and connection count, wrk runs against each proxy in turn (alternating,
so that a slow minute of the machine hits every proxy alike), BENCH_MATRIX_ROUNDS times; the
table shows medians of requests/s, MB/s, p99 and the proxy's CPU time per request, and each
proxy's ratio to haproxy. Then a 100 MiB download and upload through each proxy, with the
proxy's resident memory sampled during the transfer.

With BENCH_PROFILE="FAMILY:BODY:CONNS[,...]" (e.g. "tls:1 MiB:10,plain:100 B:1000") it
profiles those cells instead: `perf record` on bridge and on haproxy while wrk runs, and CPU
time per request split by where it went (the kernel, libcrypto, libssl, libc, the proxy's
own code), so that a cell behind haproxy says what limits it and by how much.

usage: bench-matrix.py SPEC.json   (written by scripts/bench: targets, wrk, taskset, files)
"""
import os
import json
import re
import statistics
import subprocess
import sys
import threading
import time

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}
SIZES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def cpu_ticks(pid: int) -> int:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(spec: dict, url: str, connections: int, seconds: int) -> dict:
    cmd = spec["load_prefix"] + ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                                 "--timeout", "10s", url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    result = {"rps": 0.0, "mbps": 0.0, "p99": float("nan"), "requests": 0, "errors": 0}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", out):
        result["rps"] = float(m.group(1))
    if m := re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out):
        result["mbps"] = float(m.group(1)) * SIZES.get(m.group(2), 1) / 1024**2
    if m := re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        result["p99"] = float(m.group(1)) * UNITS[m.group(2)]
    if m := re.search(r"(\d+) requests in", out):
        result["requests"] = int(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        result["errors"] += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        result["errors"] += sum(int(g) for g in m.groups())
    return result


def run_cell(spec, target, path, connections, seconds):
    ticks_per_s = spec["clk_tck"]
    before = cpu_ticks(target["pid"])
    r = wrk(spec, f"{target['scheme']}://127.0.0.1:{target['port']}{path}", connections, seconds)
    ticks = cpu_ticks(target["pid"]) - before
    r["cpu_us"] = ticks / ticks_per_s * 1e6 / r["requests"] if r["requests"] else float("nan")
    return r


def median(values):
    values = [v for v in values if v == v]  # drop NaN
    return statistics.median(values) if values else float("nan")


def matrix(spec: dict, family: str) -> None:
    targets = spec["families"][family]
    names = list(targets)
    rounds, seconds = spec["rounds"], spec["seconds"]
    cells = {}
    for rnd in range(rounds):
        for body, path in spec["bodies"]:
            for conns in spec["connections"]:
                order = names[rnd % len(names):] + names[:rnd % len(names)]
                for name in order:
                    r = run_cell(spec, targets[name], path, conns, seconds)
                    cells.setdefault((body, conns, name), []).append(r)
                    print(f"  {family} {body:>6} c={conns:<5} {name:<8} {r['rps']:>9.0f} req/s "
                          f"p99 {r['p99']:>8.2f} ms  errors {r['errors']}", file=sys.stderr)
    print(f"\n{family}: wrk -t1 -d{seconds}s, median of {rounds} alternating run(s), "
          "one worker per proxy; ratio = bridge / haproxy")
    header = f"{'body':>6} {'conns':>5} | " + " | ".join(
        f"{n + ' req/s':>14} {'MB/s':>7} {'p99 ms':>7} {'CPU us':>7}" for n in names)
    print(header + " | ratio  p99 ratio")
    for body, _ in spec["bodies"]:
        for conns in spec["connections"]:
            row = f"{body:>6} {conns:>5} | "
            med = {}
            for n in names:
                rs = cells[(body, conns, n)]
                med[n] = {k: median([r[k] for r in rs]) for k in ("rps", "mbps", "p99", "cpu_us")}
                med[n]["errors"] = sum(r["errors"] for r in rs)
            row += " | ".join(
                f"{med[n]['rps']:>14.0f} {med[n]['mbps']:>7.1f} {med[n]['p99']:>7.2f} "
                f"{med[n]['cpu_us']:>7.1f}" for n in names)
            ratio = med["bridge"]["rps"] / med["haproxy"]["rps"] if med["haproxy"]["rps"] else 0
            # haproxy can finish no request in a cell (TLS 1 MiB at 1,000 connections): no p99
            p99_ratio = med["bridge"]["p99"] / med["haproxy"]["p99"] if med["haproxy"]["p99"] else 0
            errors = ", ".join(f"{n} {med[n]['errors']} errors" for n in names if med[n]["errors"])
            print(row + f" | {ratio:5.2f}x {p99_ratio:6.2f}x" + (f"  ({errors})" if errors else ""))


def sample_rss(pid: int, stop: threading.Event, out: list) -> None:
    while not stop.is_set():
        out.append(rss_mb(pid))
        time.sleep(0.02)


def streams(spec: dict) -> None:
    print(f"\n100 MiB through each proxy (curl, one transfer; RSS sampled every 20 ms)")
    print(f"{'proxy':<8} {'download MB/s':>14} {'upload MB/s':>12} {'RSS before':>11} "
          f"{'RSS peak':>9}")
    for name, target in spec["families"]["plain"].items():
        base = f"http://127.0.0.1:{target['port']}"
        samples: list = []
        before = rss_mb(target["pid"])
        stop = threading.Event()
        sampler = threading.Thread(target=sample_rss, args=(target["pid"], stop, samples))
        sampler.start()
        down = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{speed_download}",
                               base + spec["stream_path"]], capture_output=True, text=True,
                              timeout=120)
        up = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{speed_upload}",
                             "-H", "Expect:", "-T", spec["upload_file"], base + "/upload"],
                            capture_output=True, text=True, timeout=120)
        stop.set()
        sampler.join()
        speed = lambda r: float(r.stdout or 0) / 1024**2 if r.returncode == 0 else float("nan")
        print(f"{name:<8} {speed(down):>14.0f} {speed(up):>12.0f} {before:>9.1f}MB "
              f"{max(samples or [before]):>7.1f}MB"
              + ("" if down.returncode == 0 and up.returncode == 0
                 else f"  (curl failed: {down.stderr.strip()} {up.stderr.strip()})"))


def check(spec: dict) -> bool:
    """Every body through every proxy once: a 200 of the right size, or no numbers at all."""
    ok = True
    for family, targets in spec["families"].items():
        for name, target in targets.items():
            for body, path in spec["bodies"]:
                url = f"{target['scheme']}://127.0.0.1:{target['port']}{path}"
                r = subprocess.run(["curl", "-sk", "-o", "/dev/null", "-w",
                                    "%{http_code} %{size_download}", url],
                                   capture_output=True, text=True, timeout=30)
                status, size = (r.stdout.split() + ["0", "0"])[:2]
                want = spec["sizes"][body]
                if status != "200" or int(size) != want:
                    print(f"{family} {name} {url}: status {status}, {size} bytes (want 200, "
                          f"{want})", file=sys.stderr)
                    ok = False
    return ok


def perf_split(spec: dict, target: dict, path: str, connections: int) -> tuple:
    """CPU us per request of one cell, and perf's share of samples per object (percent)."""
    data = f"/tmp/bench-perf-{target['pid']}.data"
    perf = subprocess.Popen(["perf", "record", "-q", "-F", "2000", "-o", data, "-p",
                             str(target["pid"])], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    r = run_cell(spec, target, path, connections, spec["seconds"])
    perf.send_signal(2)
    perf.wait(timeout=60)
    report = subprocess.run(["perf", "report", "-i", data, "--stdio", "--sort", "dso",
                             "--percent-limit", "0.5"], capture_output=True, text=True).stdout
    top = subprocess.run(["perf", "report", "-i", data, "--stdio", "--sort", "dso,sym",
                          "--percent-limit", "1.5"], capture_output=True, text=True).stdout
    os.unlink(data)
    target["top"] = [line.strip() for line in top.splitlines()
                     if re.match(r"\s+[\d.]+%", line)][:12]
    shares = {}
    for line in report.splitlines():
        if m := re.match(r"\s+([\d.]+)%\s+(\S+)", line):
            name = m.group(2)
            for short in ("libcrypto", "libssl", "libstdc++", "libc", "kernel"):
                if short in name:
                    name = short
                    break
            if name not in ("libcrypto", "libssl", "libc", "libstdc++", "kernel"):
                name = "own"  # the proxy's binary (and anything else it links)
            shares[name] = shares.get(name, 0.0) + float(m.group(1))
    return r, shares


def profile(spec: dict, cells: str) -> None:
    """BENCH_PROFILE: where each proxy's CPU time per request goes, in the cells named."""
    paths = dict(spec["bodies"])
    columns = ("kernel", "libcrypto", "libssl", "libc", "libstdc++", "own")
    print(f"CPU us per request by object (perf record -F 2000 during wrk -t1 -d{spec['seconds']}s)")
    print(f"{'cell':<22} {'proxy':<8} {'req/s':>8} {'total':>8} " +
          " ".join(f"{c:>9}" for c in columns))
    for cell in cells.split(","):
        family, body, conns = cell.split(":")
        for name in ("haproxy", "bridge"):
            target = spec["families"][family][name]
            r, shares = perf_split(spec, target, paths[body], int(conns))
            total = sum(shares.values()) or 1.0
            per = {c: r["cpu_us"] * shares.get(c, 0.0) / total for c in columns}
            print(f"{family + ' ' + body + ' c=' + conns:<22} {name:<8} {r['rps']:>8.0f} "
                  f"{r['cpu_us']:>8.1f} " + " ".join(f"{per[c]:>9.1f}" for c in columns))
            for line in target.pop("top"):
                print(f"    {line}", file=sys.stderr)  # the hottest symbols, for the curious


def main() -> int:
    spec = json.load(open(sys.argv[1]))
    if not check(spec):
        return 1
    if cells := os.environ.get("BENCH_PROFILE"):
        profile(spec, cells)
        return 0
    for family in spec["families"]:
        matrix(spec, family)
    streams(spec)
    return 0


if __name__ == "__main__":
    sys.exit(main())
