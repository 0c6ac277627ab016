#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fetter developers
# MIT OR Apache-2.0
"""fetter_validate: bounds, policies and OSV audit on the host; findings are results."""

from __future__ import annotations

DOCUMENTATION = r"""
module: fetter_validate
short_description: Check the host's Python environments against bounds, policies and OSV
description:
  - Runs C(fetter validate --format json) against the given bounds and policy plugins, and
    C(fetter audit --format json) against OSV data when O(audit=true).
  - B(Violations are results, not failures.) fetter exits 3 when it finds violations; the module
    returns that exit code as RV(fetter_rc) and succeeds, so a playbook decides with
    C(failed_when), for example C(failed_when) on C(result.fetter_rc != 0).
  - B(A check that could not run fails the task) (fetter exit 1, as for a bound that cannot be read, a
    plugin that failed, OSV data missing or older than O(max_age), a scope that leads to no
    environment). It never passes.
  - Never changes anything on the host.
version_added: 0.1.0
author:
  - fetter developers (@fetter-developers)
extends_documentation_fragment:
  - fetter.fetter.scope
  - fetter.fetter.scope.SCOPE
options:
  bound:
    description:
      - Bounds on the host (requirements file, C(pyproject.toml), C(pylock.toml), C(uv.lock),
        C(poetry.lock)) or C(http(s)://) URLs; several combine as one (C(--bound)).
    type: list
    elements: str
    default: []
  policy:
    description:
      - Policy plugins (C(FILE.wasm)), policy manifests (C(FILE.toml)) on the host, or names of
        plugins built into fetter such as C(typosquat) (C(--policy)).
    type: list
    elements: str
    default: []
  use_config:
    description:
      - Run C(fetter validate) with no O(bound) or O(policy), taking the bounds and policies from
        the host's fetter config file.
    type: bool
    default: false
  subset:
    description: The bound may list more than is installed; do not report missing requirements.
    type: bool
    default: false
  superset:
    description: Environments may hold more than the bound; do not report unrequired packages.
    type: bool
    default: false
  ignore:
    description:
      - Packages not to check. Unset keeps fetter's default (only pip is ignored); a list
        replaces it, and an empty list checks pip too.
    type: list
    elements: str
  extra:
    description: Optional-dependency extras of a pyproject or lock file to include.
    type: list
    elements: str
    default: []
  group:
    description: Dependency groups (PEP 735) of a pyproject or lock file to include.
    type: list
    elements: str
    default: []
  audit:
    description:
      - Also check every installed distribution against OSV's known vulnerabilities and malware
        (C(fetter audit)).
    type: bool
    default: false
  osv_db:
    description:
      - With O(audit=true), the OSV data on the host (PyPI's C(all.zip), a directory of OSV JSON
        files or a fetter database). Default is fetter's local copy in O(data_dir).
    type: path
  max_age:
    description: With O(audit=true), fail when the OSV database is older than this (C(7d), C(24h)).
    type: str
  fail_on:
    description: With O(audit=true), the lowest severity that counts as a violation.
    type: str
    choices: [info, low, medium, high, critical]
    default: info
attributes:
  check_mode:
    support: full
    description: The checks are read-only and run the same way in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
notes:
  - The full reports are returned (RV(validate), RV(audit)) so the C(fetter.fetter.audit) role can
    store them on the controller for C(fetter report).
"""

EXAMPLES = r"""
- name: Validate against the team's bound and the typosquat policy
  fetter.fetter.fetter_validate:
    bound: [/etc/fetter/requirements.txt]
    policy: [typosquat]
    superset: true
  register: fetter
  failed_when: fetter.fetter_rc != 0

- name: Audit against the OSV copy refreshed this week, failing only on high and critical
  fetter.fetter.fetter_validate:
    audit: true
    max_age: 7d
    fail_on: high
  register: osv

- name: Show what was found
  ansible.builtin.debug:
    msg: "{{ item.severity }} {{ item.code }} {{ item.package }} {{ item.version }}"
  loop: "{{ fetter.findings }}"
"""

