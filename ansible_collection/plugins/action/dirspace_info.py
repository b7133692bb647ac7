# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.dirspace_info."""

from __future__ import annotations

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import TerrateamAction
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import as_dict


class ActionModule(TerrateamAction):
    """Query dirspaces (never changed)."""

    MODULE = "dirspace_info"

    def execute(self, client):
        p = self.params
        rows = client.dirspaces.list(q=p["q"], tz=p["tz"], **self.page_kwargs(), **self.installation_kwargs())
        return {"changed": False, "dirspaces": [as_dict(r) for r in rows]}
