#!/usr/bin/env python3
"""The gRPC section of scripts/bench: unary calls per second through bridge against the same
calls made to the server directly.

The server is test/support/grpc_peer.py (Debian's python3-grpcio, /usr/bin/python3); the
client is h2load posting one fixed gRPC message (a 5-byte frame header and 64 bytes) to
/test.Echo/Unary with 10 connections x 100 streams, in alternating runs. bridge forwards to
the server over h2c with one worker. The Python server is the bottleneck either way, so the
ratio shows what bridge costs a real gRPC service, not bridge's ceiling.

usage: bench-grpc.py SPEC.json  (bridge, seconds, rounds, load_prefix, proxy_prefix)
"""
import importlib.util
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# h2load and its log, as the HTTP/2 section reads them (bench-h2.py: a name import can't take).
_loader = importlib.util.spec_from_file_location("bench_h2", f"{root}/scripts/bench-h2.py")
bench_h2 = importlib.util.module_from_spec(_loader)
_loader.loader.exec_module(bench_h2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def h2load(spec: dict, port: int, body: str) -> dict:
    return bench_h2.h2load(spec, f"http://127.0.0.1:{port}/test.Echo/Unary",
                           ("-d", body, "-H", "content-type: application/grpc",
                            "-H", "te: trailers"))


def main() -> int:
    spec = json.load(open(sys.argv[1]))
    work = tempfile.mkdtemp()
    procs = []
    try:
        server = subprocess.Popen(["/usr/bin/python3", f"{root}/test/support/grpc_peer.py",
                                   "serve"], stdout=subprocess.PIPE, text=True)
        procs.append(server)
        server_port = int(server.stdout.readline().split()[1])
        bridge_port = free_port()
        os.makedirs(f"{work}/bridge")
        with open(f"{work}/bridge/dev.toml", "w") as f:
            f.write(f"""[bridge]
admin = "off"
access_log = "off"
workers = 1
log_level = "warn"
[[listeners]]
name = "web"
bind = "127.0.0.1:{bridge_port}"
[[upstreams]]
name = "grpc"
targets = ["h2c://127.0.0.1:{server_port}"]
[[routes]]
name = "grpc"
rule = "PathPrefix(`/test.Echo/`)"
upstream = "grpc"
""")
        procs.append(subprocess.Popen(spec["proxy_prefix"] + [spec["bridge"], "up",
                                                              "--config-dir", f"{work}/bridge"],
                                      stderr=subprocess.DEVNULL))
        wait_port(bridge_port)
        body = f"{work}/message"
        with open(body, "wb") as f:
            f.write(b"\x00\x00\x00\x00\x40" + bytes(range(64)))
        targets = {"direct": server_port, "bridge": bridge_port}
        cells = {n: [] for n in targets}
        names = list(targets)
        for rnd in range(spec["rounds"]):
            for name in names[rnd % 2:] + names[:rnd % 2]:
                r = h2load(spec, targets[name], body)
                cells[name].append(r)
                print(f"  grpc {name:<7} {r['rps']:>8.0f} calls/s p99 {r['p99']:>7.2f} ms"
                      f"  failed {r['failed']}", file=sys.stderr)
        med = {n: {k: statistics.median([c[k] for c in cells[n]]) for k in ("rps", "p50", "p99")}
               for n in names}
        print(f"\ngRPC unary: h2load -c10 -m100 -D{spec['seconds']}, 69-byte message to a "
              f"python3-grpcio server, median of {spec['rounds']} alternating runs")
        print(f"{'path':<8} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs direct':>9}")
        for n in names:
            m = med[n]
            base = med["direct"]["rps"]
            print(f"{n:<8} {m['rps']:>9.0f} {m['p50']:>8.2f} {m['p99']:>8.2f} "
                  f"{m['rps'] / base if base else 0:>8.2f}x"
                  + (f"  ({sum(c['failed'] for c in cells[n])} failed)"
                     if any(c["failed"] for c in cells[n]) else ""))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)
        subprocess.run(["rm", "-rf", work])
    return 0


if __name__ == "__main__":
    sys.exit(main())
