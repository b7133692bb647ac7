# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.repo_info."""

from __future__ import annotations

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import TerrateamAction
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import as_dict


class ActionModule(TerrateamAction):
    """List repositories of an installation, following pages (never changed)."""

    MODULE = "repo_info"

    def execute(self, client):
        rows = client.repos.list(**self.page_kwargs(), **self.installation_kwargs())
        return {"changed": False, "repositories": [as_dict(r) for r in rows]}
