# -*- coding: utf-8 -*-
# Copyright: fetter developers
# MIT OR Apache-2.0
"""Options shared by every fetter module: where the binary is and where its data lives."""

from __future__ import annotations


class ModuleDocFragment:
    """The binary and data directory options (every module)."""

    DOCUMENTATION = r"""
options:
  executable:
    description:
      - The C(fetter) binary on the managed host, as a path or a name looked up on C(PATH).
      - The C(fetter.fetter.install) role puts it at C(/usr/local/bin/fetter) by default.
    type: path
    default: fetter
  data_dir:
    description:
      - fetter's data directory on the host (quarantines, the local OSV copy), passed as
        C(FETTER_DATA_DIR).
      - Default is fetter's own, C($XDG_DATA_HOME/fetter) of the remote user.
    type: path
"""

    # Which environments a command sees (facts, validate, purge; restore has none).
    SCOPE = r"""
options:
  exe:
    description:
      - Only the environments of these interpreters or prefixes (C(--exe), repeatable).
      - Each must lead to an environment, or the task fails (a typo never turns into an empty,
        passing check).
    type: list
    elements: path
    default: []
  root:
    description:
      - Search these trees instead of the machine (C(--root), repeatable).
    type: list
    elements: path
    default: []
  all_users:
    description:
      - Search every home under C(/home) and C(/root), not only the remote user's C($HOME).
    type: bool
    default: false
"""
