"""Measure fetter-osquery: query latency from the cache against the cost
of the scan a query would otherwise wait for, idle memory, and the scan's
priority and CPU time. Speaks osqueryd's Thrift protocol through the
test-side manager (tests/support/manager.py).

Usage (from the repository root, after `cargo build --release -p fetter-osquery`):

  target/test-tools/osquery-venv/bin/python integrations/osquery/bench/measure.py \
      --extension target/release/fetter-osquery --config my.toml [--queries 200]

The Python must have PyPI's `osquery` and `thrift` (the test suite
installs them into target/test-tools/osquery-venv).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MANAGER = os.path.join(HERE, "..", "tests", "support", "manager.py")
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Manager:
    def __init__(self, socket_path):
        self.p = subprocess.Popen(
            [sys.executable, MANAGER, socket_path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert "listening" in self.read()

    def read(self):
        return json.loads(self.p.stdout.readline())

    def send(self, cmd):
        self.p.stdin.write(json.dumps(cmd) + "\n")
        self.p.stdin.flush()
        return self.read()

    def generate(self, table, context=None):
        req = {"action": "generate"}
        if context is not None:
            req["context"] = json.dumps(context)
        return self.send({"cmd": "call", "table": table, "request": req})


def status_kib(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                out[k] = int(v.split()[0])
    return out


def threads(pid):
    rows = []
    for tid in os.listdir("/proc/%d/task" % pid):
        base = "/proc/%d/task/%s/" % (pid, tid)
        comm = open(base + "comm").read().strip()
        rest = open(base + "stat").read().rsplit(")", 1)[1].split()
        # After `(comm)`: field 3 is rest[0]; utime 14, stime 15, nice 19.
        cpu = (int(rest[11]) + int(rest[12])) / CLK_TCK
        rows.append({"thread": comm, "nice": int(rest[16]), "cpu_s": round(cpu, 3)})
    return rows


def client_decode_ms(rows, runs=30):
    """The test client's own share of an answer: the pure-Python Thrift
    decoding of the same `ExtensionResponse`, from memory (median ms)."""
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TTransport
    from osquery.extensions import Extension
    from osquery.extensions.ttypes import ExtensionResponse, ExtensionStatus

    resp = Extension.call_result(success=ExtensionResponse(
        status=ExtensionStatus(code=0, message="OK"), response=rows))
    buf = TTransport.TMemoryBuffer()
    resp.write(TBinaryProtocol.TBinaryProtocol(buf))
    data = buf.getvalue()
    times = []
    for _ in range(runs):
        t = time.monotonic()
        Extension.call_result().read(TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(data)))
        times.append((time.monotonic() - t) * 1000)
    return round(statistics.median(times), 2), len(data)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--extension", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--reference-after", action="store_true",
                    help="run the reference scan after the extension, so the extension's "
                         "first scan compiles the plugins (a cold plugin cache)")
    args = ap.parse_args()

    def reference():
        # One full scan: what a query would cost without the cache.
        t = time.monotonic()
        once = subprocess.run(
            [args.extension, "--config", args.config, "--scan-once"],
            capture_output=True, text=True,
        )
        return time.monotonic() - t, json.loads(once.stdout)

    if not args.reference_after:
        reference_s, summary = reference()

    sockdir = tempfile.mkdtemp(prefix="fo-bench-")
    sock = os.path.join(sockdir, "osquery.em")
    m = Manager(sock)
    ext = subprocess.Popen(
        [args.extension, "--socket", sock, "--config", args.config],
        stderr=subprocess.DEVNULL,
    )
    try:
        assert m.send({"cmd": "wait_registered", "timeout": 30})["registered"]
        started = time.monotonic()
        while True:
            row = m.generate("fetter_scan")["rows"][0]
            if int(row["scans"]) >= 1:
                break
            time.sleep(0.05)
        first_scan_s = time.monotonic() - started
        scan_threads = [t for t in threads(ext.pid) if t["thread"].startswith("fetter-scan")]
        time.sleep(1)
        idle = status_kib(ext.pid)

        latency = {}
        name = None
        packages = m.generate("fetter_packages")["rows"]
        if packages:
            name = packages[len(packages) // 2]["name"]
        cases = [("fetter_packages", None), ("fetter_findings", None), ("fetter_environments", None)]
        if name:
            cases.append(("fetter_packages WHERE name", {"constraints": [
                {"name": "name", "affinity": "TEXT", "list": [{"op": 2, "expr": name}]}]}))
        for label, ctx in cases:
            table = label.split()[0]
            times = []
            for _ in range(args.queries):
                r = m.generate(table, ctx)
                times.append(r["seconds"] * 1000)
            latency[label] = {
                "rows": len(r["rows"]),
                "p50_ms": round(statistics.median(times), 2),
                "p99_ms": round(pct(times, 0.99), 2),
                "max_ms": round(max(times), 2),
            }
        after_queries = status_kib(ext.pid)
        m.send({"cmd": "exit"})
        ext.wait(timeout=15)
    finally:
        if ext.poll() is None:
            ext.kill()
        m.p.kill()

    if args.reference_after:
        reference_s, summary = reference()
    print(json.dumps({
        "inventory": {k: summary[k] for k in ("environments", "packages", "findings", "startup_files")},
        "reference_full_scan_s": round(reference_s, 3),
        "first_scan_in_extension_s": round(first_scan_s, 3),
        "query_latency_from_cache": latency,
        "client_decode_of_all_packages_ms_and_bytes": client_decode_ms(packages),
        "memory_kib_idle_after_scan": idle,
        "memory_kib_after_queries": after_queries,
        "scan_threads": scan_threads,
    }, indent=2))


if __name__ == "__main__":
    main()
