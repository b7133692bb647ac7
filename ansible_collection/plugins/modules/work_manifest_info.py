#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: work_manifest_info
short_description: Query Terrateam work manifests (runs)
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Lists work manifests matching the query O(q), newest first, or gets one by O(id).
  - Optionally returns each manifest's step outputs, and waits for a manifest to complete.
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
  - terrateam.api.attributes.info_module
options:
  id:
    description: Id of one work manifest.
    type: str
  q:
    description: Query in Terrateam's tag language, for example V(repo:infra state:completed).
    type: str
  tz:
    description: Time zone used for dates in O(q).
    type: str
  limit:
    description: The most work manifests to return.
    type: int
    default: 20
  outputs:
    description: Also return the step outputs of each manifest in its C(outputs) field.
    type: bool
    default: false
  wait_for:
    description: With O(id), wait until the manifest is V(completed) (or aborted) before returning.
    type: str
    choices: [completed]
  wait_timeout:
    description: Seconds to wait with O(wait_for).
    type: float
    default: 1800
"""

EXAMPLES = r"""
- name: Recent applies of one repository
  terrateam.api.work_manifest_info:
    q: "repo:infra type:apply"
    limit: 5
  register: applies

- name: Wait for a run to finish
  terrateam.api.work_manifest_info:
    id: "{{ run_id }}"
    wait_for: completed
    wait_timeout: 600
"""

RETURN = r"""
work_manifests:
  description: The work manifests (with C(outputs) when O(outputs=true)).
  returned: always
  type: list
  elements: dict
  sample: [{"id": "7c0d…", "run_type": "plan", "state": "completed", "repo": "infra"}]
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("work_manifest_info")


if __name__ == "__main__":
    main()
