# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.api_token_info."""

from __future__ import annotations

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import TerrateamAction
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import as_dict


class ActionModule(TerrateamAction):
    """List the caller's API keys (ids, names, capabilities; never secrets)."""

    MODULE = "api_token_info"

    def execute(self, client):
        vcs = {"vcs": self.params["vcs"]} if self.params.get("vcs") else {}
        keys = client.access_tokens.list(**vcs)
        name = self.params.get("name")
        shown = [
            {"id": k.id, "name": k.name, "capabilities": as_dict(list(k.capabilities))}
            for k in keys
            if name is None or k.name == name
        ]
        return {"changed": False, "api_tokens": shown}
