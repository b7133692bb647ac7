# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.kv_info."""

from __future__ import annotations

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import TerrateamAction
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import as_dict


class ActionModule(TerrateamAction):
    """Read one row or a prefix listing (paged to the end), plus count and size on request."""

    MODULE = "kv_info"

    def execute(self, client):
        p = self.params
        scope = self.installation_kwargs()
        key, committed = p["key"], p["committed"]
        out = {"changed": False}
        if p["prefix"]:
            rows = client.kv.iter(key, prefix=True, committed=committed, limit=p["limit"], **scope)
            records = [as_dict(r) for r in rows if p["idx"] is None or r.idx == p["idx"]]
            out.update(exists=bool(records), records=records)
        else:
            idx = 0 if p["idx"] is None else p["idx"]
            rec = client.kv.get_or_none(key, idx=idx, committed=committed, **scope)
            out.update(exists=rec is not None, record=as_dict(rec),
                       value=None if rec is None else as_dict(rec.data))  # fmt: skip
        if p["count"]:
            counted = client.kv.count(key, committed=committed, **scope)
            out.update(count=counted.count, max_idx=counted.max_idx)
        if p["size"]:
            out["size"] = client.kv.size(key, idx=p["idx"], committed=committed, **scope)
        return out
