#!/usr/bin/env python3
"""`fetter verify` against `sha256sum`, side by side in one run.

Builds (once) a venv of real wheels from PyPI (numpy, pandas, botocore,
scipy: ~20,000 files, ~300 MB), lists every file their RECORDs hash, and
times, warm page cache, median of --runs after one warm-up:

  * fetter verify of that venv (parses RECORD, hashes each file once in
    parallel, compares hash and size, looks for dropped-in files)
  * xargs -P2 sha256sum over the same file list (the reference: hashing
    alone, two processes on two cores)
  * sha256sum over the same list, one process

Usage: python3 bench/verify_bench.py [--fetter target/release/fetter] [--runs 5]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PACKAGES = ["numpy", "pandas", "botocore", "scipy"]

LIST_FILES = r"""
import importlib.metadata as m, sys
for d in m.distributions():
    for f in d.files or []:
        if f.hash:
            sys.stdout.write(str(f.locate()) + "\0")
"""


def venv(path):
    py = os.path.join(path, "bin", "python")
    if not os.path.exists(os.path.join(path, ".complete")):
        subprocess.run([sys.executable, "-m", "venv", "--clear", path], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", *PACKAGES], check=True)
        open(os.path.join(path, ".complete"), "w").close()
    return py


def timed(cmd, runs, **kw):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fetter", default=os.path.join(ROOT, "target/release/fetter"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default=os.path.join(ROOT, "target/bench/verify-venv"))
    a = ap.parse_args()
    py = venv(a.dir)
    listing = subprocess.run([py, "-c", LIST_FILES], check=True, capture_output=True).stdout
    files = [p for p in listing.split(b"\0") if p]
    size = sum(os.path.getsize(p) for p in files)
    list_path = os.path.join(os.path.dirname(a.dir), "verify-files.list")
    with open(list_path, "wb") as f:
        f.write(listing)
    rows = [
        ("fetter verify", [a.fetter, "-q", "--exe", py, "verify"], {}),
        ("xargs -P2 sha256sum", ["sh", "-c", f"xargs -0 -P2 -n 256 sha256sum < '{list_path}'"], {}),
        ("sha256sum (1 process)", ["sh", "-c", f"xargs -0 sha256sum < '{list_path}'"], {}),
    ]
    print(f"{len(files)} hashed files, {size / 2**20:.0f} MiB, {os.cpu_count()} cores, median of {a.runs}\n")
    print("| command | time |\n|---|---|")
    for name, cmd, kw in rows:
        print(f"| {name} | {timed(cmd, a.runs, **kw) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
