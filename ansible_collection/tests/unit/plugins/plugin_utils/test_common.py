# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

import sys

import pytest

from ansible_collections.terrateam.api.plugins.plugin_utils import _terrateam_common as common


def test_missing_core_names_the_install_command(monkeypatch):
    """Without terrateam_core the failure tells exactly what to install."""
    monkeypatch.setitem(sys.modules, "terrateam_core", None)  # makes the import fail
    with pytest.raises(common.MissingCoreError) as err:
        common.import_core()
    assert "pip install terrateam-toolkit[ansible]" in str(err.value)


def test_json_equal_tells_booleans_from_numbers():
    """JSON true is not 1, but 1 and 1.0 are the same number."""
    assert not common.json_equal(True, 1)
    assert not common.json_equal({"a": [1, False]}, {"a": [1, 0]})
    assert common.json_equal({"a": [1, None]}, {"a": [1.0, None]})
    assert not common.json_equal("1", 1)
    assert not common.json_equal({"a": 1}, {"a": 1, "b": 2})


def test_fingerprint_never_contains_the_value():
    """A redacted diff value shows type, length and hash, never the secret."""
    shown = common.fingerprint({"password": "hunter2-very-secret"})
    assert "hunter2" not in shown
    assert shown.startswith("<redacted dict")
    assert common.fingerprint("a") != common.fingerprint("b")


def test_client_kwargs_leave_unset_options_to_the_core():
    """Empty options are dropped so terrateam_core's env/profile precedence applies."""
    kwargs = common.client_kwargs({"api_key": "", "base_url": " http://127.0.0.1:1 ", "vcs": None,
                                   "installation_id": "12", "timeout": 5, "validate_certs": True,
                                   "ca_path": "/ca.pem"})
    assert "api_key" not in kwargs and "vcs" not in kwargs
    assert kwargs["base_url"] == "http://127.0.0.1:1"
    assert kwargs["installation_id"] == 12 and kwargs["timeout"] == 5.0
    assert kwargs["verify"] == "/ca.pem"
    assert common.client_kwargs({"validate_certs": False, "ca_path": "/ca.pem"})["verify"] is False


def test_to_native_strips_str_subclasses():
    """Tagged strings (str subclasses in ansible-core 2.19) become plain str at the boundary."""
    class Tagged(str):
        pass

    value = common.to_native({Tagged("k"): [Tagged("v"), 1, 2.5, None, True]})
    assert value == {"k": ["v", 1, 2.5, None, True]}
    assert list(value)[0].__class__ is str and value["k"][0].__class__ is str
    with pytest.raises(common.TerrateamValueError):
        common.to_native(object())


def test_describe_error_maps_kinds_without_details():
    """Error messages name the subject and the kind, never credentials."""
    class PermissionDeniedError(Exception):
        status_code = 403

    message = common.describe_error(PermissionDeniedError("Bearer abc"), "key a/b")
    assert message.startswith("permission denied (key a/b)")
    assert "abc" not in message


_OPTS = {"api_key": "k-one", "base_url": "http://127.0.0.1:9", "vcs": "github", "token_cache": False}


@pytest.fixture
def no_shared_clients():
    common.clear_shared_clients()
    yield
    common.clear_shared_clients()


def test_shared_client_is_reused_per_settings(no_shared_clients):
    """Tasks and lookups of one worker process share a client (and its access token)."""
    first = common.shared_client(dict(_OPTS))
    assert common.shared_client(dict(_OPTS)) is first
    other_key = common.shared_client(dict(_OPTS, api_key="k-two"))
    other_url = common.shared_client(dict(_OPTS, base_url="http://127.0.0.1:10"))
    assert len({id(first), id(other_key), id(other_url)}) == 3


def test_shared_clients_map_never_holds_the_key(no_shared_clients):
    """The map is keyed by a digest: the API key is nowhere in its keys."""
    common.shared_client(dict(_OPTS, api_key="super-secret-key"))
    assert "super-secret-key" not in repr(list(common._SHARED))


def test_clients_inherited_through_fork_are_not_reused(no_shared_clients, monkeypatch):
    """A forked worker starts its own client: the parent's connection pool is not shared."""
    first = common.shared_client(dict(_OPTS))
    monkeypatch.setattr(common.os, "getpid", lambda: -1)
    assert common.shared_client(dict(_OPTS)) is not first
