#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: kv_commit
short_description: Commit uncommitted Terrateam KV rows
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Marks uncommitted KV rows as committed in one atomic request.
  - C(changed) is true only when at least one row actually flipped.
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
attributes:
  check_mode:
    description: Reads the uncommitted rows and reports the ones that would be committed.
    support: full
  diff_mode:
    description: Not supported.
    support: none
options:
  keys:
    description:
      - Rows to commit. Each item is a key (every idx of it) or a dict C({key, idx}).
    type: list
    elements: raw
    required: true
seealso:
  - module: terrateam.api.kv
"""

EXAMPLES = r"""
- name: Write two rows uncommitted, then publish them together
  terrateam.api.kv:
    key: release/manifest
    idx: "{{ item }}"
    value: "part {{ item }}"
    committed: false
  loop: [0, 1]

- name: Commit them
  terrateam.api.kv_commit:
    keys:
      - release/manifest
"""

RETURN = r"""
committed:
  description: The rows that were (or in check mode would be) flipped to committed.
  returned: always
  type: list
  elements: dict
  sample: [{"key": "release/manifest", "idx": 0}]
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("kv_commit")


if __name__ == "__main__":
    main()
