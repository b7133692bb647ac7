# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on plugin files with docs; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
name: kv
short_description: Read values from the Terrateam KV store
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Returns the stored JSON value of each key given as a term (real JSON types; a stored
    C(null) is returned as C(None), never as the string C("None")).
  - All terms of one call share one token exchange.
  - Like every lookup it runs on the controller, ignores check mode and is evaluated again each
    time a variable that uses it is templated; prefer M(terrateam.api.kv_info) with C(register)
    or C(set_fact) to read once and reuse.
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.connection.plugins
options:
  _terms:
    description: Keys to read (or key prefixes with O(prefix=true)).
    required: true
  idx:
    description: Index of the row to read.
    type: int
    default: 0
  committed:
    description: V(false) also sees uncommitted rows.
    type: bool
    default: true
  prefix:
    description: Return, for each term, a dict of every key starting with it mapped to its value (rows of O(idx) only).
    type: bool
    default: false
  on_missing:
    description:
      - What to do when a key does not exist (or is hidden from the caller by its read caps).
      - V(error) fails, V(warn) warns and leaves the term out, V(skip) leaves it out silently.
      - When O(default) is given, it is returned instead (after a warning with V(warn)).
    type: str
    choices: [error, warn, skip]
    default: error
  on_denied:
    description:
      - What to do when the credentials may not read the installation's KV store (HTTP 403).
      - V(error) fails, V(warn) warns and leaves the term out, V(skip) leaves it out silently.
    type: str
    choices: [error, warn, skip]
    default: error
  default:
    description: Value returned for a missing key instead of applying O(on_missing).
    type: raw
seealso:
  - module: terrateam.api.kv_info
  - module: terrateam.api.kv
"""

EXAMPLES = r"""
- name: Read a config value
  ansible.builtin.debug:
    msg: "{{ lookup('terrateam.api.kv', 'config/deploy', installation_id=12345) }}"

- name: Read several keys with one token exchange, tolerating missing ones
  ansible.builtin.set_fact:
    settings: "{{ query('terrateam.api.kv', 'config/a', 'config/b', on_missing='skip') }}"

- name: Everything under config/ as a dict
  ansible.builtin.set_fact:
    config: "{{ lookup('terrateam.api.kv', 'config/', prefix=true) }}"

- name: A default for a missing key
  ansible.builtin.set_fact:
    replicas: "{{ lookup('terrateam.api.kv', 'config/replicas', default=1) }}"
"""

RETURN = r"""
_raw:
  description:
    - One value per term that was found (missing terms are left out with V(warn) and V(skip)).
    - With O(prefix=true), one dict per term mapping each key to its value.
  type: list
  elements: raw
"""

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import (
    as_dict,
    import_core,
)
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_lookup import TerrateamLookupBase


class LookupModule(TerrateamLookupBase):
    """Read KV values, one token exchange for all terms."""

    def lookup(self, client, terms):
        core = import_core()
        scope = {}
        for name in ("installation_id", "vcs"):
            if self.get_option(name) not in (None, ""):
                scope[name] = self.get_option(name)
        idx, committed = self.get_option("idx"), self.get_option("committed")
        results = []
        for term in terms:
            try:
                if self.get_option("prefix"):
                    rows = client.kv.iter(term, prefix=True, committed=committed, **scope)
                    results.append({r.key: as_dict(r.data) for r in rows if r.idx == idx})
                    continue
                record = client.kv.get_or_none(term, idx=idx, committed=committed, **scope)
            except core.PermissionDeniedError:
                self.handle(self.get_option("on_denied"), "permission denied reading key %s" % term)
                continue
            if record is not None:
                results.append(as_dict(record.data))
                continue
            message = "key %s not found (idx %d)" % (term, idx)
            if "default" in self.given:
                if self.get_option("on_missing") == "warn":
                    self.handle("warn", message)
                results.append(self.get_option("default"))
            else:
                self.handle(self.get_option("on_missing"), message)
        return results
