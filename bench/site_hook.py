#!/usr/bin/env python3
"""Start-up overhead of `fetter site-install`'s hook, against no hook, in one run.

Creates two identical venvs (same interpreter, same packages), installs the
hook into one, and times `python -c pass` in both, interleaved (so machine
load hits both alike), --runs times each after warm-ups. Prints the median
and the difference, which is what the hook adds when nothing changed (the
cached verdict is still valid). Also times starts right after a site change
(the hook re-runs `fetter validate`) and `fetter validate` alone: what the
public fetter's hook pays at every start.

Usage: python3 bench/site_hook.py [--fetter target/release/fetter] [--python python3] [--runs 300]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def default_fetter():
    for p in ("target/release/fetter", "target/debug/fetter"):
        full = os.path.join(ROOT, p)
        if os.path.isfile(full):
            return full
    sys.exit("no fetter binary: build one (cargo build --release -p fetter) or pass --fetter")


def timed(argv, env):
    t = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fetter", default=None)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--runs", type=int, default=300)
    a = ap.parse_args()
    fetter = os.path.abspath(a.fetter or default_fetter())
    work = tempfile.mkdtemp(prefix="fetter-hook-bench-")
    try:
        env = dict(os.environ, HOME=work, XDG_CACHE_HOME=os.path.join(work, "cache"),
                   XDG_DATA_HOME=os.path.join(work, "data"))
        env.pop("FETTER_SITE_HOOK", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure what users get: cached bytecode
        plain, hooked = os.path.join(work, "plain"), os.path.join(work, "hooked")
        for v in (plain, hooked):
            subprocess.run([a.python, "-m", "venv", v], check=True)
        bound = os.path.join(work, "requirements.txt")
        with open(bound, "w") as f:
            f.write("setuptools\n")  # pip is ignored by default; setuptools exists on <3.12
        subprocess.run([fetter, "--exe", hooked, "site-install", "--bound", bound],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        py_plain = [os.path.join(plain, "bin", "python"), "-c", "pass"]
        py_hooked = [os.path.join(hooked, "bin", "python"), "-c", "pass"]
        for _ in range(10):  # warm-up: page cache, bytecode, the verdict cache
            timed(py_plain, env)
            timed(py_hooked, env)
        without, with_hook = [], []
        for _ in range(a.runs):
            without.append(timed(py_plain, env))
            with_hook.append(timed(py_hooked, env))
        site = subprocess.run([py_hooked[0], "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              env=env, check=True, capture_output=True, text=True).stdout.strip()
        changed = []
        for _ in range(min(20, a.runs)):
            os.utime(site)  # a site change: the next start re-runs fetter validate
            changed.append(timed(py_hooked, env))
        validate = [timed([fetter, "--quiet", "--exe", hooked, "validate", "--bound", bound], env)
                    for _ in range(min(20, a.runs))]
        m_without, m_with = statistics.median(without), statistics.median(with_hook)
        print(f"python: {a.python} ({sys.version.split()[0] if a.python == sys.executable else 'see --python'})")
        print(f"fetter: {fetter}")
        print(f"runs: {a.runs} interleaved starts each")
        print("| start | median ms |")
        print("|---|---|")
        print(f"| `python -c pass`, no hook | {m_without * 1e3:.2f} |")
        print(f"| `python -c pass`, hook, nothing changed | {m_with * 1e3:.2f} |")
        print(f"| added by the hook (difference of medians) | {(m_with - m_without) * 1e3:.2f} |")
        print(f"| `python -c pass`, hook, site just changed (re-validates) | {statistics.median(changed) * 1e3:.2f} |")
        print(f"| `fetter validate` alone (what a hook without a cache adds) | {statistics.median(validate) * 1e3:.2f} |")
        subprocess.run([fetter, "--exe", hooked, "site-uninstall"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
