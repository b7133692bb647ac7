"""Batch reads for CI loops: ``kv get K1 K2 …`` and ``kv export --prefix P`` (emulator)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from cli.conftest import CliResult
from terrateam_core import TerrateamClient
from terrateam_core.cli.kv_export import ExportError, ExportFormat, env_name, render

TRICKY = 'it\'s $HOME `id` "q" \\ ünï ✓\nsecond line\ttab'
APP: dict[str, Any] = {
    "app/db-host": "db.example.com",
    "app/note": TRICKY,
    "app/cfg": {"a": [1, 2], "b": None},
    "app/port": 5432,
    "app/flag": True,
    "app/empty": "",
}


@pytest.fixture
def seeded(live: Any) -> Any:
    with TerrateamClient(
        live.api_key, base_url=live.url, installation_id=live.installation_id
    ) as client:
        for key, value in APP.items():
            client.kv.set(key, value)
        client.kv.set("app/db-host", "slot one", idx=1)  # only slot 0 is exported
        client.kv.set("app/draft", "not yet", committed=False)
        client.kv.set("other/x", 1)
    return live


def _counted(dev_api: Callable[..., Any], run: Callable[[], CliResult]) -> tuple[CliResult, Any]:
    dev_api("POST", "/_emulator/stats/reset")
    result = run()
    return result, dev_api("GET", "/_emulator/stats")


def test_get_several_keys_prints_an_object_in_order_with_one_token(
    seeded: Any, cli: Callable[..., CliResult], dev_api: Callable[..., Any]
) -> None:
    keys = ["app/port", "app/db-host", "app/cfg", "app/port"]
    result, stats = _counted(dev_api, lambda: cli("kv", "get", *keys))
    assert result.exit_code == 0, result.stderr
    assert list(json.loads(result.stdout).items()) == [
        ("app/port", 5432),
        ("app/db-host", "db.example.com"),
        ("app/cfg", {"a": [1, 2], "b": None}),
    ]
    assert stats["refreshes"] == 1  # one token for every key
    assert stats["total"] == 4  # the refresh + one GET per distinct key


def test_get_several_keys_as_records(seeded: Any, cli: Callable[..., CliResult]) -> None:
    result = cli("kv", "get", "-o", "record", "app/port", "app/flag")
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert [(r["key"], r["data"]) for r in records] == [("app/port", 5432), ("app/flag", True)]


def test_get_one_key_is_unchanged(seeded: Any, cli: Callable[..., CliResult]) -> None:
    result = cli("kv", "get", "app/cfg")
    assert (result.exit_code, json.loads(result.stdout)) == (0, {"a": [1, 2], "b": None})


def test_get_several_with_a_missing_key_prints_nothing_and_exits_3(
    seeded: Any, cli: Callable[..., CliResult]
) -> None:
    result = cli("kv", "get", "app/port", "app/nope", "app/flag")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "app/nope" in result.stderr or "app%2Fnope" in result.stderr


def test_export_env_is_shell_safe(
    seeded: Any, cli_proc: Callable[..., CliResult], cli_env: dict[str, str]
) -> None:
    """`eval "$(terrateam kv export …)"` in a real shell gives back every value exactly."""
    result = cli_proc("kv", "export", "--prefix", "app/", "--format", "env")
    assert result.exit_code == 0, result.stderr
    names = ["CFG", "DB_HOST", "EMPTY", "FLAG", "NOTE", "PORT"]
    assert [line.split("=", 1)[0] for line in result.stdout.splitlines() if "=" in line] == [
        f"export {name}" for name in names
    ]
    script = 'eval "$EXPORTED"; for n in ' + " ".join(names) + '; do printf "%s\\0" "${!n}"; done'
    env = dict(os.environ, EXPORTED=result.stdout, HOME="/nowhere")
    out = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, check=True, timeout=30
    ).stdout.decode()
    assert out.split("\0")[:-1] == [
        '{"a":[1,2],"b":null}',
        "db.example.com",
        "",
        "true",
        TRICKY,
        "5432",
    ]


def test_export_dotenv_parses_back(seeded: Any, cli: Callable[..., CliResult]) -> None:
    result = cli("kv", "export", "--prefix", "app/", "--format", "dotenv")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "DB_HOST='db.example.com'" in lines
    assert "PORT='5432'" in lines
    [note] = [line for line in lines if line.startswith("NOTE=")]
    # Double quotes (the value has a quote and a line break) with backslash escapes.
    assert note.startswith('NOTE="')
    assert note.endswith('"')
    body = note[len('NOTE="') : -1]
    assert json.loads('"' + body.replace("\t", "\\t") + '"') == TRICKY


def test_export_json_keeps_keys_and_json_values(seeded: Any, cli: Callable[..., CliResult]) -> None:
    result = cli("kv", "export", "--prefix", "app/", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == APP  # no idx 1 slot, no draft, nothing outside app/


def test_export_draft_includes_uncommitted(seeded: Any, cli: Callable[..., CliResult]) -> None:
    result = cli("kv", "export", "--prefix", "app/", "-o", "json", "--draft")
    assert json.loads(result.stdout)["app/draft"] == "not yet"


def test_export_empty_prefix_prints_nothing(seeded: Any, cli: Callable[..., CliResult]) -> None:
    assert cli("kv", "export", "--prefix", "none/").stdout == ""
    assert json.loads(cli("kv", "export", "--prefix", "none/", "-o", "json").stdout) == {}


def test_export_name_collision_is_a_one_line_error(
    seeded: Any, cli: Callable[..., CliResult]
) -> None:
    with TerrateamClient(
        seeded.api_key, base_url=seeded.url, installation_id=seeded.installation_id
    ) as client:
        client.kv.set("app/db_host", "clash")
    result = cli("kv", "export", "--prefix", "app/")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "DB_HOST" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_needs_a_prefix(cli: Callable[..., CliResult], live: Any) -> None:
    result = cli("kv", "export")
    assert result.exit_code == 1
    assert "--prefix" in result.stderr


@pytest.mark.parametrize(
    ("key", "name"),
    [("p/db-host", "DB_HOST"), ("p/a.b/c", "A_B_C"), ("p/Ünï", "_N_"), ("p/_x", "_X")],
)
def test_env_names(key: str, name: str) -> None:
    assert env_name(key, "p/") == name


@pytest.mark.parametrize("key", ["p/", "p/1st"])
def test_keys_without_a_valid_name_are_errors(key: str) -> None:
    with pytest.raises(ExportError, match="no valid variable name"):
        env_name(key, "p/")


def test_a_nul_in_a_value_is_an_error_for_shell_formats() -> None:
    with pytest.raises(ExportError, match="NUL"):
        render([("p/a", "x\x00y")], "p/", ExportFormat.env)
    assert json.loads(render([("p/a", "x\x00y")], "p/", ExportFormat.json)) == {"p/a": "x\x00y"}
