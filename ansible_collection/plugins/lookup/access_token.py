# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on plugin files with docs; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
name: access_token
short_description: A fresh Terrateam access token for ansible.builtin.uri users
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Exchanges the API key for a short-lived (about 60 seconds) access token and returns it.
  - Use it as a C(Bearer) token with M(ansible.builtin.uri) to call endpoints the collection has
    no module for. Register it with C(no_log), and fetch a new one rather than caching it.
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.connection.plugins
options:
  _terms:
    description: Not used.
    required: false
seealso:
  - module: ansible.builtin.uri
"""

EXAMPLES = r"""
- name: Call an endpoint directly
  ansible.builtin.uri:
    url: "{{ terrateam_base_url }}/api/v1/whoami"
    headers:
      Authorization: "Bearer {{ lookup('terrateam.api.access_token') }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description: One access token (a JWT string).
  type: list
  elements: str
"""

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_lookup import TerrateamLookupBase


class LookupModule(TerrateamLookupBase):
    """Return a fresh access token."""

    def lookup(self, client, terms):
        return [client.get_access_token()]
