#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: pull_request_info
short_description: List the pull requests Terrateam knows for an installation
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Lists pull requests of O(installation_id), newest number first, or only pull request O(pr).
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
  - terrateam.api.attributes.info_module
options:
  pr:
    description: Only this pull request number.
    type: int
  limit:
    description: The most pull requests to return (default all).
    type: int
"""

EXAMPLES = r"""
- name: Show pull request 42
  terrateam.api.pull_request_info:
    pr: 42
  register: pr42
"""

RETURN = r"""
pull_requests:
  description: The pull requests.
  returned: always
  type: list
  elements: dict
  sample: [{"pull_number": 42, "state": "open", "branch": "feature", "base_branch": "main"}]
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("pull_request_info")


if __name__ == "__main__":
    main()
