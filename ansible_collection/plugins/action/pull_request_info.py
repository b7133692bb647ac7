# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.pull_request_info."""

from __future__ import annotations

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import TerrateamAction
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import as_dict


class ActionModule(TerrateamAction):
    """List pull requests of an installation (never changed)."""

    MODULE = "pull_request_info"

    def execute(self, client):
        scope = self.installation_kwargs()
        scope.pop("vcs", None)  # pull requests are listed for GitHub installations only
        rows = client.pull_requests.list(pr=self.params["pr"], **self.page_kwargs(), **scope)
        return {"changed": False, "pull_requests": [as_dict(r) for r in rows]}
