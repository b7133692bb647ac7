#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: kv
short_description: Set or delete a Terrateam KV entry
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Writes or deletes one row, identified by O(key) and O(idx), of an installation's KV store.
  - By default the module reads the row first, so C(changed) means the stored value or its
    metadata differed, and the write is a compare-and-swap on the version it read. A concurrent
    writer makes the task fail rather than be silently overwritten.
  - Values are never returned. The diff shows keys, versions and a fingerprint of each value
    unless O(show_values=true).
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
attributes:
  check_mode:
    description: Reads the row and predicts the result without writing.
    support: full
  diff_mode:
    description: Shows key, idx, version, commit state, caps and a value fingerprint (values only with O(show_values=true)).
    support: full
options:
  key:
    description: The key (without the installation namespace).
    type: str
    required: true
  state:
    description: V(present) writes the value; V(absent) deletes the row (or every idx of the key when O(idx) is not set).
    type: str
    choices: [present, absent]
    default: present
  value:
    description:
      - The value to store; any JSON value (string, number, boolean, list, dict or null).
      - Required when O(state=present). Compared as parsed JSON.
      - Use C(no_log) on the task when the value is a secret.
    type: raw
  idx:
    description:
      - Index of the row within the key. Defaults to V(0) for O(state=present); for
        O(state=absent) every idx of the key is deleted when not set.
    type: int
  committed:
    description:
      - Whether the row is written as committed. Uncommitted rows are invisible to default reads
        until M(terrateam.api.kv_commit) commits them.
    type: bool
    default: true
  read_caps:
    description:
      - Capabilities a reader must hold to see the row. Not set means anyone with
        C(kv_store_read) (the stored caps are replaced on every write).
    type: list
    elements: raw
  write_caps:
    description: Capabilities a writer must hold to change or delete the row. Not set means no restriction.
    type: list
    elements: raw
  version:
    description:
      - Compare-and-swap guard. When a write is needed, it only succeeds if the stored row has
        this version; otherwise the task fails and reports the current version.
      - When the stored row already has the wanted value, nothing is written and the task succeeds.
      - With O(state=absent), only a row with this version is deleted.
    type: int
  read_before_write:
    description:
      - Read the row before writing (the default). V(false) writes blindly with one request and
        always reports C(changed); check mode and diff then cannot predict anything.
    type: bool
    default: true
  show_values:
    description: Show the real values in the diff instead of fingerprints.
    type: bool
    default: false
notes:
  - C(changed) is true only when the stored row differed (O(state=present)) or existed (O(state=absent)).
seealso:
  - module: terrateam.api.kv_info
  - module: terrateam.api.kv_commit
  - plugin: terrateam.api.kv
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Store the deployment settings of an installation
  terrateam.api.kv:
    installation_id: 12345
    key: config/deploy
    value:
      region: eu-west-1
      replicas: 3

- name: Store a secret only admins can read
  terrateam.api.kv:
    key: secrets/db-password
    value: "{{ db_password }}"
    read_caps: [kv_store_system_read]
  no_log: true

- name: Update only if nobody changed it since version 4
  terrateam.api.kv:
    key: config/deploy
    value: {region: eu-west-1, replicas: 4}
    version: 4

- name: Delete every idx of a key
  terrateam.api.kv:
    key: config/old
    state: absent
"""

RETURN = r"""
record:
  description: Metadata of the row after the task (never its value). Null when it does not exist.
  returned: always
  type: dict
  contains:
    key:
      description: The key.
      type: str
    idx:
      description: The idx of the row.
      type: int
    version:
      description: Version of the row (0 when created; null when predicted in check mode or after a blind write).
      type: int
    committed:
      description: Whether the row is committed.
      type: bool
  sample: {"key": "config/deploy", "idx": 0, "version": 2, "committed": true}
deleted:
  description: Whether rows were deleted.
  returned: when O(state=absent)
  type: bool
  sample: true
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("kv")


if __name__ == "__main__":
    main()
