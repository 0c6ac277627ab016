# -*- coding: utf-8 -*-
# Copyright: fetter developers
# MIT OR Apache-2.0
"""Running the fetter binary from a module: argument specs shared by the modules, the command
line, and fetter's exit codes read as outcomes rather than compared as numbers."""

from __future__ import annotations

import json
import os
import unicodedata

# fetter's exit codes (README, "Exit codes").
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_VIOLATIONS = 3

BINARY_SPEC = dict(
    executable=dict(type="path", default="fetter"),
    data_dir=dict(type="path"),
)

SCOPE_SPEC = dict(
    exe=dict(type="list", elements="path", default=[]),
    root=dict(type="list", elements="path", default=[]),
    all_users=dict(type="bool", default=False),
)


def argument_spec(scope, **own):
    """The module's argument spec: the binary options, the scope options when the command reads
    the inventory, and the module's own."""
    spec = dict(BINARY_SPEC)
    if scope:
        spec.update(SCOPE_SPEC)
    spec.update(own)
    return spec


def repeat(flag, values):
    """`--flag v` for each value (fetter's repeatable options)."""
    out = []
    for value in values or []:
        out.extend([flag, value])
    return out


class Fetter:
    """The fetter binary on this host, with the module's scope and data directory."""

    def __init__(self, module, scope=True):
        self.module = module
        self.scope = scope
        self.binary = self._find(module.params["executable"])

    def _find(self, executable):
        # A bare name is looked up on PATH (and the sbin dirs Ansible adds); a path must be an
        # executable file, named in the error when it is not.
        if os.sep not in executable:
            return self.module.get_bin_path(executable, required=True)
        if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
            self.module.fail_json(msg="fetter is not an executable file at %s" % executable)
        return executable

    def scope_args(self):
        """The scope options, before the subcommand."""
        if not self.scope:
            return []
        p = self.module.params
        args = repeat("--exe", p["exe"]) + repeat("--root", p["root"])
        if p["all_users"]:
            args.append("--all-users")
        return args

    def run(self, args):
        """Run `fetter [scope] ARGS`; returns (rc, stdout, stderr). No shell is involved."""
        env = {"NO_COLOR": "1"}
        if self.module.params.get("data_dir"):
            env["FETTER_DATA_DIR"] = self.module.params["data_dir"]
        cmd = [self.binary] + self.scope_args() + list(args)
        return self.module.run_command(cmd, environ_update=env, check_rc=False)

    def run_json(self, args, accept=(EXIT_OK,)):
        """Run a command that prints JSON and exits with one of `accept`; any other exit code
        fails the task (a check that could not run never passes), as does output that is not
        JSON. Returns (rc, document, stderr)."""
        rc, out, err = self.run(args)
        if rc not in accept:
            self.fail(args, rc, err, out)
        try:
            return rc, json.loads(out), err
        except ValueError as e:
            self.module.fail_json(
                msg="fetter %s printed no JSON (%s)" % (args[0], e),
                fetter_rc=rc,
                stderr=err,
            )
        return None  # not reached: fail_json exits

    def fail(self, args, rc, err, out="", **extra):
        """Fail the task saying why: the report's own check failures when fetter printed one
        (each naming its source), else fetter's error line (fetter has escaped both)."""
        document = None
        if out:
            try:
                document = json.loads(out)
            except ValueError:
                document = None
        failures = document.get("failures") if isinstance(document, dict) else None
        if failures:
            why = printable("; ".join(
                "%s: %s" % (f.get("source") or f.get("check"), f.get("message")) for f in failures
            ))
            extra.setdefault("failures", failures)
        else:
            lines = [line for line in err.splitlines() if line.strip()]
            errors = [line for line in lines if line.startswith("error")]
            why = (errors or lines or ["no message"])[-1]
        if document is not None:
            extra.setdefault("report", document)
        self.module.fail_json(
            msg="fetter %s could not run (exit %d): %s" % (args[0], rc, why),
            fetter_rc=rc,
            stderr=err,
            **extra
        )


def is_unsafe_for_terminal(c):
    """The characters fetter's own escaper (engine/src/escape.rs) never writes raw: controls
    (ANSI escapes, forged newlines), bidirectional and zero-width format characters, the line and
    paragraph separators."""
    return unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")


def printable(text):
    """Untrusted text (a package name, a path) for a line Ansible prints as is (a diff, a message):
    each unsafe character shown as `\\x1b` or `\\u202e`, as fetter shows it. The JSON results
    keep the exact value."""
    out = []
    for c in text:
        if not is_unsafe_for_terminal(c):
            out.append(c)
        elif ord(c) < 0x80:
            out.append("\\x%02x" % ord(c))
        else:
            out.append("\\u%04x" % ord(c))
    return "".join(out)


def warnings_of(stderr):
    """fetter's warnings (unreadable entries, skipped environments) as a list of lines."""
    return [line for line in stderr.splitlines() if line.startswith("warning")]
