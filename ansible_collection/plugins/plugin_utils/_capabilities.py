# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
#
# FOR INTERNAL COLLECTION USE ONLY: this file may change in any release.

"""Capability values as the server stores them, and comparisons between lists of them."""

from __future__ import annotations

import importlib
import json

from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import (
    TerrateamValueError,
    import_core,
    to_plain,
)


def normalize(cap):
    """Return the server's JSON form of one capability, parsed by terrateam_core.

    Accepts ``"kv_store_read"``, the short forms ``"installation_id=12345"`` and ``"vcs=github"``,
    a dict such as ``{"name": "installation_id", "id": 12345}`` or a terrateam_core model. Unknown
    names fail here (the core's ``parse_capability`` is the toolkit's one parser, shared with the
    CLI and the Pulumi provider), never at the server.
    """
    import_core()  # the install hint when terrateam_core is missing
    parse = importlib.import_module("terrateam_core.models").parse_capability
    cap = to_plain(cap)
    if isinstance(cap, dict) and isinstance(cap.get("id"), int) and not isinstance(cap["id"], bool):
        cap = dict(cap, id=str(cap["id"]))  # YAML reads 12345 as an int; the wire form is text
    if not isinstance(cap, (str, dict)):
        raise TerrateamValueError(
            "a capability must be a string or a mapping, got %s" % type(cap).__name__
        )
    try:
        parsed = parse(cap)
    except (TypeError, ValueError) as exc:
        raise TerrateamValueError("capability %r: %s" % (cap, exc)) from None
    return parsed if isinstance(parsed, str) else parsed.model_dump(mode="json")


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
