#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fetter developers
# MIT OR Apache-2.0
"""fetter_policy: pull a policy bundle from an OCI registry onto the host, locked; idempotent."""

from __future__ import annotations

DOCUMENTATION = r"""
module: fetter_policy
short_description: Pull a locked fetter policy bundle onto the host
description:
  - Runs C(fetter policy pull REF --lock LOCK) on the host. fetter fetches the bundle (a policy
    manifest and its plugins, one OCI artifact), checks every digest, stores it in the host's
    policy store (C(policies/) under O(data_dir)) and pins its manifest digest in the lock file
    O(lock).
  - Validate against it with C(fetter.fetter.fetter_validate) and O(lock) as a policy, which runs
    the stored copy, pinned by the lock (use the same O(data_dir)).
  - Idempotent. C(changed) only when the store gained or moved a name, or the lock's content
    changed (a new source, or a tag that moved). A pull that finds everything as it was leaves the
    lock file byte for byte as it was (its C(pulled-at) stays the time the digest was first
    pinned).
  - With O(locked=true) a tag that no longer points at the digest in O(lock), or a source that
    O(lock) does not pin yet, fails the task naming both digests (C(--locked)).
  - A pull that cannot complete (registry unreachable, a bundle that fails its digests or is not a
    fetter policy) fails the task with fetter's message; nothing is stored or locked then.
version_added: 0.1.0
author:
  - fetter developers (@fetter-developers)
extends_documentation_fragment:
  - fetter.fetter.scope
options:
  ref:
    description: The bundle, C(oci://HOST[:PORT]/REPO[:TAG][@sha256:...]).
    type: str
    required: true
  lock:
    description: The lock file on the host (created when missing; its directory must exist).
    type: path
    required: true
  locked:
    description: Refuse a tag that no longer points at the digest in O(lock) (C(--locked)).
    type: bool
    default: false
  ca_cert:
    description: Trust this CA certificate (PEM, on the host) beside the system roots (C(--ca-cert)).
    type: path
  insecure:
    description: Allow plain HTTP to a registry that is not on loopback (C(--insecure)).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description:
      - Pulls into a temporary store and a copy of O(lock) (the only way to learn where a tag
        points now), compares them with the host's, and throws both away; the host's store and
        lock are untouched. A pull that would fail fails in check mode too.
  diff_mode:
    support: full
    description: The lock before and after, without its C(pulled-at) times.
notes:
  - Registry credentials come from the remote user's C(~/.docker/config.json), as for C(fetter).
  - Signatures are not verified yet (the lock's C(signer) is reserved for them).
"""

EXAMPLES = r"""
- name: Pin the security team's policy
  fetter.fetter.fetter_policy:
    ref: oci://registry.acme.internal/security/base:v3
    lock: /etc/fetter/fetter.lock
    data_dir: /var/lib/fetter

- name: Refuse a tag that moved since it was pinned
  fetter.fetter.fetter_policy:
    ref: oci://registry.acme.internal/security/base:v3
    lock: /etc/fetter/fetter.lock
    data_dir: /var/lib/fetter
    locked: true

- name: Validate against it
  fetter.fetter.fetter_validate:
    data_dir: /var/lib/fetter
    policy: [/etc/fetter/fetter.lock]
"""

RETURN = r"""
reference:
  description: The pulled bundle pinned by digest, as C(fetter policy pull) printed it.
  returned: success
  type: str
  sample: registry.acme.internal/security/base@sha256:b1c0f9f1...
digest:
  description: The bundle's manifest digest.
  returned: success
  type: str
  sample: sha256:b1c0f9f1...
pinned:
  description: Every bundle the lock pins after the task (before it, in check mode), source to
    manifest digest.
  returned: success
  type: dict
  sample: {"oci://registry.acme.internal/security/base:v3": "sha256:b1c0f9f1..."}
lock_changed:
  description: Whether the lock's content changed (or would, in check mode).
  returned: success
  type: bool
store_changed:
  description: Whether the store gained or moved a name (or would, in check mode).
  returned: success
  type: bool
"""

