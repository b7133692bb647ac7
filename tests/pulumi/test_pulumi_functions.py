"""The read functions: ``fetch_*``, typed ``get_*`` and ``get_*_output`` under mocks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pulumi.runtime import config as runtime_config

from pulumi_terrateam import (
    ArtifactInfoResult,
    Connection,
    GetStacksResult,
    KvEntryResult,
    WhoAmIResult,
    get_artifact_info,
    get_artifact_info_output,
    get_dirspaces,
    get_dirspaces_output,
    get_kv_entry,
    get_kv_entry_output,
    get_stacks,
    get_stacks_output,
    get_whoami,
    get_work_manifests,
    get_work_manifests_output,
    whoami,
)
from pulumi_terrateam._provider import ProviderConfig
from pulumi_terrateam.functions import (
    fetch_artifact_info,
    fetch_dirspaces,
    fetch_kv_entry,
    fetch_stacks,
    fetch_whoami,
    fetch_work_manifests,
)

STACKS_REPO, STACKS_PR = 500001, 1  # the demo seed's PR with stacks


@pytest.fixture
def config(emulator: Any) -> ProviderConfig:
    return ProviderConfig(api_key=emulator.api_key, base_url=emulator.url, installation_id=12345)


def test_fetch_kv_entry_and_artifact_info(config: ProviderConfig, client: Any) -> None:
    """KV look-ups return plain dicts, or None when the key is absent."""
    client.kv.set("f/entry", {"a": 1})
    client.kv.put_artifact("f/art", b"artifact bytes")
    assert fetch_kv_entry(config, "f/entry")["data"] == {"a": 1}
    assert fetch_kv_entry(config, "f/missing") is None
    assert fetch_artifact_info(config, "f/art")["size"] == len(b"artifact bytes")
    assert fetch_artifact_info(config, "f/none") is None


def test_fetch_reads(config: ProviderConfig) -> None:
    """Work manifests, dirspaces, stacks and whoami come back JSON-shaped."""
    manifests = fetch_work_manifests(config, limit=3)
    assert len(manifests) == 3
    assert {"id", "state"} <= set(manifests[0])
    assert len(fetch_dirspaces(config, limit=2)) == 2
    stacks = fetch_stacks(config, STACKS_REPO, STACKS_PR)
    assert {s["name"] for s in stacks} >= {"default"}
    assert fetch_whoami(config)["vcs"] == ["github", "gitlab"]


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


@pytest.fixture
def program(emulator: Any) -> Iterator[None]:
    """A mocked Pulumi program whose stack config points at the emulator."""
    pulumi.runtime.set_mocks(_Mocks(), project="demo", stack="dev", preview=False)
    runtime_config.set_all_config(
        {
            "terrateam:apiKey": emulator.api_key,
            "terrateam:baseUrl": emulator.url,
            "terrateam:installationId": "12345",
        },
        ["terrateam:apiKey"],
    )
    yield
    runtime_config.set_all_config({}, [])


@pulumi.runtime.test
def test_get_output_functions_return_typed_outputs(program: None, client: Any) -> Any:
    """Each get_*_output returns an Output of a typed result; only the KV entry is secret."""
    client.kv.set("out/entry", "v")
    client.kv.put_artifact("out/art", b"xyz")
    entry = get_kv_entry_output(pulumi.Output.from_input("out/entry"))
    outputs = [
        get_artifact_info_output("out/art"),
        get_work_manifests_output(limit=1),
        get_dirspaces_output(limit=1),
        get_stacks_output(STACKS_REPO, pulumi.Output.from_input(STACKS_PR)),
        whoami(),
    ]

    def check(values: list[Any]) -> None:
        record, info, manifests, dirspaces, stacks, me = values
        assert isinstance(record, KvEntryResult)
        assert record.data == "v"
        assert record["data"] == "v", "dict-style access of the earlier results still works"
        assert isinstance(info, ArtifactInfoResult)
        assert info.size == 3
        assert len(manifests) == 1
        assert manifests.work_manifests[0].id == manifests[0]["id"]
        assert len(dirspaces) == 1
        assert isinstance(stacks, GetStacksResult)
        assert "default" in {s.name for s in stacks}
        assert isinstance(me, WhoAmIResult)
        assert me.id == me["id"]

    async def run() -> None:
        assert await entry.is_secret(), "KV data may be secret: the Output is secret"
        for output in outputs:
            assert not await output.is_secret()
        check([await o.future() for o in [entry, *outputs]])

    return pulumi.Output.from_input(run())


def test_plain_get_functions_return_typed_results(program: None, client: Any) -> None:
    """get_* reads at once, with the stack's settings, and returns typed frozen results."""
    client.kv.set("plain/entry", {"n": 1})
    client.kv.put_artifact("plain/art", b"abcd")
    record = get_kv_entry("plain/entry")
    assert record is not None
    assert (record.key, record.data, record.version) == ("plain/entry", {"n": 1}, 0)
    assert get_kv_entry("plain/missing") is None
    info = get_artifact_info("plain/art")
    assert info is not None
    assert info.size == 4
    assert info.to_dict()["sha256"] == info.sha256
    assert len(get_work_manifests(limit=2)) == 2
    assert len(get_dirspaces(limit=1).dirspaces) == 1
    assert get_stacks(STACKS_REPO, STACKS_PR).stacks
    assert get_whoami().vcs == ["github", "gitlab"]
    with pytest.raises(AttributeError):
        record.data = "changed"  # type: ignore[misc]


@pulumi.runtime.test
def test_plain_get_refuses_outputs_and_names_the_output_form(program: None) -> Any:
    """An Output argument to get_x fails at once, pointing at get_x_output."""
    key = pulumi.Output.from_input("k")
    with pytest.raises(TypeError, match="get_kv_entry_output"):
        get_kv_entry(key)  # type: ignore[arg-type]
    secret = pulumi.Output.secret("k")
    with pytest.raises(TypeError, match="get_whoami_output"):
        get_whoami(connection=Connection(api_key=secret))
    # Run the Outputs made above to completion (an unawaited one warns at garbage collection).
    return pulumi.Output.all(key, secret)


def second_account(emulator: Any) -> Any:
    """A second user, member of the GitLab installation 678 only, with its own API key."""
    user = emulator.admin.create_user("ops", vcs=["gitlab"], installations=[678])
    return emulator.admin.mint_api_key(
        "ops", ["kv_store_read", "kv_store_write", {"name": "vcs", "vcs": "gitlab"}], user
    )


def test_connection_overrides_the_stack_config(program: None, emulator: Any) -> None:
    """connection= reads with another account: its installation's data, not the stack's."""
    from terrateam_core import TerrateamClient

    ops = second_account(emulator)
    with TerrateamClient(
        ops.refresh_token, base_url=emulator.url, vcs="gitlab", installation_id=678
    ) as tc:
        tc.kv.set("conn/entry", "from-678")
    conn = Connection(base_url=emulator.url, api_key=ops.refresh_token, vcs="gitlab",
                      installation_id=678)  # fmt: skip
    record = get_kv_entry("conn/entry", connection=conn)
    assert record is not None
    assert record.data == "from-678"
    assert get_kv_entry("conn/entry") is None, "the stack's installation has no such key"
    assert get_whoami(connection=conn).id != get_whoami().id
