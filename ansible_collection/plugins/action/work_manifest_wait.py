# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.work_manifest_wait."""

from __future__ import annotations

from datetime import datetime, timezone

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import (
    TerrateamAction,
    TerrateamActionFailed,
)
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import (
    TerrateamValueError,
    as_dict,
)


def _created_after(value):
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise TerrateamValueError("created_after: %r is not an ISO 8601 time" % value) from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


class ActionModule(TerrateamAction):
    """Wait for the newest run of a repository/PR to finish (never changed)."""

    MODULE = "work_manifest_wait"

    def subject(self):
        return "repo %s" % self.params["repo"]

    def execute(self, client):
        from terrateam_core.gates import run_succeeded

        p = self.params
        scope = self.installation_kwargs()
        wm = client.work_manifests.wait_for(
            repo=p["repo"],
            pr=p["pull_number"],
            kind=p["kind"],
            dir=p["dir"],
            workspace=p["workspace"],
            environment=p["environment"],
            created_after=_created_after(p["created_after"]),
            timeout=p["wait_timeout"],
            poll=p["poll_interval"],
            **scope
        )
        ok = run_succeeded(wm)
        failed = ["%s:%s" % (d.dir, d.workspace) for d in wm.dirspaces if d.success is False]
        if ok:
            reason = "run %s (%s) succeeded" % (wm.id, wm.run_type)
        elif failed:
            reason = "run %s (%s) failed in %s" % (wm.id, wm.run_type, ", ".join(failed))
        else:
            reason = "run %s (%s) %s" % (wm.id, wm.run_type, wm.state)
        result = {"changed": False, "work_manifest": as_dict(wm), "succeeded": ok, "reason": reason}
        if p["outputs"]:
            result["work_manifest"]["outputs"] = [as_dict(o) for o in client.work_manifests.outputs(wm.id, **scope)]
        if p["require_success"] and not ok:
            raise TerrateamActionFailed(reason, **result)
        return result