import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fetter.fetter.plugins.module_utils.fetter import (
    EXIT_OK,
    Fetter,
    argument_spec,
    printable,
)


def read_text(path):
    """The file's text, or None when it does not exist."""
    if not os.path.exists(path):
        return None
    with open(path, "r") as f:
        return f.read()


def content(text):
    """A lock's content without the `pulled-at` times (a pull of the same digest moves only
    those): what decides whether the lock changed."""
    if text is None:
        return ""
    return "".join(
        line + "\n" for line in text.splitlines() if not line.strip().startswith("pulled-at")
    )


def pins(text):
    """source -> manifest digest of each `[[bundle]]` of a lock, read from the lines fetter writes
    (`source = "..."`, `manifest-digest = "..."`)."""
    out = {}
    source = None
    in_bundle = False
    for raw in (text or "").splitlines():
        line = raw.strip()
        if line.startswith("["):
            in_bundle = line == "[[bundle]]"
            if in_bundle:
                source = None
            continue
        if not in_bundle or "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        value = value.strip('"')
        if key == "source":
            source = value
        elif key == "manifest-digest" and source is not None:
            out[source] = value
    return out


def stored(fetter):
    """What the store holds, as {(name, digest)} (`fetter policy list --json`); the verification
    times are left out: a registry confirming a name again is not a change of the host."""
    rows = fetter.run_json(["policy", "list", "--json"])[1]
    return set((r["name"], r["digest"]) for r in rows)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            scope=False,
            ref=dict(type="str", required=True),
            lock=dict(type="path", required=True),
            locked=dict(type="bool", default=False),
            ca_cert=dict(type="path"),
            insecure=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    fetter = Fetter(module, scope=False)
    lock = p["lock"]
    lock_dir = os.path.dirname(os.path.abspath(lock))
    if not os.path.isdir(lock_dir) and not module.check_mode:
        module.fail_json(msg="the lock's directory %s does not exist" % lock_dir)
    before_text = read_text(lock)
    store_before = stored(fetter)

    # fetter pulls into a copy of the lock, so the lock itself is only replaced when its content
    # changed (and atomically); in check mode the store is a throw-away one as well.
    work = tempfile.mkdtemp(prefix=".fetter-policy-", dir=None if module.check_mode else lock_dir)
    try:
        work_lock = os.path.join(work, "fetter.lock")
        if before_text is not None:
            shutil.copyfile(lock, work_lock)
        if module.check_mode:
            p["data_dir"] = os.path.join(work, "data")
        args = ["policy", "pull", p["ref"], "--lock", work_lock]
        if p["locked"]:
            args.append("--locked")
        if p["ca_cert"]:
            args += ["--ca-cert", p["ca_cert"]]
        if p["insecure"]:
            args.append("--insecure")
        rc, out, err = fetter.run(args)
        if rc != EXIT_OK:
            fetter.fail(["policy pull"], rc, err.replace(work_lock, lock))
        after_text = read_text(work_lock)
        lock_changed = content(after_text) != content(before_text)
        pulled = stored(fetter)
        if module.check_mode:
            store_changed = not pulled <= store_before
        else:
            store_changed = pulled != store_before
            if lock_changed:
                module.atomic_move(work_lock, lock)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    reference = out.strip()
    result = dict(
        changed=lock_changed or store_changed,
        reference=reference,
        digest=reference.rpartition("@")[2],
        pinned=pins(before_text if module.check_mode else read_text(lock)),
        lock_changed=lock_changed,
        store_changed=store_changed,
    )
    if module._diff and lock_changed:
        result["diff"] = dict(
            before=printable(content(before_text)),
            after=printable(content(after_text)),
            before_header=lock,
            after_header=lock,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
