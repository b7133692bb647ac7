"""The stdlib-only ``kv get`` (``cli._fast_kv``) prints what the full command prints.

Every case runs both ways against the emulator: ``try_kv_get`` in-process, and the full
Typer command (CliRunner). Plain cases must take the fast path and match byte for byte;
unusual ones must decline (return None, print nothing) so the full command answers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cli.conftest import CliResult
from terrateam_core import TerrateamClient
from terrateam_core.cli._fast_kv import try_kv_get

VALUES: dict[str, Any] = {
    "plain": {"hello": "world", "n": 42},
    "unicode": {"name": "ünïcødé ✓ 日本", "quote": 'say "hi"\n\ttab\\'},
    "numbers": [0, -1, 2**70, 1.5, 1e-07, 1e300, -0.0, True, False, None],
    "scalar-null": None,
    "scalar-string": "just text",
    "empty": {},
    "nested": {"a": [{"b": [[], {}, [1, [2, [3]]]]}]},
    "dir/sub key ü": {"path": "key with a slash, a space and a non-ASCII letter"},
    "order": {"z": 1, "a": 2, "m": 3},
}


@pytest.fixture
def seeded(live: Any, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The emulator with VALUES stored, and a token in the test's cache (one full call)."""
    with TerrateamClient(
        live.api_key, base_url=live.url, installation_id=live.installation_id
    ) as client:
        for key, value in VALUES.items():
            client.kv.set(key, value)
        client.kv.set("slots", {"idx": 3}, idx=3)
        client.kv.set("drafty", {"draft": True}, committed=False)
        client.kv.set("capped", [1, 2], read_caps=["kv_store_read"])
    result = cli("kv", "get", "plain")  # exchanges the key and fills the token cache
    assert result.exit_code == 0, result.stderr
    return live


def _fast(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int | None, str, str]:
    capsys.readouterr()
    code = try_kv_get(args)
    out, err = capsys.readouterr()
    return code, out, err


FAST_CASES = [
    *(["kv", "get", key] for key in VALUES),
    ["kv", "get", "slots", "--idx", "3"],
    ["kv", "get", "--idx", "0", "plain"],
    ["kv", "get", "drafty", "-d"],
    ["kv", "get", "--draft", "plain"],
    ["kv", "get", "capped"],
    ["kv", "get", "plain", "-o", "data", "-q", "--loggers", "x"],
    ["--vcs", "github", "kv", "get", "--vcs", "github", "plain"],
    ["--no-trunc", "kv", "get", "unicode"],
]


@pytest.mark.parametrize("args", FAST_CASES, ids=" ".join)
def test_fast_path_prints_what_the_full_command_prints(
    seeded: Any,
    cli: Callable[..., CliResult],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
) -> None:
    full = cli(*args)
    code, out, err = _fast(args, capsys)
    assert code is not None, "the plain case must take the fast path"
    assert (code, out, err) == (full.exit_code, full.stdout, "")
    assert full.exit_code == 0


