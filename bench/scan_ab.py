#!/usr/bin/env python3
"""Two (or more) fetter binaries side by side with the scan references.

Runs, interleaved so that a changing machine load hits every command alike,
the site and tree scans of bench/scan_bench.py for each binary, `uv pip list`
of the site and the single-threaded Python reference of the tree; prints the
median wall time, the median CPU time (user + system: what the load changes
least) and the peak RSS of each. The tree is the one scan_bench.py generates.

Usage: python3 bench/scan_ab.py [--runs 9] [--uv PATH] BINARY...
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def once(cmd, env):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        raise SystemExit(f"command failed ({status}): {' '.join(cmd)}")
    return time.perf_counter() - t, ru.ru_utime, ru.ru_stime, ru.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--uv", default=shutil.which("uv"))
    ap.add_argument("--tree", default=os.path.join(ROOT, "target", "bench-tree"))
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    tree = os.path.realpath(args.tree)
    if not os.path.exists(os.path.join(tree, ".complete")):
        raise SystemExit(f"no benchmark tree at {tree}: run bench/scan_bench.py first")
    big = os.path.join(tree, "big")
    env = dict(os.environ, HOME=os.path.join(tree, "home"))
    cmds = []
    for b in args.binaries:
        name = os.path.basename(b)
        cmds.append((f"{name} site", [b, "--exe", big, "scan", "--format", "json"]))
        cmds.append((f"{name} tree", [b, "--root", tree, "scan", "--format", "json"]))
    if args.uv:
        cmds.append(("uv pip list site", [args.uv, "pip", "list", "--python", big + "/bin/python"]))
    ref = f"import sys; sys.path.insert(0, {HERE!r}); import scan_bench; scan_bench.reference_script({tree!r})"
    cmds.append(("reference tree", [sys.executable, "-c", ref]))
    for _, c in cmds:
        once(c, env)  # warm-up
    results = {name: [] for name, _ in cmds}
    for _ in range(args.runs):
        for name, c in cmds:
            results[name].append(once(c, env))
    print(f"load average {os.getloadavg()[0]:.1f}; {args.runs} runs each, interleaved")
    print("| command | median wall (ms) | median CPU (ms, user + system) | peak RSS (MB) |")
    print("|---|---:|---:|---:|")
    for name, r in results.items():
        wall = statistics.median(x[0] for x in r) * 1000
        user = statistics.median(x[1] for x in r) * 1000
        sys_ = statistics.median(x[2] for x in r) * 1000
        rss = max(x[3] for x in r)
        print(f"| {name} | {wall:.1f} | {user + sys_:.0f} ({user:.0f} + {sys_:.0f}) | {rss:.1f} |")


if __name__ == "__main__":
    main()
