#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: stack_info
short_description: Get the stacks of a pull request
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Returns the stacks, and their plan and apply states, of one pull request.
  - A pull request without stacks gives an empty list.
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
  - terrateam.api.attributes.info_module
options:
  repo_id:
    description: Id of the repository.
    type: int
    required: true
  pull_number:
    description: Number of the pull request.
    type: int
    required: true
"""

EXAMPLES = r"""
- name: Stacks of PR 42
  terrateam.api.stack_info:
    repo_id: 1
    pull_number: 42
  register: stacks
"""

RETURN = r"""
stacks:
  description: The stacks.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "prod", "state": "apply_ready", "stacks": []}]
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("stack_info")


if __name__ == "__main__":
    main()
