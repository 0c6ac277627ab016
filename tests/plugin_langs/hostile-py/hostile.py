"""A plugin that tries, on purpose, what the sandbox must contain."""

import json
import os
import random
import socket
import sys
import time

from fetter_policy import configure, rule, warn

MODES = ("open", "socket", "env", "clock", "urandom", "loop", "alloc", "raise", "print", "random", "echo", "none")


@configure
def check(settings):
    settings.only("mode")
    if settings.str("mode", "none") not in MODES:
        raise ValueError("unknown mode")


@rule
def evaluate(inventory, settings):
    mode = settings.str("mode", "none")
    if mode == "open":
        with open("/etc/passwd") as f:
            f.read()
    elif mode == "socket":
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9))
    elif mode == "env":
        return [warn(inventory[0], "hostile-py/env", os.environ["HOME"])]
    elif mode == "clock":
        return [warn(inventory[0], "hostile-py/clock", str(time.time()))]
    elif mode == "urandom":
        os.urandom(8)
    elif mode == "loop":
        n = 0
        while True:
            n += 1
    elif mode == "alloc":
        hoard = []
        while True:
            hoard.append(bytearray(1 << 20))
    elif mode == "raise":
        return {}["no-such-key"]
    elif mode == "print":
        print("hello from python")
        sys.stderr.write("and from stderr\n")
    elif mode == "echo":
        # Every field as the SDK gives it (ASCII JSON), for comparing the
        # records path with the columns path.
        out = [warn(d, "hostile-py/echo", json.dumps([
            d.index, d.name, d.normalized_name, d.version, d.environments, d.site, d.installer,
            d.requested, None if d.direct_url is None else list(d.direct_url), d.vcs, d.editable,
        ])) for d in inventory]
        if len(inventory):
            envs = [[e.prefix, e.kind, e.python_version, e.externally_managed] for e in inventory.environments]
            last = inventory[-1]
            out.append(warn(inventory[0], "hostile-py/environments", json.dumps([len(inventory), last.index, envs])))
        return out
    elif mode == "random":
        return [warn(d, "hostile-py/random", f"{random.random():.17f}") for d in inventory]
    return []