RETURN = r"""
fetter_rc:
  description:
    - The worst exit code of the checks that ran, C(0) (clean) or C(3) (violations). fetter's
      C(1) (could not run) fails the task instead.
  returned: always
  type: int
  sample: 3
violations:
  description: Whether any check found a violation (RV(fetter_rc) is 3).
  returned: always
  type: bool
findings:
  description:
    - Every finding of every check, flattened; C(check) is C(bounds), C(plugin:NAME) or C(audit).
  returned: always
  type: list
  elements: dict
  sample:
    - check: bounds
      code: bounds/unrequired
      severity: high
      action: deny
      environment: /srv/app/.venv
      package: setuptools
      version: 65.5.0
      message: setuptools 65.5.0 is installed but not in the bound
validate:
  description: The C(fetter.validate/1) document, or null when no bound or policy was checked.
  returned: always
  type: dict
audit:
  description: The C(fetter.audit/1) document, or null without O(audit=true).
  returned: always
  type: dict
validate_rc:
  description: The exit code of C(fetter validate), or null when it did not run.
  returned: always
  type: int
audit_rc:
  description: The exit code of C(fetter audit), or null when it did not run.
  returned: always
  type: int
warnings_fetter:
  description: fetter's warnings (unreadable entries), one line each.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fetter.fetter.plugins.module_utils.fetter import (
    EXIT_OK,
    EXIT_VIOLATIONS,
    Fetter,
    argument_spec,
    repeat,
    warnings_of,
)

SEVERITIES = ["info", "low", "medium", "high", "critical"]


def validate_args(p):
    args = ["validate", "--format", "json"]
    args += repeat("--bound", p["bound"]) + repeat("--policy", p["policy"])
    if p["subset"]:
        args.append("--subset")
    if p["superset"]:
        args.append("--superset")
    if p["ignore"] is not None:
        args += repeat("--ignore", p["ignore"]) if p["ignore"] else ["--ignore="]
    args += repeat("--extra", p["extra"]) + repeat("--group", p["group"])
    return args


def audit_args(p):
    args = ["audit", "--format", "json", "--fail-on", p["fail_on"]]
    if p["osv_db"]:
        args += ["--osv-db", p["osv_db"]]
    if p["max_age"]:
        args += ["--max-age", p["max_age"]]
    return args


def validate_findings(report):
    for env in report.get("environments") or []:
        for d in env.get("diagnostics") or []:
            dist = d.get("distribution") or {}
            yield dict(
                check=d.get("check"),
                code=d.get("code"),
                severity=d.get("severity"),
                action=d.get("action"),
                environment=d.get("environment") or env.get("prefix"),
                package=dist.get("name"),
                version=dist.get("version"),
                message=d.get("message"),
            )


def audit_findings(report):
    for v in report.get("vulnerabilities") or []:
        dist = v.get("distribution") or {}
        for env in v.get("environments") or [None]:
            yield dict(
                check="audit",
                code="audit/malicious" if v.get("malicious") else "audit/vulnerable",
                severity=v.get("severity"),
                action="deny",
                environment=env,
                package=dist.get("name"),
                version=dist.get("version"),
                message="%s: %s" % (v.get("id"), v.get("summary") or ""),
                id=v.get("id"),
                fixed=v.get("fixed") or [],
            )


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            scope=True,
            bound=dict(type="list", elements="str", default=[]),
            policy=dict(type="list", elements="str", default=[]),
            use_config=dict(type="bool", default=False),
            subset=dict(type="bool", default=False),
            superset=dict(type="bool", default=False),
            ignore=dict(type="list", elements="str"),
            extra=dict(type="list", elements="str", default=[]),
            group=dict(type="list", elements="str", default=[]),
            audit=dict(type="bool", default=False),
            osv_db=dict(type="path"),
            max_age=dict(type="str"),
            fail_on=dict(type="str", choices=SEVERITIES, default="info"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    run_validate = bool(p["bound"] or p["policy"] or p["use_config"])
    if not (run_validate or p["audit"]):
        module.fail_json(msg="nothing to check: give bound, policy, use_config=true or audit=true")

    fetter = Fetter(module)
    accept = (EXIT_OK, EXIT_VIOLATIONS)
    result = dict(changed=False, validate=None, audit=None, validate_rc=None, audit_rc=None)
    findings, warnings = [], []
    if run_validate:
        rc, report, err = fetter.run_json(validate_args(p), accept)
        result.update(validate=report, validate_rc=rc)
        findings += list(validate_findings(report))
        warnings += warnings_of(err)
    if p["audit"]:
        rc, report, err = fetter.run_json(audit_args(p), accept)
        result.update(audit=report, audit_rc=rc)
        findings += list(audit_findings(report))
        warnings += warnings_of(err)
    codes = [rc for rc in (result["validate_rc"], result["audit_rc"]) if rc is not None]
    result["fetter_rc"] = max(codes)
    result["violations"] = result["fetter_rc"] == EXIT_VIOLATIONS
    result["findings"] = findings
    result["warnings_fetter"] = warnings
    module.exit_json(**result)


if __name__ == "__main__":
    main()
