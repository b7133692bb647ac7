# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations


class ModuleDocFragment:
    """Attributes shared by the modules of terrateam.api."""

    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/terrateam.api.terrateam) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - terrateam.api.terrateam
  platform:
    description: Runs on the controller through an action plugin; managed hosts need nothing.
    support: full
    platforms: all
"""

    # Read-only modules: check mode is harmless and there is nothing to diff.
    INFO_MODULE = r"""
attributes:
  check_mode:
    description: Reads only, so it runs the same in check mode.
    support: full
  diff_mode:
    description: Never changes anything, so there is no diff.
    support: N/A
"""
