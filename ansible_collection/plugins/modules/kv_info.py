#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: kv_info
short_description: Read Terrateam KV entries
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Reads one KV row, or every row whose key starts with O(key) when O(prefix=true) (following
    pages to the end), and optionally the number of rows and the total size of a key.
  - A missing row is not an error; RV(exists) tells.
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
  - terrateam.api.attributes.info_module
options:
  key:
    description: The key, or the key prefix with O(prefix=true).
    type: str
    required: true
  prefix:
    description: Return every row whose key starts with O(key) in RV(records).
    type: bool
    default: false
  idx:
    description: Index of the row to read (default V(0)); with O(prefix=true), only rows of this idx.
    type: int
  committed:
    description: V(false) also sees uncommitted rows.
    type: bool
    default: true
  limit:
    description: With O(prefix=true), the most rows to return (default all).
    type: int
  count:
    description: Also return RV(count) and RV(max_idx) for exactly this key.
    type: bool
    default: false
  size:
    description: Also return RV(size), the summed size of the key's rows.
    type: bool
    default: false
seealso:
  - module: terrateam.api.kv
  - plugin: terrateam.api.kv
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Read one key
  terrateam.api.kv_info:
    key: config/deploy
  register: deploy

- name: Use it
  ansible.builtin.debug:
    msg: "{{ deploy.value.region if deploy.exists else 'unset' }}"

- name: List everything under config/
  terrateam.api.kv_info:
    key: config/
    prefix: true
  register: config
"""

RETURN = r"""
exists:
  description: Whether the row exists (without O(prefix)); whether any row matched (with O(prefix)).
  returned: always
  type: bool
  sample: true
value:
  description: The stored JSON value of the row (null when missing).
  returned: when O(prefix=false)
  type: raw
  sample: {"region": "eu-west-1"}
record:
  description: The whole row (key, idx, data, version, committed, created_at, size, read_caps, write_caps) or null.
  returned: when O(prefix=false)
  type: dict
records:
  description: The matching rows in key then idx order.
  returned: when O(prefix=true)
  type: list
  elements: dict
count:
  description: Number of rows (idx values) of the key.
  returned: when O(count=true)
  type: int
  sample: 1
max_idx:
  description: Largest idx of the key, null when it has no rows.
  returned: when O(count=true)
  type: int
  sample: 0
size:
  description: Summed size of the key's rows as the server measures it (characters of the JSON text); 0 when none.
  returned: when O(size=true)
  type: int
  sample: 42
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("kv_info")


if __name__ == "__main__":
    main()
