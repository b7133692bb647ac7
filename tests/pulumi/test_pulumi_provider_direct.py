"""Layer 1: provider methods called directly (engine-shaped dicts) against the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.output import Unknown

from pulumi_terrateam import TerrateamProviderError
from pulumi_terrateam.api_token import _ApiTokenProvider
from pulumi_terrateam.kv_artifact import _KvArtifactProvider
from pulumi_terrateam.kv_entry import _KvEntryProvider


def _provider(cls: type, server: Any) -> Any:
    provider = cls()
    config = {
        "terrateam:apiKey": server.api_key,
        "terrateam:baseUrl": server.url,
        "terrateam:installationId": str(server.installation_id),
    }
    provider.configure(ConfigureRequest(Config(config, "tests")))
    return provider


def _checked(provider: Any, news: dict[str, Any]) -> dict[str, Any]:
    result = provider.check({}, news)
    assert result.failures == []
    return result.inputs


def test_kv_entry_check_fills_defaults_and_coerces_floats(emulator: Any) -> None:
    """Check fills installation/vcs/idx/committed and turns wire floats into ints."""
    provider = _provider(_KvEntryProvider, emulator)
    inputs = _checked(provider, {"key": "k", "value": {"n": 7.0}, "idx": 2.0})
    assert inputs["installation_id"] == 12345
    assert inputs["vcs"] == "github"
    assert inputs["idx"] == 2
    assert inputs["committed"] is True
    assert inputs["value"] == {"n": 7}


def test_check_skips_unknowns(emulator: Any) -> None:
    """Preview-time unknowns are not validated."""
    provider = _provider(_ApiTokenProvider, emulator)
    result = provider.check({}, {"name": Unknown(), "capabilities": ["kv_store_read", Unknown()]})
    assert result.failures == []


def test_kv_entry_diff_on_outputs_with_floats(emulator: Any) -> None:
    """Diff compares against old outputs (floats) and reports replace-only keys."""
    provider = _provider(_KvEntryProvider, emulator)
    olds = {
        "key": "k",
        "value": {"n": 7.0},
        "installation_id": 12345.0,
        "vcs": "github",
        "idx": 0.0,
        "committed": True,
        "adopt": False,
        "version": 3.0,
        "__provider": "blob",
    }
    news = _checked(provider, {"key": "k", "value": {"n": 7}, "adopt": True})
    assert provider.diff("id", olds, news).changes is False
    diff = provider.diff("id", olds, {**news, "idx": 1})
    assert (diff.changes, diff.replaces) == (True, ["idx"])
    diff = provider.diff("id", olds, {**news, "value": "x"})
    assert (diff.changes, diff.replaces) == (True, [])


def test_kv_entry_crud_direct(emulator: Any, client: Any) -> None:
    """create → update (state version as float) → read → delete, called directly."""
    provider = _provider(_KvEntryProvider, emulator)
    created = provider.create(_checked(provider, {"key": "direct", "value": [1, 2]}))
    outs = created.outs
    assert outs["version"] == 0
    assert "T" in outs["created_at"]
    assert outs["created_at"].endswith("Z")
    olds = {**outs, "version": float(outs["version"])}
    updated = provider.update(created.id, olds, {**outs, "value": [3]}).outs
    assert updated["version"] == 1
    assert updated["created_at"]
    assert client.kv.get("direct").data == [3]
    read = provider.read(created.id, updated)
    assert read.outs["value"] == [3]
    assert read.inputs["key"] == "direct"
    provider.delete(created.id, updated)
    assert provider.read(created.id, updated).id is None


def test_kv_entry_update_conflict_message(emulator: Any, client: Any) -> None:
    """A CAS conflict names the versions and tells the user to run pulumi refresh."""
    provider = _provider(_KvEntryProvider, emulator)
    outs = provider.create(_checked(provider, {"key": "c", "value": 1})).outs
    client.kv.set("c", 2)
    client.kv.set("c", 3)
    with pytest.raises(TerrateamProviderError) as info:
        provider.update("id", outs, {**outs, "value": 4})
    message = str(info.value)
    assert "changed outside Pulumi" in message
    assert "state has version 0, the server has 2" in message
    assert "`pulumi refresh`" in message


def test_api_token_update_keeps_outputs(emulator: Any) -> None:
    """The explicit update never drops the refresh token or id (SDK default would)."""
    provider = _provider(_ApiTokenProvider, emulator)
    olds = {
        "name": "n",
        "capabilities": ["kv_store_read"],
        "vcs": "github",
        "token_id": "abc",
        "refresh_token": "secret-value",
        "allow_duplicate_name": False,
    }
    outs = provider.update("abc", olds, {**olds, "allow_duplicate_name": True}).outs
    assert outs["refresh_token"] == "secret-value"
    assert outs["token_id"] == "abc"
    assert outs["allow_duplicate_name"] is True


def test_api_token_create_read_delete_direct(emulator: Any, client: Any) -> None:
    """Create finds the new id; read keeps the refresh token; delete is idempotent."""
    provider = _provider(_ApiTokenProvider, emulator)
    created = provider.create(_checked(provider, {"name": "d", "capabilities": ["kv_store_read"]}))
    assert created.id in {k.id for k in client.access_tokens.list()}
    read = provider.read(created.id, created.outs)
    assert read.outs["refresh_token"] == created.outs["refresh_token"]
    assert read.inputs["capabilities"] == ["kv_store_read"]
    provider.delete(created.id, created.outs)
    provider.delete(created.id, created.outs)
    assert provider.read(created.id, created.outs).id is None


def test_kv_artifact_diff_uses_local_sha(emulator: Any, tmp_path: Any) -> None:
    """The artifact diff compares the local file's sha256 with the uploaded one."""
    path = tmp_path / "f.txt"
    path.write_text("one")
    provider = _provider(_KvArtifactProvider, emulator)
    outs = provider.create(_checked(provider, {"key": "f", "source": str(path)})).outs
    news = _checked(provider, {"key": "f", "source": str(path)})
    assert provider.diff("id", outs, news).changes is False
    path.write_text("two")
    diff = provider.diff("id", outs, news)
    assert (diff.changes, diff.replaces) == (True, [])
    new_outs = provider.update("id", outs, news).outs
    assert new_outs["sha256"] != outs["sha256"]
    provider.delete("id", new_outs)
    assert provider.read("id", new_outs).id is None


