# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.kv_commit."""

from __future__ import annotations

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import TerrateamAction
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import (
    TerrateamValueError,
    to_native,
)


class ActionModule(TerrateamAction):
    """Commit uncommitted rows; ``changed`` only when rows flipped."""

    MODULE = "kv_commit"

    def execute(self, client):
        scope = self.installation_kwargs()
        targets = [_target(item) for item in self.params["keys"]]
        if self.check_mode:
            flipped = []
            for key, idx in targets:
                for row in client.kv.iter(key, prefix=True, committed=False, **scope):
                    if row.key == key and not row.committed and idx in (None, row.idx):
                        flipped.append({"key": row.key, "idx": row.idx})
        else:
            refs = client.kv.commit(targets, **scope)
            flipped = [{"key": r.key, "idx": r.idx} for r in refs]
        flipped.sort(key=lambda r: (r["key"], r["idx"] if r["idx"] is not None else -1))
        return {"changed": bool(flipped), "committed": flipped}


def _target(item):
    item = to_native(item)
    if isinstance(item, str):
        return (item, None)
    if isinstance(item, dict) and isinstance(item.get("key"), str) and set(item) <= {"key", "idx"}:
        idx = item.get("idx")
        return (item["key"], None if idx is None else int(idx))
    raise TerrateamValueError("keys items must be a key or a dict {key, idx}, got %r" % (item,))
