"""Make the sandbox's refusals ordinary Python exceptions.

A plugin is built with its WASI imports replaced by stubs that *trap*: a
call to `open`, a socket, the clock or the environment would kill the
plugin with "wasm `unreachable` instruction executed" before Python could
say which line asked. This module swaps those entry points for functions
that raise `SandboxError` (a `PermissionError`) naming what was refused, so
the plugin's error says what it tried and where. It also routes `print`
and `sys.stderr` to the host's `log`.

Nothing here grants anything: the host still refuses every capability;
this only changes how the refusal is reported. The modules it patches are
imported at build time (`prepare`: importing later would itself read
files); the swaps are made when the host first calls the plugin
(`install`), because componentize-py's own build steps still need the real
functions after the plugin is imported.
"""

import builtins
import io
import os
import sys


class SandboxError(PermissionError):
    """A capability a fetter plugin does not have (files, network, clock,
    environment, randomness from the OS, processes)."""


def _refuse(what):
    def refused(*_args, **_kwargs):
        raise SandboxError(f"fetter plugins cannot {what}: the sandbox grants only `log`")

    refused.__name__ = "refused"
    return refused


class _Environ(dict):
    """`os.environ` that refuses to be read instead of trapping (and holds
    nothing from the build machine)."""

    def _no(self, *_a, **_k):
        raise SandboxError("fetter plugins cannot read environment variables: the sandbox grants only `log`")

    __getitem__ = get = keys = items = values = __iter__ = __contains__ = __len__ = copy = _no


class _LogStream(io.TextIOBase):
    """A text stream whose complete lines go to the host's `log`."""

    def __init__(self, level):
        self._level = level
        self._buf = ""

    def writable(self):
        return True

    def write(self, text):
        from . import _host

        self._buf += str(text)
        while "\n" in self._buf:
            line, self._buf = self._buf.split("\n", 1)
            _host.log(self._level, line)
        return len(text)

    def flush(self):
        from . import _host

        if self._buf:
            _host.log(self._level, self._buf)
            self._buf = ""


def prepare():
    """Import what `install` patches, while the build can still read the
    standard library."""
    import datetime, pathlib, time  # noqa: F401
    for name in ("socket", "_socket", "subprocess"):
        try:
            __import__(name)
        except ImportError:
            pass


_installed = False


def install():
    """Swap the trapping entry points for refusing ones (once)."""
    global _installed
    if _installed:
        return
    _installed = True
    files = _refuse("open files")
    builtins.open = files
    io.open = files
    for name in ("open", "listdir", "scandir", "stat", "lstat", "remove", "unlink", "mkdir", "rmdir", "rename", "replace", "walk", "chdir", "getcwd"):
        if hasattr(os, name):
            setattr(os, name, files)
    os.urandom = _refuse("read the OS's random numbers")
    os.system = os.popen = os.execv = os.execve = _refuse("run processes")
    os.getenv = _Environ()._no
    os.environ = _Environ()
    try:
        import pathlib

        pathlib.Path.open = files
        pathlib.Path.read_text = files
        pathlib.Path.read_bytes = files
        pathlib.Path.exists = files
        pathlib.Path.iterdir = files
    except ImportError:
        pass
    import time

    clock = _refuse("read the clock")
    for name in ("time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns", "process_time", "process_time_ns", "localtime", "gmtime", "ctime", "strftime", "sleep"):
        if hasattr(time, name):
            setattr(time, name, clock)
    try:
        import datetime

        class _DateTime(datetime.datetime):
            now = utcnow = today = classmethod(lambda cls, *a, **k: clock())

        class _Date(datetime.date):
            today = classmethod(lambda cls, *a, **k: clock())

        datetime.datetime = _DateTime
        datetime.date = _Date
    except ImportError:
        pass
    net = _refuse("open network connections")
    try:
        import socket

        socket.socket = net
        socket.create_connection = net
        socket.getaddrinfo = net
        socket.gethostbyname = net
    except ImportError:
        pass
    try:
        import _socket

        _socket.socket = net
        _socket.getaddrinfo = net
    except ImportError:
        pass
    try:
        import subprocess

        subprocess.Popen = subprocess.run = subprocess.call = subprocess.check_output = _refuse("run processes")
    except ImportError:
        pass
    from . import _host

    sys.stdout = _LogStream(_host.INFO)
    sys.stderr = _LogStream(_host.WARN)
