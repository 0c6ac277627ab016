#!/usr/bin/env python3
"""Scan benchmark: fetter against references, side by side in one run.

Generates (once) a tree of 200 venvs x 50 distributions plus one site with
20,000 distributions, then times whole commands:

  * fetter scan of one venv, of the 20,000-distribution site, of the whole tree
  * `uv pip list` of the same venv and site (the anchor: fastest lister known)
  * `pip list` of the same venv
  * a single-threaded Python script that lists each site and reads the first
    4 KiB of every METADATA (what any scanner must at least do)
  * `find` over the tree (the I/O floor)

Each command runs --runs times after one warm-up (warm page cache); the
median wall time and the peak RSS are printed as a Markdown table.

Usage: python3 bench/scan_bench.py [--fetter target/release/fetter] [--uv PATH] [--runs 7]
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

BODY = ("A long description line that real METADATA files carry in bulk.\n" * 60)


def write_dist(site, name, version):
    info = os.path.join(site, f"{name}-{version}.dist-info")
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "w") as f:
        f.write(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: generated\n"
                f"Requires-Dist: six\nClassifier: Programming Language :: Python\n\n{BODY}")
    with open(os.path.join(info, "INSTALLER"), "w") as f:
        f.write("pip\n")
    with open(os.path.join(info, "RECORD"), "w") as f:
        f.write(f"{name}/__init__.py,sha256=x,10\n{name}-{version}.dist-info/RECORD,,\n")


def make_venv(prefix, python, n, xy):
    site = os.path.join(prefix, "lib", f"python{xy}", "site-packages")
    os.makedirs(site, exist_ok=True)
    os.makedirs(os.path.join(prefix, "bin"), exist_ok=True)
    for link in ("python", "python3"):
        p = os.path.join(prefix, "bin", link)
        if not os.path.lexists(p):
            os.symlink(python, p)
    with open(os.path.join(prefix, "pyvenv.cfg"), "w") as f:
        f.write(f"home = {os.path.dirname(python)}\ninclude-system-site-packages = false\nversion = {xy}.0\n")
    for i in range(n):
        write_dist(site, f"pkg{i:05d}", f"1.{i % 7}.{i % 3}")
    return site


def generate(tree, python):
    xy = "%d.%d" % sys.version_info[:2]
    stamp = os.path.join(tree, ".complete")
    if os.path.exists(stamp):
        return
    shutil.rmtree(tree, ignore_errors=True)
    for v in range(200):
        make_venv(os.path.join(tree, "projects", f"p{v:03d}", ".venv"), python, 50, xy)
    make_venv(os.path.join(tree, "big"), python, 20000, xy)
    open(stamp, "w").close()


def reference_script(tree):
    """Single-threaded: find each site, list it, read 4 KiB of every METADATA."""
    count = 0
    for dirpath, dirnames, filenames in os.walk(tree):
        if "pyvenv.cfg" in filenames:
            dirnames[:] = []
            lib = os.path.join(dirpath, "lib")
            for py in os.listdir(lib):
                site = os.path.join(lib, py, "site-packages")
                for e in os.listdir(site):
                    if e.endswith(".dist-info"):
                        with open(os.path.join(site, e, "METADATA"), "rb") as f:
                            f.read(4096)
                        count += 1
    return count


def measure(cmd, runs, env=None):
    def once():
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t
        if status != 0:
            raise SystemExit(f"command failed ({status}): {' '.join(cmd)}")
        return dt, usage.ru_maxrss / 1024.0
    once()  # warm-up: page cache, uv's interpreter cache
    results = [once() for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fetter", default=os.path.join(ROOT, "target", "release", "fetter"))
    ap.add_argument("--uv", default=shutil.which("uv"))
    ap.add_argument("--tree", default=os.path.join(ROOT, "target", "bench-tree"))
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    python = os.path.realpath(sys.executable)
    generate(args.tree, python)
    tree = os.path.realpath(args.tree)
    venv = os.path.join(tree, "projects", "p000", ".venv")
    big = os.path.join(tree, "big")
    env = dict(os.environ, HOME=os.path.join(tree, "home"))
    os.makedirs(env["HOME"], exist_ok=True)
    f = args.fetter
    rows = [
        ("one venv (50 dists)", "fetter scan --exe", [f, "--exe", venv, "scan", "--format", "json"]),
        ("one venv (50 dists)", "uv pip list", [args.uv, "pip", "list", "--python", venv + "/bin/python"] if args.uv else None),
        ("one venv (50 dists)", "pip list", [python, "-m", "pip", "list", "--path", venv + f"/lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages"]),
        ("one site (20,000 dists)", "fetter scan --exe", [f, "--exe", big, "scan", "--format", "json"]),
        ("one site (20,000 dists)", "uv pip list", [args.uv, "pip", "list", "--python", big + "/bin/python"] if args.uv else None),
        ("whole tree (201 envs, 30,000 dists)", "fetter scan --root", [f, "--root", tree, "scan", "--format", "json"]),
        ("whole tree (201 envs, 30,000 dists)", "single-threaded Python reference", [python, "-c", f"import sys; sys.path.insert(0, {HERE!r}); import scan_bench; scan_bench.reference_script({tree!r})"]),
        ("whole tree (201 envs, 30,000 dists)", "find (I/O floor)", ["find", tree, "-name", "METADATA"]),
    ]
    print(f"| workload | command | median wall (ms) | peak RSS (MB) |")
    print(f"|---|---|---:|---:|")
    for what, name, cmd in rows:
        if cmd is None:
            print(f"| {what} | {name} | (not installed) | |")
            continue
        t, rss = measure(cmd, args.runs, env)
        print(f"| {what} | {name} | {t * 1000:.1f} | {rss:.1f} |", flush=True)
    print(f"\n{os.cpu_count()} CPUs; {args.runs} runs each after a warm-up; python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
