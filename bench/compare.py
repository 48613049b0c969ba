#!/usr/bin/env python3
"""Orion beside BullMQ on a durable Redis, measured alternately in one run.

    python3 bench/compare.py [--rounds 3] [--quick] [--bin build/bin]

Each round runs `orion-bench scheduler` for the figures both can be measured on, and
bench/peers/bullmq_bench.mjs (the same figures, defined the same way: bench/README.md) against a
fresh redis-server made durable: append-only file, fsync on every write (`appendfsync always`),
as Orion fsyncs every commit. The order alternates between rounds, so a drift in the machine's
load falls on both. Prints every run, the medians, the ratio Orion / BullMQ of the medians and
the load average at each step; nothing is compared across runs of different days.

Needs redis-server (Debian's package; installed here when missing and run as root) and the
npm packages of bench/peers (installed from its package-lock.json when missing).
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "peers")
FIGURES = [  # name, unit, True when higher is better
    ("throughput_tasks_per_s", "tasks/s", True),
    ("roundtrip_p50_ms", "ms", False),
    ("roundtrip_p99_ms", "ms", False),
    ("chain200_per_link_ms", "ms", False),
]


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def ensure_tools():
    if shutil.which("redis-server") is None:
        if os.geteuid() != 0:
            sys.exit("compare: redis-server is missing: apt-get install -y redis-server")
        subprocess.run(["apt-get", "install", "-y", "-q", "redis-server"], check=True, stdout=subprocess.DEVNULL)
    if shutil.which("node") is None:
        sys.exit("compare: node is missing: apt-get install -y nodejs npm")
    if not os.path.isdir(os.path.join(PEERS, "node_modules", "bullmq")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=PEERS, check=True)


def parse_figures(text):
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3:
            try:
                out[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class DurableRedis:
    """A redis-server of our own in a temp dir, fsyncing every write; stopped by its PID."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="orion-compare-redis-")
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "redis.log"), "w")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not redis_answers(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError("redis-server did not answer; its log is gone with " + self.dir)
            time.sleep(0.05)  # polling a condition with a deadline
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def run(cmd, timeout):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stderr[-2000:]}")
    return parse_figures(r.stdout)


def run_orion(bin_dir, quick):
    cmd = [os.path.join(bin_dir, "orion-bench"), "scheduler", "--only", ",".join(f for f, _, _ in FIGURES)]
    return run(cmd + (["--quick"] if quick else []), 900)


def run_bullmq(quick):
    with DurableRedis() as redis:
        cmd = ["node", os.path.join(PEERS, "bullmq_bench.mjs"), "--port", str(redis.port)]
        return run(cmd + (["--quick"] if quick else []), 900)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="about 10x fewer tasks: a smoke run, figures not comparable")
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(HERE), "build", "bin"),
                    help="where orion-bench and the services are (default: build/bin)")
    a = ap.parse_args()
    ensure_tools()
    runs = {"orion": [], "bullmq": []}
    steps = [("orion", lambda: run_orion(a.bin, a.quick)), ("bullmq", lambda: run_bullmq(a.quick))]
    for r in range(a.rounds):
        for who, fn in (steps if r % 2 == 0 else steps[::-1]):
            before = load()
            print(f"round {r + 1} {who}: load {before}", file=sys.stderr, flush=True)
            figures = fn()
            runs[who].append(figures)
            print(f"round {r + 1} {who}: " + ", ".join(f"{k} {v:g}" for k, v in figures.items()) +
                  f" (load after {load()})", file=sys.stderr, flush=True)

    print(f"Orion and BullMQ {bullmq_version()} on redis-server {redis_version()} (appendfsync always), "
          f"{a.rounds} rounds alternated; load average at the end: {load()}")
    print()
    print("| figure | Orion (runs) | BullMQ durable (runs) | Orion / BullMQ |")
    print("| --- | --- | --- | --- |")
    for name, unit, higher_better in FIGURES:
        o = [f[name] for f in runs["orion"] if name in f]
        b = [f[name] for f in runs["bullmq"] if name in f]
        if not o or not b:
            print(f"| `{name}` | {'missing' if not o else ''} | {'missing' if not b else ''} | |")
            continue
        mo, mb = statistics.median(o), statistics.median(b)
        ratio = mo / mb
        better = (ratio > 1) == higher_better
        verdict = "Orion ahead" if better else "BullMQ ahead"
        print(f"| `{name}` | {fmt(mo, unit)} ({' / '.join(fmt(x, '') for x in o)}) | "
              f"{fmt(mb, unit)} ({' / '.join(fmt(x, '') for x in b)}) | {ratio:.2f} ({verdict}) |")


def fmt(v, unit):
    s = f"{v:,.0f}" if v >= 100 else f"{v:.2f}"
    return f"{s} {unit}".strip()


def bullmq_version():
    import json
    with open(os.path.join(PEERS, "node_modules", "bullmq", "package.json")) as f:
        return json.load(f)["version"]


def redis_version():
    r = subprocess.run(["redis-server", "--version"], stdout=subprocess.PIPE, text=True)
    for word in r.stdout.split():
        if word.startswith("v="):
            return word[2:]
    return "?"


if __name__ == "__main__":
    main()
