# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
#
# FOR INTERNAL COLLECTION USE ONLY: this file may change in any release.

"""Capability values as the server stores them, and comparisons between lists of them."""

from __future__ import annotations

import json

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import (
    TerrateamValueError,
    to_plain,
)

_NAMED = {"installation_id": "id", "vcs": "vcs"}


def normalize(cap):
    """Return the server's JSON form of one capability.

    Accepts ``"kv_store_read"``, the short forms ``"installation_id=12345"`` and ``"vcs=github"``,
    a dict such as ``{"name": "installation_id", "id": 12345}`` or a terrateam_core model.
    """
    cap = to_plain(cap)
    if isinstance(cap, str):
        name, sep, arg = cap.strip().partition("=")
        if not sep:
            return name
        if name not in _NAMED or not arg:
            raise TerrateamValueError("unknown capability %r" % cap)
        return {"name": name, _NAMED[name]: arg}
    if isinstance(cap, dict) and cap.get("name") in _NAMED:
        field = _NAMED[cap["name"]]
        if field not in cap:
            raise TerrateamValueError("capability %r needs %r" % (cap, field))
        return {"name": cap["name"], field: str(cap[field])}
    raise TerrateamValueError("unknown capability %r" % (cap,))


def key(cap):
    """A hashable, order-independent key of a normalised capability."""
    return json.dumps(cap, sort_keys=True)


def normalize_all(caps):
    """Normalise a list of capabilities (``None`` stays ``None``)."""
    if caps is None:
        return None
    return [normalize(c) for c in caps]


def as_set(caps):
    """The set of keys of a list of capabilities."""
    return {key(normalize(c)) for c in caps or ()}


def differs(stored, wanted):
    """Whether a key's stored capabilities differ from the wanted ones.

    The server prepends ``{"name": "vcs", "vcs": <route vcs>}`` to every key it creates, so
    ``vcs`` entries are ignored unless one was asked for.
    """
    return _comparable(stored, wanted) != as_set(wanted)


def dropped(stored, wanted):
    """The wanted capabilities the server did not store (it drops those the caller lacks)."""
    have = _comparable(stored, wanted)
    return sorted(k for k in as_set(wanted) if k not in have)


def _comparable(stored, wanted):
    have = as_set(stored)
    if not any(k.startswith('{"name": "vcs"') for k in as_set(wanted)):
        have = {k for k in have if not k.startswith('{"name": "vcs"')}
    return have
