"""The read functions: plain ``fetch_*`` calls and their Output wrappers under mocks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pulumi.runtime import config as runtime_config

from pulumi_terrateam import (
    get_artifact_info,
    get_dirspaces,
    get_kv_entry,
    get_stacks,
    get_work_manifests,
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
def test_get_functions_return_outputs(program: None, client: Any) -> Any:
    """Each get_* function returns an Output; the KV entry is secret, the others are not."""
    client.kv.set("out/entry", "v")
    client.kv.put_artifact("out/art", b"xyz")
    entry = get_kv_entry("out/entry")
    outputs = [
        get_artifact_info("out/art"),
        get_work_manifests(limit=1),
        get_dirspaces(limit=1),
        get_stacks(STACKS_REPO, STACKS_PR),
        whoami(),
    ]

    def check(values: list[Any]) -> None:
        record, info, manifests, dirspaces, stacks, me = values
        assert record["data"] == "v"
        assert info["size"] == 3
        assert len(manifests) == 1
        assert len(dirspaces) == 1
        assert stacks
        assert me["id"]

    async def run() -> None:
        assert await entry.is_secret(), "KV data may be secret: the Output is secret"
        for output in outputs:
            assert not await output.is_secret()
        check([await o.future() for o in [entry, *outputs]])

    return pulumi.Output.from_input(run())
