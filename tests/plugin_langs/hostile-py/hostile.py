"""A plugin that tries, on purpose, what the sandbox must contain."""

import os
import random
import socket
import sys
import time

from fetter_policy import configure, rule, warn

MODES = ("open", "socket", "env", "clock", "urandom", "loop", "alloc", "raise", "print", "random", "none")


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
    elif mode == "random":
        return [warn(d, "hostile-py/random", f"{random.random():.17f}") for d in inventory]
    return []
