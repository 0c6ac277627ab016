#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fetter developers
# MIT OR Apache-2.0
"""fetter_restore: put a purge back from fetter's quarantine, by id; idempotent."""

from __future__ import annotations

DOCUMENTATION = r"""
module: fetter_restore
short_description: Put a fetter purge back from the quarantine
description:
  - Restores the quarantine O(id) (as returned by C(fetter.fetter.fetter_purge)) with
    C(fetter restore ID), every file back byte-identical, with its mode.
  - Idempotent. The quarantine's state (C(fetter quarantine list --format json)) is read first; a
    quarantine already restored reports no change.
  - A quarantine that does not exist, or a purge that was interrupted (state C(incomplete), to be finished
    with C(fetter quarantine resume) first), fails the task, as does a restore fetter
    refuses (a file that reappeared since the purge, a quarantined file whose hash changed) unless
    O(force=true).
version_added: 0.1.0
author:
  - fetter developers (@fetter-developers)
extends_documentation_fragment:
  - fetter.fetter.scope
options:
  id:
    description: The quarantine to restore.
    type: str
    required: true
  force:
    description:
      - Overwrite files that reappeared since the purge, and restore quarantined files whose hash no
        longer matches the manifest.
    type: bool
    default: false
  lock_wait:
    description: Seconds to wait for a purge of the same environment to finish.
    type: int
    default: 5
attributes:
  check_mode:
    support: full
    description: Reads the quarantine's state and reports whether it would be restored.
  diff_mode:
    support: full
    description: The distributions put back, one line each.
"""

EXAMPLES = r"""
- name: Undo the purge of the previous task
  fetter.fetter.fetter_restore:
    id: "{{ purge.quarantine_id }}"
"""

RETURN = r"""
state:
  description: The quarantine's state before the task (C(complete) or C(restored)).
  returned: always
  type: str
  sample: complete
distributions:
  description: The distributions the quarantine holds, as C(name version).
  returned: always
  type: list
  elements: str
  sample: ["beta 2.0"]
environments:
  description: The environments they belong to.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fetter.fetter.plugins.module_utils.fetter import (
    EXIT_OK,
    Fetter,
    argument_spec,
    printable,
)

RESTORABLE = "complete"
RESTORED = "restored"


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            scope=False,
            id=dict(type="str", required=True),
            force=dict(type="bool", default=False),
            lock_wait=dict(type="int", default=5),
        ),
        supports_check_mode=True,
    )
    p = module.params
    fetter = Fetter(module, scope=False)
    _rc, quarantines, _err = fetter.run_json(["quarantine", "list", "--format", "json"])
    entry = next((q for q in quarantines if q.get("id") == p["id"]), None)
    if entry is None:
        module.fail_json(
            msg="no quarantine %s on this host (fetter quarantine list shows %d)"
            % (p["id"], len(quarantines))
        )
    state = entry.get("state")
    result = dict(
        state=state,
        distributions=entry.get("distributions") or [],
        environments=entry.get("environments") or [],
    )
    if state == RESTORED:
        module.exit_json(changed=False, **result)
    if state != RESTORABLE:
        module.fail_json(
            msg="quarantine %s is %s, not restorable: finish it with `fetter quarantine resume %s`"
            % (p["id"], state, p["id"]),
            **result
        )
    if module._diff:
        result["diff"] = dict(
            before="",
            after="".join(printable(d) + "\n" for d in result["distributions"]),
            before_header="quarantined",
            after_header="restored",
        )
    if not module.check_mode:
        args = ["restore", p["id"], "--lock-wait", str(p["lock_wait"])]
        if p["force"]:
            args.append("--force")
        rc, _out, err = fetter.run(args)
        if rc != EXIT_OK:
            fetter.fail(args, rc, err, **result)
    module.exit_json(changed=True, **result)


if __name__ == "__main__":
    main()
