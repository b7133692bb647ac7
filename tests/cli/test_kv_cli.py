"""`terrateam kv …` through Typer's CliRunner against the emulator (ttm-cli.md §1.3-§1.10)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from terrateam_core import TerrateamClient

Cli = Callable[..., Any]


@pytest.fixture
def kv(emulator: Any, cli: Cli, cli_env: dict[str, str]) -> Cli:
    """`terrateam kv ARGS` with ttm's leaf options and the key in TTM_API_KEY (as the runner)."""
    cli_env["TTM_API_KEY"] = emulator.api_key
    common = ["--api-base", emulator.url + "/", "--vcs", "github", "-i", "12345"]

    def run(cmd: str, *args: str, input: str | None = None) -> Any:
        return cli("kv", cmd, *common, *args, input=input)

    return run


@pytest.fixture
def client(emulator: Any) -> Iterator[TerrateamClient]:
    """A core client on the same installation, to check what the CLI stored."""
    with TerrateamClient(
        api_key=emulator.api_key, base_url=emulator.url, installation_id=emulator.installation_id
    ) as c:
        yield c


def test_kv_set_get__stdin_value_and_record(kv: Cli) -> None:
    """`set` reads one JSON value from stdin; `get` prints the data, `-o record` the record."""
    out = kv("set", "cfg", input='{"a": [1, 2], "b": "x"}\n')
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout) == {"a": [1, 2], "b": "x"}
    assert json.loads(kv("get", "cfg").stdout) == {"a": [1, 2], "b": "x"}
    record = json.loads(kv("get", "cfg", "-o", "record").stdout)
    assert list(record) == [
        "committed",
        "created_at",
        "data",
        "idx",
        "key",
        "size",
        "version",
        "read_caps",
        "write_caps",
    ]
    assert (record["key"], record["version"], record["committed"]) == ("cfg", 0, True)
    assert record["created_at"].endswith("Z")
    assert record["read_caps"] is None


def test_kv_set__json_and_file_options(kv: Cli, tmp_path: Any) -> None:
    """Beyond ttm, the value can come from --json or --file; set's record echoes the data."""
    assert kv("set", "j", "--json", '"text"').exit_code == 0
    path = tmp_path / "v.json"
    path.write_text("[true, null]")
    rec = json.loads(kv("set", "f", "--file", str(path), "-o", "record").stdout)
    assert rec["data"] == [True, None]
    assert json.loads(kv("get", "j").stdout) == "text"


def test_kv_set__invalid_json_is_usage_error(kv: Cli) -> None:
    """Unparsable stdin prints ttm's `Error parsing data` on stderr and exits 1."""
    out = kv("set", "bad", input="{nope")
    assert out.exit_code == 1
    assert out.stderr.startswith("Error parsing data:")
    assert out.stdout == ""


def test_kv_get__missing_exits_3_with_empty_stdout(kv: Cli) -> None:
    """A missing key prints nothing on stdout and exits 3 (ttm: 1)."""
    out = kv("get", "absent")
    assert out.exit_code == 3
    assert out.stdout == ""


def test_kv_cas__insert_only_then_version(kv: Cli) -> None:
    """cas without --version inserts once (exit 4 after); with --version it updates."""
    assert kv("cas", "lock", input="1").exit_code == 0
    conflict = kv("cas", "lock", input="2")
    assert conflict.exit_code == 4
    assert conflict.stdout == ""
    assert kv("cas", "lock", "--version", "0", input="3").exit_code == 0
    assert kv("cas", "lock", "--version", "0", input="4").exit_code == 4
    assert json.loads(kv("get", "lock", "-o", "record").stdout)["version"] == 1


def test_kv_iter__ttm_default_limit_prefix_exclusive(kv: Cli, client: TerrateamClient) -> None:
    """iter returns 30 rows by default like the server; --limit, -p and --exclusive work."""
    for i in range(35):
        client.kv.set(f"it.{i:02d}", i)
    client.kv.set("other", "o")
    assert len(json.loads(kv("iter", "it.").stdout)) == 30
    assert json.loads(kv("iter", "it.", "-p", "--limit", "100").stdout) == list(range(35))
    recs = json.loads(kv("iter", "it.33", "--exclusive", "-o", "record").stdout)
    assert [r["key"] for r in recs] == ["it.34", "other"]


