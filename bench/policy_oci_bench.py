#!/usr/bin/env python3
"""Policy bundles: running from the store against running local files.

Starts Debian's docker-registry (unpacked with apt-get download + dpkg -x,
as the tests do) on a free loopback port, pushes a manifest naming the
typosquat and deprecated-names plugins as files, and times, side by side
on one venv of 50 distributions, with the plugin compile cache warm:

- `validate --policy acme.toml` (the local files: the reference),
- `validate --policy oci://HOST/REPO@sha256:…` (pinned: store only),
- `validate --policy oci://HOST/REPO:TAG` (the tag checked at the registry),
- `validate --policy fetter.lock`,
- `policy pull` of the bundle into an empty store.

Usage: python3 bench/policy_oci_bench.py [--fetter target/release/fetter] [--runs 15]
"""
import argparse
import glob
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scan_bench  # noqa: E402

ROOT = scan_bench.ROOT


def registry_binary(work):
    tested = os.path.join(ROOT, "target", "test-tools", "deb", "docker-registry", "usr", "bin", "docker-registry")
    if os.path.exists(tested):
        return tested
    d = os.path.join(work, "deb")
    os.makedirs(d, exist_ok=True)
    subprocess.run(["apt-get", "download", "docker-registry"], cwd=d, check=True, stdout=subprocess.DEVNULL)
    deb = glob.glob(os.path.join(d, "docker-registry_*.deb"))[0]
    subprocess.run(["dpkg", "-x", deb, os.path.join(d, "x")], check=True)
    return os.path.join(d, "x", "usr", "bin", "docker-registry")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the registry did not start")


def timed(cmd, env, ok=(0, 3)):
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = (time.perf_counter() - t) * 1000
    if r.returncode not in ok:
        raise SystemExit(f"{cmd} exited {r.returncode}: {r.stderr.decode()}")
    return dt


def main():
    ap = argparse.ArgumentParser()
    release = os.path.join(ROOT, "target", "release", "fetter")
    ap.add_argument("--fetter", default=release if os.path.exists(release) else os.path.join(ROOT, "target", "debug", "fetter"))
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    f = os.path.abspath(args.fetter)
    work = os.path.join(ROOT, "target", "bench-oci")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    venv = os.path.join(work, "venv")
    scan_bench.make_venv(venv, os.path.realpath(sys.executable), 50, "%d.%d" % sys.version_info[:2])
    pol = os.path.join(work, "policy")
    os.makedirs(os.path.join(pol, "plugins"))
    for p in ("typosquat", "deprecated-names"):
        shutil.copy(os.path.join(ROOT, "plugins", p + ".wasm"), os.path.join(pol, "plugins"))
    manifest = os.path.join(pol, "acme.toml")
    with open(manifest, "w") as m:
        m.write('name = "acme"\nversion = "1"\n[[plugin]]\npath = "plugins/typosquat.wasm"\n'
                '[[plugin]]\npath = "plugins/deprecated-names.wasm"\n')
    port = free_port()
    with open(os.path.join(work, "config.yml"), "w") as c:
        c.write(f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n"
                f"    rootdirectory: {work}/storage\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: bench\n")
    reg = subprocess.Popen([registry_binary(work), "serve", os.path.join(work, "config.yml")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        env = dict(os.environ, HOME=os.path.join(work, "home"), FETTER_DATA_DIR=os.path.join(work, "data"),
                   FETTER_CACHE_DIR=os.path.join(work, "cache"), NO_COLOR="1")
        env.pop("DOCKER_CONFIG", None)
        ref = f"oci://127.0.0.1:{port}/bench/acme:v1"
        pinned = subprocess.run([f, "policy", "push", manifest, ref], env=env, check=True,
                                capture_output=True, text=True).stdout.strip()
        lock = os.path.join(work, "fetter.lock")
        subprocess.run([f, "policy", "pull", ref, "--lock", lock], env=env, check=True, capture_output=True)
        base = [f, "--exe", venv, "validate", "--format", "json", "--policy"]
        rows = [
            ("validate --policy acme.toml (local files, reference)", base + [manifest]),
            ("validate --policy oci://…@sha256 (store only)", base + ["oci://" + pinned]),
            ("validate --policy oci://…:v1 (tag checked at the registry)", base + [ref]),
            ("validate --policy fetter.lock", base + [lock]),
        ]
        results = {}
        for _ in range(2):  # warm-up: compile cache, page cache
            for name, cmd in rows:
                timed(cmd, env)
        for _ in range(args.runs):  # interleaved, so load drifts hit every row alike
            for name, cmd in rows:
                results.setdefault(name, []).append(timed(cmd, env))
        pulls = []
        for i in range(max(3, args.runs // 3)):
            penv = dict(env, FETTER_DATA_DIR=os.path.join(work, f"pull-{i}"))
            pulls.append(timed([f, "policy", "pull", ref, "--lock", os.path.join(work, f"pull-{i}.lock")], penv, ok=(0,)))
        ref_ms = statistics.median(results[rows[0][0]])
        print(f"| {os.path.relpath(f, ROOT)}, {args.runs} interleaved runs, 50 distributions | median wall (ms) | vs local files (ms) |")
        print("|---|---:|---:|")
        for name, _ in rows:
            med = statistics.median(results[name])
            print(f"| {name} | {med:.1f} | {med - ref_ms:+.1f} |")
        print(f"| policy pull into an empty store (2 plugins, {sum(os.path.getsize(os.path.join(pol, 'plugins', p)) for p in os.listdir(os.path.join(pol, 'plugins'))) // 1024} KiB) | {statistics.median(pulls):.1f} | |")
        print(f"\n{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    finally:
        reg.kill()
        reg.wait()


if __name__ == "__main__":
    main()
