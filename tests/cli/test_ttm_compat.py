"""The runner's `ttm` invocations (ttm-cli.md §4.2) run unchanged as `terrateam` invocations.

Each test calls the installed console script as a real subprocess against the emulator on
loopback, with the credential in TTM_API_KEY exactly as the runner sets it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from terrateam_core import TerrateamClient

Run = Callable[..., Any]


def ttm_records(data: bytes) -> list[dict[str, str]]:
    """Chunk records as `ttm kv cp` writes them (§5.3): 102,400 raw bytes each."""
    out = []
    for start in range(0, len(data), 102_400):
        text = base64.b64encode(data[start : start + 102_400]).decode()
        out.append({"chk": "sha256:" + hashlib.sha256(text.encode()).hexdigest(), "data": text})
    return out


@pytest.fixture
def ttm(emulator: Any, cli_proc: Run, cli_env: dict[str, str]) -> Run:
    """Run `terrateam <group> <cmd> -vvv --api-base … --installation-id … --vcs github ARGS`."""
    cli_env["TTM_API_KEY"] = emulator.api_key

    def run(group: str, cmd: str, *args: str, input: str | None = None) -> Any:
        common = ["-vvv", "--api-base", emulator.url, "--installation-id", "12345"]
        result = cli_proc(group, cmd, *common, "--vcs", "github", *args, input=input)
        assert emulator.api_key not in result.stdout + result.stderr
        return result

    return run


@pytest.fixture
def client(emulator: Any) -> Iterator[TerrateamClient]:
    """A core client to look at the raw records."""
    with TerrateamClient(
        api_key=emulator.api_key, base_url=emulator.url, installation_id=emulator.installation_id
    ) as c:
        yield c


def test_runner_flow__mask_upload_steps_commit_download_delete(
    ttm: Run, cli_proc: Run, client: TerrateamClient, tmp_path: Path
) -> None:
    """The A/208 upload step: mask, draft uploads, draft steps, one commit, then read back."""
    wm = "wm.6f1c.scope.ds.infra.default"
    out = tmp_path / "infra%2Fdefault.plan.text.stdout"
    text = b"Plan: token=hunter2 in infra/hunter2-dir\n" * 6000  # ~250 KB, 3 chunks
    out.write_bytes(text)
    (tmp_path / "secrets").write_bytes(b".hunter2\n")
    (tmp_path / "unmask").write_bytes(b".infra/hunter2-dir\n")
    masked = cli_proc(
        "secrets",
        "mask",
        "-s",
        str(tmp_path / "secrets"),
        "--unmask",
        str(tmp_path / "unmask"),
        "--in-place",
        str(out),
    )
    assert masked.exit_code == 0, masked.stderr
    expected = text.replace(b"token=hunter2", b"token=***")
    assert out.read_bytes() == expected

    key = f"{wm}.plan.text.stdout"
    up = ttm("kv", "cp", "-d", str(out), f"kv://{key}")
    assert up.exit_code == 0, up.stderr
    assert up.stdout == ""
    step = ttm("kv", "set", "--idx", "0", "-d", "wm.6f1c.steps", input='{"step": "plan"}')
    assert step.exit_code == 0, step.stderr

    # Drafts are invisible to a plain download (ttm: empty file, exit 0).
    early = tmp_path / "early"
    assert ttm("kv", "cp", f"kv://{key}", str(early)).exit_code == 0
    assert early.read_bytes() == b""

    done = ttm("kv", "commit", key, "wm.6f1c.steps")
    assert done.exit_code == 0, done.stderr
    assert sorted(r["idx"] for r in json.loads(done.stdout) if r["key"] == key) == [0, 1, 2]

    back = tmp_path / "back"
    assert ttm("kv", "cp", f"kv://{key}", str(back)).exit_code == 0
    assert back.read_bytes() == expected
    assert client.kv.get("wm.6f1c.steps").data == {"step": "plan"}

    assert ttm("kv", "delete", key).exit_code == 0
    assert client.kv.count(key, committed=False).count == 0
    assert ttm("kv", "delete", key).exit_code != 0  # nothing deleted fails the step, as ttm


def test_kv_cp_upload__reads_back_as_ttm_records(
    ttm: Run, client: TerrateamClient, tmp_path: Path
) -> None:
    """A `kv cp` upload is §5.3 records at idx 0..n-1 under the key, nothing at idx n."""
    data = os.urandom(102_400 * 3 + 1)
    src = tmp_path / "plan-data.abc123"
    src.write_bytes(data)
    result = ttm("kv", "cp", str(src), "kv://wm.1.scope.ds.d.w.plan-data.abc123")
    assert result.exit_code == 0, result.stderr
    rows = list(client.kv.iter("wm.1.scope.ds.d.w.plan-data.abc123", idx=0))
    assert [r.idx for r in rows] == [0, 1, 2, 3]
    assert [r.data for r in rows] == ttm_records(data)
    assert all(r.committed for r in rows)


def test_kv_cp_download__reads_ttm_records_and_generation_layout(
    ttm: Run, client: TerrateamClient, tmp_path: Path
) -> None:
    """`kv cp kv://KEY FILE` reads records written as ttm writes them, and our atomic layout."""
    data = os.urandom(200_000)
    for idx, record in enumerate(ttm_records(data)):
        client.kv.cas("tfmigrate.history.org%2Frepo.migrations", record, idx=idx)
    dest = tmp_path / "history.json"
    assert ttm("kv", "cp", "kv://tfmigrate.history.org%2Frepo.migrations", str(dest)).exit_code == 0
    assert dest.read_bytes() == data
    client.kv.put_artifact("gen.layout", data, chunk_size=65536)
    assert ttm("kv", "cp", "kv://gen.layout", str(tmp_path / "g")).exit_code == 0
    assert (tmp_path / "g").read_bytes() == data


def test_tfmigrate_flow__missing_history_then_upload_and_commit(
    ttm: Run, client: TerrateamClient, tmp_path: Path
) -> None:
    """A/1311: a missing key downloads as an empty file; upload (committed) + commit no-op."""
    key = "tfmigrate.history.org%2Frepo.dir"
    hist = tmp_path / "history"
    assert ttm("kv", "cp", f"kv://{key}", str(hist)).exit_code == 0
    assert hist.read_bytes() == b""
    hist.write_text('{"version": 1, "records": {}}')
    assert ttm("kv", "cp", str(hist), f"kv://{key}").exit_code == 0
    assert json.loads(ttm("kv", "commit", key).stdout) == []
    assert client.kv.get(key).data == ttm_records(hist.read_bytes())[0]


def test_kv_cp__plan_data_caps_with_equals_syntax(
    ttm: Run, client: TerrateamClient, tmp_path: Path
) -> None:
    """`--read-cap=…`/`--write-cap=…` as the runner writes them land on every chunk."""
    src = tmp_path / "plan"
    src.write_bytes(b"\x00\x01plan" * 30_000)
    result = ttm(
        "kv",
        "cp",
        "-d",
        "--read-cap=kv_store_read",
        "--write-cap=kv_store_write",
        str(src),
        "kv://plan-data.caps",
    )
    assert result.exit_code == 0, result.stderr
    rows = list(client.kv.iter("plan-data.caps", idx=0, committed=False))
    assert len(rows) == 2
    assert all(r.read_caps == ["kv_store_read"] and not r.committed for r in rows)


def test_kv_cp__two_local_paths_is_an_error(ttm: Run, tmp_path: Path) -> None:
    """Exactly one side of cp must be kv://KEY."""
    result = ttm("kv", "cp", str(tmp_path / "a"), str(tmp_path / "b"))
    assert result.exit_code == 1
    assert result.stdout == ""
