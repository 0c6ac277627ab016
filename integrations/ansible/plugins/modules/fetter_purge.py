#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fetter developers
# MIT OR Apache-2.0
"""fetter_purge: remove distributions into fetter's quarantine, restorable by id."""

from __future__ import annotations

DOCUMENTATION = r"""
module: fetter_purge
short_description: Remove Python distributions into fetter's quarantine
description:
  - Runs C(fetter purge --yes --format json) for the distributions selected by name, by a bound
    (what it rejects), by policy plugins (what they deny) or by OSV (what is vulnerable).
  - Files are moved into a quarantine on the host (unless O(quarantine=false)); the quarantine id
    is returned as RV(quarantine_id) so a C(fetter.fetter.fetter_restore) task can put them back
    byte for byte.
  - Every safety rule of C(fetter purge) holds; a selection that cannot be checked completely, or a
    distribution fetter refuses to remove, removes nothing and fails the task.
  - Idempotent, C(changed) only when something was removed; a second run finds nothing to remove.
version_added: 0.1.0
author:
  - fetter developers (@fetter-developers)
extends_documentation_fragment:
  - fetter.fetter.scope
  - fetter.fetter.scope.SCOPE
options:
  name:
    description:
      - Distributions to remove by name (PEP 503 normalised). Naming pip is what allows removing
        it.
    type: list
    elements: str
    default: []
  bound:
    description: Remove what these bounds reject (unrequired or misdefined).
    type: list
    elements: str
    default: []
  ignore:
    description: With O(bound), packages not to remove (fetter's default ignores pip).
    type: list
    elements: str
  policy:
    description: Remove what these policy plugins or manifests deny.
    type: list
    elements: str
    default: []
  audit:
    description: Remove distributions with known vulnerabilities or malware (OSV).
    type: bool
    default: false
  osv_db:
    description: With O(audit=true), the OSV data on the host.
    type: path
  max_age:
    description: With O(audit=true), refuse an OSV database older than this (C(7d)).
    type: str
  quarantine:
    description:
      - Move files into the quarantine (restorable). C(false) deletes them outright
        (C(--no-quarantine)), which cannot be undone.
    type: bool
    default: true
  lock_wait:
    description: Seconds to wait for another purge or restore of the same environment.
    type: int
    default: 5
attributes:
  check_mode:
    support: full
    description: Runs C(fetter purge --dry-run) and returns the plan, removing nothing.
  diff_mode:
    support: full
    description: The distributions removed (or, in check mode, that would be), one line each.
notes:
  - Give exactly one kind of selection per task, as C(fetter purge) takes one.
"""

EXAMPLES = r"""
- name: Remove everything the team's bound does not allow (see the plan first with --check --diff)
  fetter.fetter.fetter_purge:
    root: [/srv]
    bound: [/etc/fetter/requirements.txt]
  register: purge

- name: Put it back
  fetter.fetter.fetter_restore:
    id: "{{ purge.quarantine_id }}"
  when: purge.quarantine_id is not none
"""

RETURN = r"""
quarantine_id:
  description: The quarantine holding the removed files, for C(fetter.fetter.fetter_restore); null
    when nothing was removed, in check mode, or with O(quarantine=false).
  returned: always
  type: str
  sample: 20261205T112408Z-f30e6e8a
removed:
  description: The distributions removed (or that would be in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "beta", "version": "2.0", "environment": "/srv/app/.venv", "files": 8}]
plan:
  description: fetter's plan (C(environments) with every file, C(refused), C(kept)).
  returned: always
  type: dict
outcome:
  description: What fetter did (C(quarantine_id), C(files_removed), C(dirs_removed)); null in check
    mode or when nothing was removed.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fetter.fetter.plugins.module_utils.fetter import (
    Fetter,
    argument_spec,
    printable,
    repeat,
)

SELECTIONS = ("name", "bound", "policy", "audit")


def purge_args(p, dry_run):
    args = ["purge", "--format", "json", "--lock-wait", str(p["lock_wait"])]
    args += repeat("--name", p["name"]) + repeat("--bound", p["bound"])
    args += repeat("--policy", p["policy"])
    if p["ignore"] is not None:
        args += repeat("--ignore", p["ignore"]) if p["ignore"] else ["--ignore="]
    if p["audit"]:
        args.append("--audit")
        if p["osv_db"]:
            args += ["--osv-db", p["osv_db"]]
        if p["max_age"]:
            args += ["--max-age", p["max_age"]]
    if not p["quarantine"]:
        args.append("--no-quarantine")
    args.append("--dry-run" if dry_run else "--yes")
    return args


def planned(plan):
    for env in plan.get("environments") or []:
        for d in env.get("distributions") or []:
            yield dict(
                name=d.get("name"),
                version=d.get("version"),
                environment=env.get("root"),
                files=len(d.get("files") or []),
            )


def diff_of(removed):
    # One line per distribution: before lists it, after does not, so `--diff` shows each removal.
    # Ansible prints the diff as is: names and paths are untrusted, so escaped as fetter does.
    lines = [
        printable("%s %s in %s" % (r["name"], r["version"], r["environment"])) + "\n"
        for r in removed
    ]
    return dict(
        before="".join(lines),
        after="",
        before_header="installed",
        after_header="after purge",
    )


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            scope=True,
            name=dict(type="list", elements="str", default=[]),
            bound=dict(type="list", elements="str", default=[]),
            ignore=dict(type="list", elements="str"),
            policy=dict(type="list", elements="str", default=[]),
            audit=dict(type="bool", default=False),
            osv_db=dict(type="path"),
            max_age=dict(type="str"),
            quarantine=dict(type="bool", default=True),
            lock_wait=dict(type="int", default=5),
        ),
        supports_check_mode=True,
    )
    p = module.params
    chosen = [s for s in SELECTIONS if p[s]]
    if len(chosen) != 1:
        module.fail_json(
            msg="give exactly one of name, bound, policy or audit=true (got %s)"
            % (", ".join(chosen) or "none")
        )

    fetter = Fetter(module)
    _rc, report, _err = fetter.run_json(purge_args(p, dry_run=module.check_mode))
    plan = report.get("plan") or {}
    outcome = report.get("outcome")
    removed = list(planned(plan))
    if module.check_mode:
        changed = bool(removed)
    else:
        changed = bool(outcome) and (
            outcome.get("files_removed", 0) > 0 or bool(outcome.get("quarantine_id"))
        )
    result = dict(
        changed=changed,
        removed=removed if changed else [],
        plan=plan,
        outcome=outcome,
        quarantine_id=(outcome or {}).get("quarantine_id"),
    )
    if module._diff and changed:
        result["diff"] = diff_of(removed)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
