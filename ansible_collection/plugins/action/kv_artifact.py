# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.kv_artifact: push, fetch-and-deliver, delete."""

from __future__ import annotations

from ansible_collections.terrateam.api.plugins.plugin_utils import _artifact_cache as cache
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import (
    TerrateamAction,
    TerrateamActionFailed,
)
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import (
    CONNECTION_OPTIONS,
    as_dict,
    import_core,
    make_client,
)


class ActionModule(TerrateamAction):
    """Upload a controller file, deliver an artifact to the host via copy, or delete it."""

    MODULE = "kv_artifact"
    TRANSFERS_FILES = False  # the copy action it delegates to makes (and removes) its own tmp
    _requires_connection = True

    def needs_client(self):
        return self._state() != "fetched"

    def _state(self):
        p = self.params
        return p["state"] or ("present" if p["src"] else "fetched" if p["dest"] else None)

    def execute(self, client):
        state = self._state()
        if state is None:
            raise TerrateamActionFailed("set src (to upload), dest (to fetch) or state=absent")
        if state == "fetched":
            return self._fetch()
        p, scope = self.params, self.installation_kwargs()
        current = self._info(client, scope)
        if state == "absent":
            changed = current is not None
            if changed and not self.check_mode:
                changed = bool(client.kv.delete_artifact(p["key"], **scope))
            return {"changed": changed, "deleted": changed, "artifact": None}
        if p["dest"] is not None:
            raise TerrateamActionFailed("dest is only used with state=fetched")
        local = cache.sha256_file(p["src"])
        if current is not None and current.get("sha256") == local:
            return {"changed": False, "artifact": current}
        if self.check_mode:
            return {"changed": True, "artifact": current}
        info = client.kv.put_artifact(p["key"], p["src"], content_type=p["content_type"], **scope)
        return {"changed": True, "artifact": as_dict(info)}

    def _info(self, client, scope):
        try:
            return as_dict(client.kv.artifact_info(self.params["key"], **scope))
        except import_core().NotFoundError:
            return None

    def _fetch(self):
        p = self.params
        if p["src"] is not None:
            raise TerrateamActionFailed("src is only used with state=present")
        scope = self.installation_kwargs()
        # Shared by every host of this task (its uuid is the same for all of them); a later task
        # downloads again, so an artifact re-published in the same run is seen.
        name = cache.entry_name(self._task._uuid, p.get("base_url"), p.get("vcs"),
                                p.get("installation_id"), p.get("api_key"), p["key"])  # fmt: skip

        def download(path):
            client = make_client({k: p.get(k) for k in CONNECTION_OPTIONS})
            try:
                return as_dict(client.kv.get_artifact(p["key"], path, **scope))
            finally:
                client.close()

        try:
            path, info, downloaded = cache.fetch_once(cache.run_dir(), name, download)
        except cache.UnsafeCacheError as exc:
            raise TerrateamActionFailed(str(exc)) from None
        # Checked again for every host: the cache is a file other processes could touch.
        if info.get("sha256") and cache.sha256_file(path) != info["sha256"]:
            raise TerrateamActionFailed("the cached artifact no longer matches its sha256")
        result = self._copy(path)
        result.pop("invocation", None)
        result.update(artifact=info, downloaded=downloaded, dest=p["dest"])
        return result

    def _copy(self, path):
        """Deliver ``path`` to the host with ansible.builtin.copy (changed only on difference)."""
        p = self.params
        task = self._task.copy()
        task.args = {"src": path, "dest": p["dest"]}
        for name in ("mode", "owner", "group"):
            if p[name] is not None:
                task.args[name] = p[name]
        task.diff = False  # artifacts may hold secrets and binary data
        copy = self._shared_loader_obj.action_loader.get(
            "ansible.legacy.copy", task=task, connection=self._connection,
            play_context=self._play_context, loader=self._loader, templar=self._templar,
            shared_loader_obj=self._shared_loader_obj,
        )  # fmt: skip
        return dict(copy.run(task_vars=self.task_vars))
