#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: task_info
short_description: Get a Terrateam background task
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Returns one background task (for example a repository refresh), optionally after waiting
    for it to finish.
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
  - terrateam.api.attributes.info_module
options:
  id:
    description: Id of the task.
    type: str
    required: true
  wait:
    description: Wait until the task is completed; fail if it fails or O(wait_timeout) passes.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait=true).
    type: float
    default: 900
"""

EXAMPLES = r"""
- name: Wait for a task
  terrateam.api.task_info:
    id: "{{ task_id }}"
    wait: true
"""

RETURN = r"""
task:
  description: The task.
  returned: always
  type: dict
  sample: {"id": "5d0…", "name": "REPO_REFRESH", "state": "completed"}
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("task_info")


if __name__ == "__main__":
    main()
