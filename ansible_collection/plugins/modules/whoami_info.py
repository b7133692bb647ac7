#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: whoami_info
short_description: Tell who the Terrateam credentials belong to
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Returns the id of the user the API key belongs to and the version control systems linked to it.
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
  - terrateam.api.attributes.info_module
options: {}
"""

EXAMPLES = r"""
- name: Check the credentials
  terrateam.api.whoami_info:
  register: me
"""

RETURN = r"""
user:
  description: The user.
  returned: always
  type: dict
  contains:
    id:
      description: User id.
      type: str
    vcs:
      description: Linked version control systems.
      type: list
      elements: str
  sample: {"id": "0b6f…", "vcs": ["github", "gitlab"]}
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("whoami_info")


if __name__ == "__main__":
    main()
