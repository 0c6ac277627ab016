"""``python -m fetter ARGS``: run the fetter binary with ARGS."""

import os
import subprocess
import sys

from fetter import find_fetter_bin


def main():
    """Replace this process with the binary (POSIX), or run it and pass its
    exit code on (Windows, which has no exec)."""
    binary = find_fetter_bin()
    args = [binary, *sys.argv[1:]]
    if os.name == "posix":
        os.execv(binary, args)
    sys.exit(subprocess.call(args))


if __name__ == "__main__":
    main()
