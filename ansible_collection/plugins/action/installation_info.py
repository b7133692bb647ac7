# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.installation_info."""

from __future__ import annotations

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import TerrateamAction
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import as_dict


class ActionModule(TerrateamAction):
    """List installations (never changed)."""

    MODULE = "installation_info"

    def execute(self, client):
        vcs = {"vcs": self.params["vcs"]} if self.params.get("vcs") else {}
        return {"changed": False, "installations": [as_dict(i) for i in client.installations.list(**vcs)]}
