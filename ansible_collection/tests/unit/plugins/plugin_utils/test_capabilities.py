# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

import pytest

from ansible_collections.terrateam.api.plugins.plugin_utils import _capabilities as caps
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import TerrateamValueError


def test_normalize_accepts_every_documented_form():
    """Strings, short forms and objects all become the server's JSON form."""
    assert caps.normalize("kv_store_read") == "kv_store_read"
    assert caps.normalize("installation_id=12345") == {"name": "installation_id", "id": "12345"}
    assert caps.normalize({"name": "installation_id", "id": 12345}) == {"name": "installation_id", "id": "12345"}
    assert caps.normalize("vcs=gitlab") == {"name": "vcs", "vcs": "gitlab"}


@pytest.mark.parametrize(
    "bad",
    [
        "colour=blue",
        "installation_id=",
        "installation_id=abc",
        "vcs=bitbucket",
        "kv_read",  # a bare unknown name: the old local parser let it through to the server
        {"name": "vcs"},
        {"name": "kv_store_read"},
        7,
    ],
)
def test_normalize_rejects_unknown_forms(bad):
    """Malformed capabilities fail with a clear error rather than reaching the server."""
    with pytest.raises(TerrateamValueError, match="capabilit"):
        caps.normalize(bad)


def test_normalize_is_the_core_parser():
    """The collection and the core agree on every documented form (one parser, not two)."""
    from terrateam_core.models import parse_capability

    for form in ["kv_store_read", "installation_id=7", "vcs=github", {"name": "vcs", "vcs": "gitlab"}]:
        parsed = parse_capability(form)
        expected = parsed if isinstance(parsed, str) else parsed.model_dump(mode="json")
        assert caps.normalize(form) == expected


def test_differs_ignores_the_vcs_entry_the_server_adds():
    """The server prepends a vcs capability; that alone is not a difference."""
    stored = [{"name": "vcs", "vcs": "github"}, "kv_store_read"]
    assert not caps.differs(stored, ["kv_store_read"])
    assert caps.differs(stored, ["kv_store_read", "kv_store_write"])
    assert caps.differs(stored, [{"name": "vcs", "vcs": "gitlab"}, "kv_store_read"])


def test_dropped_lists_what_the_server_did_not_keep():
    """Capabilities masked away by the server are reported by name."""
    stored = [{"name": "vcs", "vcs": "github"}, "kv_store_read"]
    missing = caps.dropped(stored, ["kv_store_read", "kv_store_system_read", "installation_id=9"])
    assert missing == sorted([caps.key("kv_store_system_read"), caps.key({"name": "installation_id", "id": "9"})])