def test_kv_iter__idx_stays_on_key(kv: Cli, client: TerrateamClient) -> None:
    """iter with --idx lists only that key's slots from idx on."""
    for i in range(3):
        client.kv.set("steps", {"n": i}, idx=i)
    client.kv.set("steps2", 0)
    assert json.loads(kv("iter", "steps", "--idx", "1").stdout) == [{"n": 1}, {"n": 2}]


def test_kv_ls_count_size__beyond_ttm(kv: Cli, client: TerrateamClient) -> None:
    """ls pages past the server's page; count and size answer 0 instead of the server's errors."""
    for i in range(105):
        client.kv.set(f"ls/{i:03d}", i, idx=i % 2)
    keys = json.loads(kv("ls", "ls/").stdout)
    assert keys == [f"ls/{i:03d}" for i in range(105)]
    assert len(json.loads(kv("ls", "ls/", "-o", "record", "--limit", "40").stdout)) == 40
    assert json.loads(kv("count", "ls/001").stdout) == {"count": 1, "max_idx": 1}
    assert json.loads(kv("count", "nothing").stdout) == {"count": 0, "max_idx": None}
    assert json.loads(kv("size", "ls/005").stdout) == {"size": 1}
    assert json.loads(kv("size", "nothing").stdout) == {"size": 0}


def test_kv_commit__item_syntax(kv: Cli, client: TerrateamClient) -> None:
    """commit takes N:key, :key and key; only rows actually flipped are printed."""
    client.kv.set("a", 1, committed=False)
    client.kv.set("b:c", 1, idx=2, committed=False)
    client.kv.set("d", 1, idx=0, committed=False)
    client.kv.set("d", 1, idx=1, committed=False)
    out = kv("commit", "a", ":b:c", "1:d")
    assert out.exit_code == 0, out.stderr
    flipped = sorted((r["key"], r["idx"]) for r in json.loads(out.stdout))
    assert flipped == [("a", 0), ("b:c", 2), ("d", 1)]
    assert json.loads(kv("commit").stdout) == []


def test_kv_commit__non_numeric_prefix_is_an_error(kv: Cli) -> None:
    """Unlike ttm, `abc:def` is a usage error instead of silently committing `def`."""
    out = kv("commit", "abc:def")
    assert out.exit_code == 1
    assert "slot number" in out.stderr


def test_kv_delete__all_slots_and_nothing_deleted(kv: Cli, client: TerrateamClient) -> None:
    """delete without --idx removes every slot; deleting nothing exits 3."""
    client.kv.set("del", 1, idx=0)
    client.kv.set("del", 2, idx=5)
    assert kv("delete", "del", "-o", "record").exit_code == 0
    assert client.kv.count("del").count == 0
    assert kv("delete", "del").exit_code == 3


def test_kv_set__caps_hide_row(kv: Cli) -> None:
    """--read-cap with a capability the key lacks hides the row (get exits 3)."""
    out = kv("set", "secret", "--read-cap", "kv_store_system_read", "-o", "record", input="1")
    assert json.loads(out.stdout)["read_caps"] == ["kv_store_system_read"]
    assert kv("get", "secret").exit_code == 3
    obj = '{"name":"vcs","vcs":"github"}'
    assert kv("set", "vcs-only", "--read-cap", obj, input="2").exit_code == 0
    assert json.loads(kv("get", "vcs-only").stdout) == 2


def test_kv_get__select_without_equals_is_usage_error(kv: Cli) -> None:
    """A --select item without NAME=PATH is rejected before any request."""
    assert kv("get", "x", "-s", "nopath").exit_code == 1


def test_kv__verbose_logs_on_stderr_without_key(kv: Cli, emulator: Any) -> None:
    """-vvv (as the runner passes) logs on stderr, never on stdout, and never the key."""
    out = kv("set", "-vvv", "v", input="1")
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout) == 1
    assert emulator.api_key not in out.stderr + out.stdout
