"""The host's `log`, the one import a plugin has.

Imported lazily: outside a build (in a plain interpreter, for the plugin's
own tests) the generated bindings do not exist, and lines go to stderr.
"""

import sys

DEBUG, INFO, WARN, ERROR = "debug", "info", "warn", "error"

try:
    from wit_world.imports import host as _wit_host

    _LEVELS = {
        DEBUG: _wit_host.LogLevel.DEBUG,
        INFO: _wit_host.LogLevel.INFO,
        WARN: _wit_host.LogLevel.WARN,
        ERROR: _wit_host.LogLevel.ERROR,
    }
except ImportError:  # not inside a component
    _wit_host = None
    _stderr = sys.__stderr__


def log(level, message):
    """Send one line to the host (`fetter` prints it as `plugin NAME: LEVEL: …`)."""
    if _wit_host is not None:
        _wit_host.log(_LEVELS[level], str(message))
    elif _stderr is not None:
        _stderr.write(f"{level}: {message}\n")
