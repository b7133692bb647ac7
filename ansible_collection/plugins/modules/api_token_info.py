#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: api_token_info
short_description: List Terrateam API keys (never their secrets)
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Lists the API keys of the calling user, optionally only those with a given name.
  - Secrets are never returned; the server cannot give them back.
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
  - terrateam.api.attributes.info_module
options:
  name:
    description: Only return keys with this name.
    type: str
seealso:
  - module: terrateam.api.api_token
"""

EXAMPLES = r"""
- name: List my API keys
  terrateam.api.api_token_info:
  register: keys

- name: Show their names
  ansible.builtin.debug:
    msg: "{{ keys.api_tokens | map(attribute='name') }}"
"""

RETURN = r"""
api_tokens:
  description: The keys, ordered by name.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the key.
      type: str
    name:
      description: Name of the key.
      type: str
    capabilities:
      description: Capabilities stored by the server.
      type: list
      elements: raw
  sample: [{"id": "2f1c1c7a-9d1e-4a55-9f86-5d2b0c3f1a10", "name": "ci", "capabilities": ["kv_store_read"]}]
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("api_token_info")


if __name__ == "__main__":
    main()
