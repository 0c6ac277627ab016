"""fetter: audit every Python package installed on a machine.

The work is done by the ``fetter`` binary installed next to this package's
interpreter (``bin/fetter``); this package only finds it, so that
``python -m fetter`` works where the scripts directory is not on PATH.
"""

import os
import shutil
import sys
import sysconfig

__all__ = ["find_fetter_bin"]


def find_fetter_bin():
    """Return the path of the installed ``fetter`` binary.

    Looks in the scripts directory of this interpreter's install scheme, then
    the user scheme (``pip install --user``), then PATH.
    """
    exe = "fetter" + (sysconfig.get_config_var("EXE") or "")
    schemes = [None]
    if sys.version_info >= (3, 10):
        schemes.append(sysconfig.get_preferred_scheme("user"))
    else:
        schemes.append("nt_user" if os.name == "nt" else "posix_user")
    for scheme in schemes:
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        path = os.path.join(scripts, exe)
        if os.path.isfile(path):
            return path
    found = shutil.which(exe)
    if found:
        return found
    raise FileNotFoundError(
        "the fetter binary is not installed next to this Python; reinstall with `pip install --force-reinstall fetter`"
    )
