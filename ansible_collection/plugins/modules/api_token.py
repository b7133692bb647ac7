#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: api_token
short_description: Create, rotate or revoke Terrateam API keys
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Manage a Terrateam API key (an "access token" in Terrateam's UI) identified by its O(name).
  - The secret of a key (its refresh token) is returned only by the task that creates it. It
    can never be read back later, so register the result and store it at once.
  - A result that carries the secret is marked C(no_log) by the module itself, so Ansible hides
    it in its output at any verbosity (C(-vvvv) included) even without C(no_log) on the task;
    C(register) still receives it. Put C(no_log) on every later task that uses the registered
    value (a M(ansible.builtin.debug) or a templated argument would print it otherwise).
  - The server silently drops requested capabilities the caller does not hold; this module
    fails instead, names the dropped capabilities and revokes the key it just created.
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
attributes:
  check_mode:
    description: Predicts the result by listing keys; a key that would be created has a null RV(refresh_token).
    support: full
  diff_mode:
    description: Shows the key's name and capabilities before and after.
    support: full
options:
  name:
    description:
      - Name of the API key. Keys are looked up by this name among the caller's keys.
      - When several keys have this name, O(state=present) fails and O(state=absent) revokes them all.
    type: str
    required: true
  state:
    description:
      - V(present) makes sure a key with this name exists; V(absent) revokes every key with this name.
    type: str
    choices: [present, absent]
    default: present
  capabilities:
    description:
      - >-
        Capabilities of the key. Each item is a string such as V(kv_store_read), the short form
        V(installation_id=12345) or V(vcs=github), or a capability object such as
        C({"name": "installation_id", "id": "12345"}).
      - Compared as a set, ignoring the C(vcs) capability the server adds by itself.
      - >-
        What each grants: V(kv_store_read) KV reads; V(kv_store_write) KV writes (cas and
        delete need both); V(access_token_create) creating, listing and revoking the user's API
        keys; V(kv_store_system_read) and V(kv_store_system_write) only records whose read or
        write caps list them; V(vcs) nothing (never checked).
      - >-
        V(installation_id=N) B(widens) access: the key may use installation N even when its user
        is not a member. It does not restrict the key to N (the key still reaches every
        installation its user belongs to), so do not add it to "scope" a key.
      - Required when O(state=present).
    type: list
    elements: raw
  recreate:
    description:
      - What to do when a key with this name exists but its capabilities differ (Terrateam cannot
        change the capabilities of a key).
      - V(never) fails, V(on_change) creates a new key and then revokes the old one, V(always)
        replaces the key on every run.
    type: str
    choices: [never, on_change, always]
    default: never
notes:
  - C(changed) is true only when a key was created or revoked.
seealso:
  - module: terrateam.api.api_token_info
"""

EXAMPLES = r"""
- name: Make sure the CI key exists, and keep its secret when it is created
  terrateam.api.api_token:
    name: ci-deployer
    capabilities:
      - kv_store_read
      - kv_store_write
  register: ci_key
  no_log: true

- name: Rotate the CI key on every run
  terrateam.api.api_token:
    name: ci-deployer
    capabilities: [kv_store_read]
    recreate: always
  register: rotated
  no_log: true

- name: Revoke it
  terrateam.api.api_token:
    name: ci-deployer
    state: absent
"""

RETURN = r"""
api_token:
  description: The key as the server lists it (never its secret). Null after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the key (null for a key that check mode predicts).
      type: str
      sample: 2f1c1c7a-9d1e-4a55-9f86-5d2b0c3f1a10
    name:
      description: Name of the key.
      type: str
      sample: ci-deployer
    capabilities:
      description: Capabilities stored by the server, including the C(vcs) entry it adds.
      type: list
      elements: raw
      sample: [{"name": "vcs", "vcs": "github"}, "kv_store_read"]
refresh_token:
  description:
    - The secret of a newly created key. Returned only by the task that creates it (null in
      check mode); it cannot be read back later.
    - The whole result is then hidden in Ansible's output, as with C(no_log).
  returned: when a key was created
  type: str
revoked:
  description: Ids of the keys this task revoked.
  returned: always
  type: list
  elements: str
  sample: []
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("api_token")


if __name__ == "__main__":
    main()
