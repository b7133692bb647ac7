# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of terrateam.api.kv: read-before-write, CAS on update, redacted diff."""

from __future__ import annotations

from ansible_collections.terrateam.api.plugins.plugin_utils import _capabilities as caps
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_action import (
    TerrateamAction,
    TerrateamActionFailed,
)
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import (
    as_dict,
    fingerprint,
    import_core,
    json_equal,
    to_native,
)


class ActionModule(TerrateamAction):
    """Write or delete one KV row; ``changed`` only when the stored row differed."""

    MODULE = "kv"

    def execute(self, client):
        p = self.params
        self.scope = self.installation_kwargs()
        if p["state"] == "absent":
            return self._absent(client)
        idx = 0 if p["idx"] is None else p["idx"]
        want = {
            "value": to_native(p["value"]),
            "committed": p["committed"],
            "read_caps": caps.normalize_all(p["read_caps"]),
            "write_caps": caps.normalize_all(p["write_caps"]),
        }
        if not p["read_before_write"]:
            if not self.check_mode:
                rec = client.kv.set(p["key"], want["value"], idx=idx, committed=want["committed"],
                                    read_caps=want["read_caps"], write_caps=want["write_caps"],
                                    **self.scope)  # fmt: skip
                return {"changed": True, "record": _meta(rec, p["key"], idx)}
            return {"changed": True, "record": None}
        old = client.kv.get_or_none(p["key"], idx=idx, committed=False, **self.scope)
        if old is not None and _same(old, want):
            return self._done(False, old, old, want)
        if self.check_mode:
            return self._done(True, old, None, want)
        # CAS: insert-only when there was no row, else only over the version we read (or the
        # version the task pins), so a concurrent writer fails the task instead of being lost.
        version = p["version"] if p["version"] is not None else (
            None if old is None else old.version)
        try:
            rec = client.kv.cas(p["key"], want["value"], version=version, idx=idx,
                                committed=want["committed"], read_caps=want["read_caps"],
                                write_caps=want["write_caps"], **self.scope)  # fmt: skip
        except import_core().KVConflictError:
            now = client.kv.get_or_none(p["key"], idx=idx, committed=False, **self.scope)
            current = None if now is None else now.version
            hint = ""  # the server's 400 does not say why; guess the likely cause from a re-read
            if current is None:
                hint = " (or its read caps hide it from these credentials)"
            elif current == version:
                hint = " (its write caps exclude these credentials)"
            raise TerrateamActionFailed(
                "compare-and-swap conflict on key %s idx %d: expected version %s, the row now has "
                "version %s%s" % (p["key"], idx, "none (new row)" if version is None else version,
                                  "none (missing)" if current is None else current, hint),
                current_version=current,
            ) from None
        return self._done(True, old, rec, want)

    def _absent(self, client):
        p = self.params
        idx, version = p["idx"], p["version"]
        if idx is None:
            rows = [r for r in client.kv.iter(p["key"], prefix=True, committed=False, **self.scope)
                    if r.key == p["key"]]  # fmt: skip
        else:
            row = client.kv.get_or_none(p["key"], idx=idx, committed=False, **self.scope)
            rows = [] if row is None else [row]
        if version is not None:
            rows = [r for r in rows if r.version == version]
        if not rows:
            changed = False
        elif self.check_mode:
            changed = True
        else:
            changed = bool(client.kv.delete(p["key"], idx=idx, version=version, **self.scope))
        out = {"changed": changed, "deleted": changed, "record": None}
        if self.diff_mode:
            out["diff"] = {"before": [self._shown(r.data, r) for r in rows] if changed else [],
                           "after": []}  # fmt: skip
        return out

    def _done(self, changed, old, new, want):
        p = self.params
        idx = 0 if p["idx"] is None else p["idx"]
        out = {"changed": changed, "record": _meta(new, p["key"], idx) if new else None}
        if out["record"] is None and changed:
            # Check mode: the predicted row (its version is not known before the write).
            out["record"] = {"key": p["key"], "idx": idx, "version": None,
                             "committed": want["committed"]}  # fmt: skip
        if self.diff_mode:
            after = dict(out["record"], value=self._value(want["value"]),
                         read_caps=want["read_caps"], write_caps=want["write_caps"])  # fmt: skip
            out["diff"] = {"before": self._shown(old.data, old) if old else {}, "after": after}
        return out

    def _shown(self, value, rec):
        shown = _meta(rec, rec.key, rec.idx)
        shown.update(value=self._value(value), read_caps=as_dict(rec.read_caps),
                     write_caps=as_dict(rec.write_caps))  # fmt: skip
        return shown

    def _value(self, value):
        return value if self.params["show_values"] else fingerprint(value)


def _same(old, want):
    """Whether the stored row already is what the task asks for."""
    if not json_equal(to_native(as_dict(old.data)), want["value"]):
        return False
    if bool(old.committed) != bool(want["committed"]):
        return False
    for field in ("read_caps", "write_caps"):
        stored = getattr(old, field)
        if (stored is None) != (want[field] is None):
            return False
        if stored is not None and caps.as_set(stored) != caps.as_set(want[field]):
            return False
    return True


def _meta(rec, key, idx):
    return {"key": key, "idx": idx, "version": rec.version, "committed": rec.committed}