def test_env_fallback_when_not_configured(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without configure(), the environment is read at call time."""
    provider = _KvEntryProvider()
    monkeypatch.setenv("TERRATEAM_API_KEY", emulator.api_key)
    monkeypatch.setenv("TERRATEAM_BASE_URL", emulator.url)
    monkeypatch.setenv("TERRATEAM_INSTALLATION_ID", "12345")
    outs = provider.create(_checked(provider, {"key": "env", "value": 1})).outs
    assert outs["installation_id"] == 12345


def test_environment_is_read_at_call_time(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """No credential → a clear error; setting the env afterwards works without a restart."""
    provider = _KvEntryProvider()
    for name in ("TERRATEAM_API_KEY", "TERRATEAM_ACCESS_TOKEN", "TTM_API_KEY", "TERRATEAM_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERRATEAM_CONFIG_FILE", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("TERRATEAM_BASE_URL", emulator.url)
    inputs = _checked(provider, {"key": "late", "value": 1, "installation_id": 12345})
    with pytest.raises(TerrateamProviderError) as info:
        provider.create(inputs)
    assert "terrateam:apiKey" in str(info.value)
    assert "TERRATEAM_API_KEY" in str(info.value)
    monkeypatch.setenv("TERRATEAM_API_KEY", emulator.api_key)
    assert provider.create(inputs).outs["version"] == 0


def test_clients_are_shared_per_settings_not_stored_on_provider(emulator: Any) -> None:
    """Two providers with the same settings share one client; none is kept on the provider."""
    from pulumi_terrateam._clients import client_for

    first = _provider(_KvEntryProvider, emulator)
    second = _provider(_ApiTokenProvider, emulator)
    assert client_for(first.config) is client_for(second.config)
    assert vars(first) == {}
    assert vars(second) == {}


def test_configure_rejects_non_integer_installation() -> None:
    """A bad terrateam:installationId fails with a message naming the key."""
    provider = _KvEntryProvider()
    with pytest.raises(TerrateamProviderError, match="terrateam:installationId"):
        provider.configure(ConfigureRequest(Config({"terrateam:installationId": "abc"}, "t")))


def test_connection_diff_is_an_update_and_check_validates_it(emulator: Any) -> None:
    """A new connection changes nothing server-side: an update, never a replacement; a bad
    connection is a Check failure; an unknown one (preview) is not validated."""
    provider = _provider(_KvEntryProvider, emulator)
    conn = {"base_url": emulator.url, "api_key": "k1", "installation_id": 678.0, "vcs": "gitlab"}
    inputs = _checked(provider, {"key": "k", "value": 1, "connection": conn})
    assert (inputs["installation_id"], inputs["vcs"]) == (678, "gitlab"), "defaults from it"
    olds = {**inputs, "version": 0}
    diff = provider.diff("id", olds, {**inputs, "connection": {**conn, "api_key": "k2"}})
    assert diff.changes is True
    assert diff.replaces == []
    assert provider.diff("id", olds, inputs).changes is False
    bad = provider.check({}, {"key": "k", "value": 1, "connection": {"installation_id": "x"}})
    assert [f.property for f in bad.failures] == ["connection"]
    assert "installation_id" in bad.failures[0].reason
    preview = provider.check({}, {"key": "k", "value": 1, "connection": {"api_key": Unknown()}})
    assert not [f for f in preview.failures if f.property == "connection"]


def test_unknown_connection_leaves_its_defaults_unknown(emulator: Any) -> None:
    """Preview with a connection not known yet: vcs/installation_id stay unknown (no failure,
    no borrowing of the stack's installation)."""
    provider = _KvEntryProvider()  # no stack installation configured
    result = provider.check({}, {"key": "k", "value": 1, "connection": Unknown()})
    assert result.failures == []
    assert isinstance(result.inputs["installation_id"], Unknown)
    assert isinstance(result.inputs["vcs"], Unknown)
    token = _ApiTokenProvider().check(
        {}, {"name": "n", "capabilities": ["kv_store_read"], "connection": Unknown()}
    )
    assert token.failures == []
    assert "installation_id" not in token.inputs
