# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.task_info."""

from __future__ import annotations

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import TerrateamAction
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import as_dict


class ActionModule(TerrateamAction):
    """Get (and optionally wait for) a task (never changed)."""

    MODULE = "task_info"

    def execute(self, client):
        p = self.params
        if p["wait"]:
            task = client.tasks.wait(p["id"], timeout=p["wait_timeout"])
        else:
            task = client.tasks.get(p["id"])
        return {"changed": False, "task": as_dict(task)}
