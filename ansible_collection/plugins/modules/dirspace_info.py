#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: dirspace_info
short_description: Query Terrateam dirspaces (directory and workspace runs)
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Lists dirspaces of O(installation_id) matching the query O(q), newest first.
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
  - terrateam.api.attributes.info_module
options:
  q:
    description: Query in Terrateam's tag language, for example V(dir:network state:failure).
    type: str
  tz:
    description: Time zone used for dates in O(q).
    type: str
  limit:
    description: The most dirspaces to return.
    type: int
    default: 20
"""

EXAMPLES = r"""
- name: Failed runs of the network directory
  terrateam.api.dirspace_info:
    q: "dir:network state:failure"
  register: failures
"""

RETURN = r"""
dirspaces:
  description: The dirspaces.
  returned: always
  type: list
  elements: dict
  sample: [{"dir": "network", "workspace": "default", "state": "success"}]
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("dirspace_info")


if __name__ == "__main__":
    main()
