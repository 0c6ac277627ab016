#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fetter developers
# MIT OR Apache-2.0
"""fetter_facts: the host's Python inventory (fetter scan) as facts."""

from __future__ import annotations

DOCUMENTATION = r"""
module: fetter_facts
short_description: Every Python environment and installed package on the host, as facts
description:
  - Runs C(fetter scan --format json) on the host and returns the C(fetter.inventory/1) document
    as the fact C(fetter_inventory), with counts in C(fetter_summary).
  - fetter reads the filesystem only; no interpreter on the host is run.
  - Never changes anything on the host.
version_added: 0.1.0
author:
  - fetter developers (@fetter-developers)
extends_documentation_fragment:
  - fetter.fetter.scope
  - fetter.fetter.scope.SCOPE
attributes:
  check_mode:
    support: full
    description: Runs the same read-only scan in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
  facts:
    support: full
    description: Sets C(fetter_inventory) and C(fetter_summary).
notes:
  - The C(fetter) binary must be on the host (see the C(fetter.fetter.install) role).
"""

EXAMPLES = r"""
- name: Take the inventory of every environment under /srv
  fetter.fetter.fetter_facts:
    root: [/srv]

- name: Which hosts have requests installed, in which versions
  ansible.builtin.debug:
    msg: "{{ fetter_inventory.distributions | selectattr('normalized_name', 'eq', 'requests')
             | map(attribute='version') | unique }}"
"""

RETURN = r"""
ansible_facts:
  description: The facts set.
  returned: always
  type: complex
  contains:
    fetter_inventory:
      description:
        - The C(fetter.inventory/1) document (schema in fetter's C(schemas/) directory), with
          C(environments), C(sites), C(distributions) and C(warnings).
      type: dict
      sample: {"schema": "fetter.inventory/1", "environments": [], "sites": [], "distributions": []}
    fetter_summary:
      description: How many environments, sites and distributions the scan found.
      type: dict
      sample: {"environments": 3, "sites": 3, "distributions": 41}
warnings_fetter:
  description: fetter's warnings (unreadable entries), one line each.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fetter.fetter.plugins.module_utils.fetter import (
    Fetter,
    argument_spec,
    warnings_of,
)


def main():
    module = AnsibleModule(argument_spec=argument_spec(scope=True), supports_check_mode=True)
    fetter = Fetter(module)
    _rc, inventory, err = fetter.run_json(["scan", "--format", "json"])
    summary = {
        key: len(inventory.get(key) or [])
        for key in ("environments", "sites", "distributions")
    }
    module.exit_json(
        changed=False,
        ansible_facts=dict(fetter_inventory=inventory, fetter_summary=summary),
        warnings_fetter=warnings_of(err),
    )


if __name__ == "__main__":
    main()
