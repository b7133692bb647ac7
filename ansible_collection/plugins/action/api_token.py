# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.api_token: API keys identified by name."""

from __future__ import annotations

from ansible_collections.terrateam.api.plugins.plugin_utils import _capabilities as caps
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import (
    TerrateamAction,
    TerrateamActionFailed,
)
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import as_dict


class ActionModule(TerrateamAction):
    """Create, recreate or revoke API keys by name; the secret is returned only on creation."""

    MODULE = "api_token"

    def execute(self, client):
        p = self.params
        vcs = {"vcs": p["vcs"]} if p.get("vcs") else {}
        name = p["name"]
        existing = [k for k in client.access_tokens.list(**vcs) if k.name == name]
        before = [_show(k) for k in existing]
        if p["state"] == "absent":
            revoked = [k.id for k in existing]
            if not self.check_mode:
                for key_id in revoked:
                    client.access_tokens.delete(key_id, **vcs)
            return self._result(bool(revoked), before, None, None, revoked)

        wanted = caps.normalize_all(p["capabilities"])
        if len(existing) > 1:
            raise TerrateamActionFailed(
                "%d API keys are named %r; revoke the extra ones (state=absent revokes them all)"
                % (len(existing), name),
                api_token=None,
            )
        current = existing[0] if existing else None
        if current is not None and p["recreate"] != "always":
            if not caps.differs(current.capabilities, wanted):
                return self._result(False, before, _show(current), None, [])
            if p["recreate"] == "never":
                raise TerrateamActionFailed(
                    "API key %r exists with other capabilities; Terrateam cannot change them in "
                    "place: set recreate=on_change to replace it" % name,
                    api_token=_show(current),
                )
        revoked = [current.id] if current is not None else []
        if self.check_mode:
            predicted = {"id": None, "name": name, "capabilities": wanted}
            return self._result(True, before, predicted, None, revoked)
        # Create first and check what the server kept: it drops capabilities the caller lacks
        # without an error. On a drop, revoke the new key and keep the old one.
        created = client.access_tokens.create(name, wanted, **vcs)
        new = _find(client.access_tokens.list(**vcs), created.id)
        stored = new.capabilities if new is not None else created.capabilities
        missing = caps.dropped(stored, wanted)
        if missing:
            client.access_tokens.delete(created.id, **vcs)
            raise TerrateamActionFailed(
                "the server dropped requested capabilities %s (the credentials used do not hold "
                "them); the new key was revoked" % ", ".join(missing),
                api_token=_show(current) if current is not None else None,
                dropped_capabilities=missing,
            )
        for key_id in revoked:
            client.access_tokens.delete(key_id, **vcs)
        secret = created.refresh_token.get_secret_value()
        shown = {"id": created.id, "name": name, "capabilities": as_dict(stored)}
        return self._result(True, before, shown, secret, revoked)

    def _result(self, changed, before, after, secret, revoked):
        out = {"changed": changed, "api_token": after, "revoked": revoked}
        if after is not None and changed and self.params["state"] == "present":
            out["refresh_token"] = secret
            if secret is not None:
                # The new key is a credential: Ansible censors this result in its output
                # (any verbosity, callbacks included) as if the task had no_log: true, while
                # `register` still receives it.
                out["_ansible_no_log"] = True
        if self.diff_mode:
            out["diff"] = {
                "before": {"api_tokens": before},
                "after": {"api_tokens": [after] if after is not None else []},
            }
        return out


def _show(key):
    return {"id": key.id, "name": key.name, "capabilities": as_dict(list(key.capabilities))}


def _find(keys, key_id):
    for key in keys:
        if key.id == key_id:
            return key
    return None
