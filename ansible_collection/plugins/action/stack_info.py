# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.stack_info."""

from __future__ import annotations

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import TerrateamAction
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import as_dict, import_core


class ActionModule(TerrateamAction):
    """Get the stacks of a pull request; none is an empty list (never changed)."""

    MODULE = "stack_info"

    def execute(self, client):
        p = self.params
        try:
            stacks = client.stacks.get(p["repo_id"], p["pull_number"], **self.installation_kwargs())
        except import_core().NotFoundError:
            stacks = []
        return {"changed": False, "stacks": [as_dict(s) for s in stacks]}
