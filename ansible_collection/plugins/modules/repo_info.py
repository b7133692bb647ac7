#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: repo_info
short_description: List the repositories of a Terrateam installation
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Lists the repositories of O(installation_id), following pages to the end or up to O(limit).
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
  - terrateam.api.attributes.info_module
options:
  limit:
    description: The most repositories to return (default all).
    type: int
"""

EXAMPLES = r"""
- name: List repositories
  terrateam.api.repo_info:
    installation_id: 12345
  register: repos
"""

RETURN = r"""
repositories:
  description: The repositories, by name.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "1", "installation_id": "12345", "name": "infra", "setup": true}]
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("repo_info")


if __name__ == "__main__":
    main()
