# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.work_manifest_info."""

from __future__ import annotations

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import TerrateamAction
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import as_dict


class ActionModule(TerrateamAction):
    """Query work manifests, with outputs and an optional wait (never changed)."""

    MODULE = "work_manifest_info"

    def execute(self, client):
        p = self.params
        scope = self.installation_kwargs()
        if p["id"] and p["wait_for"]:
            manifests = [client.work_manifests.wait(p["id"], timeout=p["wait_timeout"], **scope)]
        elif p["id"]:
            manifests = [client.work_manifests.get(p["id"], **scope)]
        else:
            manifests = list(client.work_manifests.list(q=p["q"], tz=p["tz"], **self.page_kwargs(), **scope))
        shown = []
        for wm in manifests:
            item = as_dict(wm)
            if p["outputs"]:
                item["outputs"] = [as_dict(o) for o in client.work_manifests.outputs(wm.id, **scope)]
            shown.append(item)
        return {"changed": False, "work_manifests": shown}
