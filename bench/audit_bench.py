#!/usr/bin/env python3
"""Audit benchmark: 30,000 installed distributions against 50,000 OSV records.

Uses the scan benchmark's tree (generated if missing: 200 venvs x 50 plus a
20,000-distribution site) and writes a synthetic OSV database of 50,000
PyPI records (ranges, explicit versions, aliases) as the zip OSV publishes.
Times, side by side, the scan alone (the floor), the audit reading the zip,
and the audit reading fetter's local copy (`fetter audit db update`).

Usage: python3 bench/audit_bench.py [--fetter target/release/fetter] [--runs 5]
"""
import argparse
import json
import os
import random
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scan_bench  # noqa: E402


def make_db(path, n=50000, seed=7):
    if os.path.exists(path):
        return
    rng = random.Random(seed)
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            name = f"pkg{rng.randrange(40000):05d}"
            if i % 10 == 0:
                affected = {"package": {"ecosystem": "PyPI", "name": name}, "versions": [f"1.{rng.randrange(7)}.{rng.randrange(3)}"]}
            else:
                lo = rng.randrange(5)
                affected = {"package": {"ecosystem": "PyPI", "name": name},
                            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": f"1.{lo}"}, {"fixed": f"1.{lo + 1}"}]}]}
            rec = {"id": f"PYSEC-2099-{i}", "aliases": [f"CVE-2099-{i}"], "modified": "2099-01-01T00:00:00Z",
                   "summary": f"synthetic vulnerability {i}", "affected": [affected],
                   "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}]}
            z.writestr(f"PYSEC-2099-{i}.json", json.dumps(rec))
    os.rename(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fetter", default=os.path.join(scan_bench.ROOT, "target", "release", "fetter"))
    ap.add_argument("--tree", default=os.path.join(scan_bench.ROOT, "target", "bench-tree"))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    scan_bench.generate(args.tree, os.path.realpath(sys.executable))
    db = os.path.join(os.path.dirname(args.tree), "bench-osv-50000.zip")
    make_db(db)
    env = dict(os.environ, FETTER_DATA_DIR=os.path.join(os.path.dirname(args.tree), "bench-data"), HOME=os.path.join(args.tree, "home"))
    f = args.fetter
    import subprocess
    subprocess.run([f, "audit", "db", "update", "--from", db], env=env, check=True, stdout=subprocess.DEVNULL)
    rows = [
        ("scan only (floor)", [f, "--root", args.tree, "scan", "--format", "json"], (0,)),
        ("audit, OSV zip", [f, "--root", args.tree, "audit", "--osv-db", db, "--format", "json"], (0, 3)),
        ("audit, local copy", [f, "--root", args.tree, "audit", "--format", "json"], (0, 3)),
    ]
    print("| 30,000 distributions, 50,000 OSV records | median wall (ms) | peak RSS (MB) |")
    print("|---|---:|---:|")
    for name, cmd, ok in rows:
        t, rss = measure(cmd, args.runs, env, ok)
        print(f"| {name} | {t * 1000:.0f} | {rss:.0f} |", flush=True)


def measure(cmd, runs, env, ok):
    import statistics
    import time

    def once():
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        if os.waitstatus_to_exitcode(status) not in ok:
            raise SystemExit(f"unexpected exit {status}: {' '.join(cmd)}")
        return time.perf_counter() - t, usage.ru_maxrss / 1024.0
    import subprocess
    once()
    results = [once() for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


if __name__ == "__main__":
    main()