def test_fast_path_takes_base_url_and_installation_flags(
    seeded: Any,
    cli: Callable[..., CliResult],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TERRATEAM_INSTALLATION_ID")
    monkeypatch.setenv("TERRATEAM_BASE_URL", "https://unused.invalid")
    args = ["--api-base", seeded.url + "/", "kv", "get", "-i", str(seeded.installation_id), "plain"]
    code, out, _ = _fast(args, capsys)
    assert code == 0
    assert out == '{\n  "n": 42,\n  "hello": "world"\n}\n'


FALLBACK_CASES = [
    ["kv", "get", "no/such/key"],  # 404: the full command's message and exit 3
    ["kv", "get", "drafty"],  # uncommitted and not asked for: 404 too
    ["kv", "get", "plain", "-o", "record"],
    ["kv", "get", "plain", "--select", "x=.hello"],
    ["kv", "get", "plain", "--idx=0"],
    ["kv", "get", "plain", "--idx", "-1"],
    ["kv", "get", "plain", "--idx", "40000"],
    ["kv", "get", "plain", "-v"],
    ["--debug", "kv", "get", "plain"],
    ["--no-token-cache", "kv", "get", "plain"],
    ["--profile", "other", "kv", "get", "plain"],
    ["kv", "get", "plain", "unicode"],
    ["kv", "get", "plain", "--help"],
    ["kv", "get", "--", "plain"],
    ["kv", "get", ".."],
    ["kv", "get", "plain", "--vcs", "bitbucket"],
    ["kv", "get", "plain", "-i", "abc"],
    ["kv", "ls", "plain"],
    ["kv", "get"],
]


@pytest.mark.parametrize("args", FALLBACK_CASES, ids=" ".join)
def test_unusual_command_lines_are_left_to_the_full_command(
    seeded: Any, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert _fast(args, capsys) == (None, "", "")


@pytest.mark.parametrize(
    "env",
    [
        {"TERRATEAM_TOKEN_CACHE": "0"},
        {"TERRATEAM_TIMEOUT": "5"},
        {"TERRATEAM_PROFILE": "default"},
        {"HTTPS_PROXY": "http://127.0.0.1:9"},
        {"http_proxy": "http://127.0.0.1:9"},
        {"_TERRATEAM_COMPLETE": "bash_complete"},
        {"TERRATEAM_API_KEY": ""},
        {"TERRATEAM_BASE_URL": "http://example.com"},  # plain http off loopback: a warning
        {"TERRATEAM_BASE_URL": "https://example.com/terrateam"},  # a path
    ],
    ids=lambda env: ",".join(env),
)
def test_unusual_environments_are_left_to_the_full_command(
    seeded: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _fast(["kv", "get", "plain"], capsys) == (None, "", "")


def test_no_cached_token_or_a_config_file_means_the_full_command(
    seeded: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    cache = os.environ["XDG_CACHE_HOME"]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    assert _fast(["kv", "get", "plain"], capsys) == (None, "", "")
    monkeypatch.setenv("XDG_CACHE_HOME", cache)
    assert _fast(["kv", "get", "plain"], capsys)[0] == 0
    config = Path(os.environ["TERRATEAM_CONFIG_FILE"])
    config.write_text('[default]\nvcs = "github"\n')
    assert _fast(["kv", "get", "plain"], capsys) == (None, "", "")
    config.unlink()
    assert _fast(["kv", "get", "plain"], capsys)[0] == 0


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503},
        {"kind": "drop"},
        {"kind": "status", "status": 401},
    ],
    ids=lambda fault: f"{fault['kind']}-{fault.get('status', '')}",
)
def test_a_failed_request_falls_back_to_the_full_command(
    seeded: Any,
    cli: Callable[..., CliResult],
    capsys: pytest.CaptureFixture[str],
    dev_api: Callable[..., Any],
    fault: dict[str, Any],
) -> None:
    """A non-200 answer or a dropped connection: the fast path prints nothing, and the
    full command (retrying, or exchanging the key again) answers."""
    dev_api("POST", "/_emulator/faults", {**fault, "path": "/kv/.*/key/plain$", "count": 1})
    assert _fast(["kv", "get", "plain"], capsys) == (None, "", "")
    result = cli("kv", "get", "plain")
    assert (result.exit_code, result.stdout) == (0, '{\n  "n": 42,\n  "hello": "world"\n}\n')


def test_a_token_the_server_no_longer_takes_falls_back(
    seeded: Any, capsys: pytest.CaptureFixture[str], dev_api: Callable[..., Any]
) -> None:
    """The cache's expiry check uses the local clock; the server's 401 is the final word."""
    dev_api("POST", "/_emulator/clock/advance", {"seconds": 3600})
    assert _fast(["kv", "get", "plain"], capsys) == (None, "", "")


def test_console_script_kv_get_imports_no_typer_httpx_or_pydantic(
    seeded: Any, cli_env: dict[str, str]
) -> None:
    code = (
        "import sys\n"
        "from terrateam_core.cli import main\n"
        "sys.argv = ['terrateam', 'kv', 'get', 'plain']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "heavy = sorted({'typer', 'httpx', 'pydantic', 'rich'} & set(sys.modules))\n"
        "print(code, heavy, file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    env.update(cli_env)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.stdout == '{\n  "n": 42,\n  "hello": "world"\n}\n'
    assert proc.stderr.strip() == "0 []"
