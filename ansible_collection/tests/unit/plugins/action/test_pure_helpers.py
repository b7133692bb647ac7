# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

"""Pure helpers of the action plugins (the playbook tests in tests/ansible cover the rest)."""

from __future__ import annotations

from collections import namedtuple

import pytest

from ansible_collections.terrateam.api.plugins.action.kv import _same
from ansible_collections.terrateam.api.plugins.action.kv_commit import _target
from ansible_collections.terrateam.api.plugins.plugin_utils._terrateam_common import TerrateamValueError

Row = namedtuple("Row", "data committed read_caps write_caps")


def _want(value, committed=True, read_caps=None, write_caps=None):
    return {"value": value, "committed": committed, "read_caps": read_caps, "write_caps": write_caps}


def test_same_compares_value_commit_state_and_caps():
    """A row is 'the same' only when value, commit state and both cap sets match."""
    row = Row({"a": [1, True]}, True, ["kv_store_read"], None)
    assert _same(row, _want({"a": [1.0, True]}, read_caps=["kv_store_read"]))
    assert not _same(row, _want({"a": [1, 1]}, read_caps=["kv_store_read"]))
    assert not _same(row, _want({"a": [1, True]}, committed=False, read_caps=["kv_store_read"]))
    assert not _same(row, _want({"a": [1, True]}))  # caps would be cleared
    assert not _same(row, _want({"a": [1, True]}, read_caps=["kv_store_read"], write_caps=[]))


def test_commit_targets_accept_keys_and_dicts():
    """kv_commit items are a key (every idx) or {key, idx}."""
    assert _target("a/b") == ("a/b", None)
    assert _target({"key": "a", "idx": "2"}) == ("a", 2)
    assert _target({"key": "a"}) == ("a", None)
    with pytest.raises(TerrateamValueError):
        _target({"key": "a", "index": 1})
