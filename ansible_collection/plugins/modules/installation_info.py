#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# (ansible-test requires this header on module files; the rest of the collection is Apache-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: installation_info
short_description: List the Terrateam installations of the caller
version_added: 0.1.0
author: terrateam-toolkit contributors (@terrateamio)
description:
  - Lists the installations (GitHub organisations or GitLab groups) the caller belongs to on O(vcs).
extends_documentation_fragment:
  - terrateam.api.connection
  - terrateam.api.attributes
  - terrateam.api.attributes.info_module
options: {}
"""

EXAMPLES = r"""
- name: List my GitHub installations
  terrateam.api.installation_info:
    vcs: github
  register: installs
"""

RETURN = r"""
installations:
  description: The installations, as the server describes them.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "12345", "name": "acme", "account_status": "active"}]
"""


from ansible_collections.terrateam.api.plugins.module_utils._spec import run_module


def main():
    run_module("installation_info")


if __name__ == "__main__":
    main()
