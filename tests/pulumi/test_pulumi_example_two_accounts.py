"""examples/pulumi/two_accounts: the program under provider-dispatching mocks, and its
engine-stand-in demo (real provider server) as a subprocess."""

from __future__ import annotations

import base64
import runpy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dill
import pulumi
import pytest
from accounts import SECOND_INSTALLATION, SECOND_VCS, second_account
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.runtime import config as runtime_config
from pulumi.runtime import rpc

pytestmark = pytest.mark.pulumi

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pulumi" / "two_accounts"


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict):
        if rpc.is_rpc_secret(value):
            return _unwrap(rpc.unwrap_rpc_secret(value))
        return {k: _unwrap(v) for k, v in value.items()}
    return value


class _ProviderMocks(pulumi.runtime.Mocks):
    """Each registration runs the unpickled provider's check + create, as the server would."""

    def __init__(self, config: dict[str, str]) -> None:
        self.config = config
        self.created: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = _unwrap(dict(args.inputs))
        provider = dill.loads(base64.b64decode(inputs.pop("__provider")))
        provider.configure(ConfigureRequest(Config(self.config, "terrateam-two-accounts")))
        checked = provider.check({}, inputs)
        assert checked.failures == []
        result = provider.create(checked.inputs)
        self.created[args.name] = result.outs
        return result.id, result.outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


@pytest.fixture
def mocks(emulator: Any) -> Iterator[_ProviderMocks]:
    ops = second_account(emulator)
    config = {
        "terrateam:apiKey": emulator.api_key,
        "terrateam:baseUrl": emulator.url,
        "terrateam:installationId": "12345",
        "terrateam-two-accounts:opsApiKey": ops.refresh_token,
        "terrateam-two-accounts:opsBaseUrl": emulator.url,
        "terrateam-two-accounts:opsVcs": SECOND_VCS,
        "terrateam-two-accounts:opsInstallationId": str(SECOND_INSTALLATION),
    }
    mocks = _ProviderMocks(config)
    pulumi.runtime.set_mocks(mocks, project="terrateam-two-accounts", stack="dev", preview=False)
    runtime_config.set_all_config(config, ["terrateam:apiKey", "terrateam-two-accounts:opsApiKey"])
    sys.path.insert(0, str(EXAMPLE))
    mocks.ops_key = ops.refresh_token  # type: ignore[attr-defined]
    yield mocks
    sys.path.remove(str(EXAMPLE))
    sys.modules.pop("resources", None)
    runtime_config.set_all_config({}, [])


@pulumi.runtime.test
def test_two_account_program(mocks: _ProviderMocks, emulator: Any, client: Any) -> Any:
    """Main-account entries land in installation 12345, ops ones in GitLab 678, each created
    with its own account's key; the ops key never reaches the provider blob."""
    program = runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__pulumi_program__")
    created = program["created"]

    def check(_: Any) -> None:
        from terrateam_core import TerrateamClient

        assert set(mocks.created) == {"main-flag-0", "main-flag-1", "ops-flag-0", "ops-flag-1"}
        assert client.kv.get("release/main/flag-0").data == {"enabled": True, "owner": "main"}
        assert client.kv.get_or_none("release/ops/flag-0") is None
        with TerrateamClient(
            mocks.ops_key,  # type: ignore[attr-defined]
            base_url=emulator.url,
            vcs=SECOND_VCS,
            installation_id=SECOND_INSTALLATION,
        ) as ops:
            assert ops.kv.get("release/ops/flag-1").data == {"enabled": False, "owner": "ops"}
        assert mocks.created["ops-flag-0"]["connection"]["vcs"] == SECOND_VCS

    return pulumi.Output.all(*[r.urn for r in created.values()]).apply(check)


def test_two_account_engine_demo() -> None:
    """The no-CLI demo applies both accounts' resources, re-applies with no change, destroys."""
    result = subprocess.run(
        [sys.executable, str(EXAMPLE / "engine_demo.py")],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("  + ") == 4
    assert "id=gitlab/678/release/ops/flag-0" in out
    assert out.count("    same ") == 4
    assert out.count("  - ") == 4
