"""What a new user meets in the first hour: each bad input gives the right exit code, a
one-line message and a hint that names what to change in the CLI's own terms.

Table-driven: (arguments, environment) → (exit code, text of the first line, text of the
hint). Also: ``config list`` / ``auth status`` show where settings come from, ``configure``
checks the key, ``kv ls`` hides artifact internals, ``api-keys delete`` tells an unknown id.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import CliResult

Run = Callable[..., CliResult]


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    env: dict[str, str]
    code: int
    first: str
    hint: str | None


def _first_and_hint(stderr: str) -> tuple[str, str]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    first = next((line for line in lines if line.startswith(("terrateam:", "Error:"))), "")
    hint = next((line for line in lines if line.startswith("hint:")), "")
    return first, hint


# {url}, {inst} are filled from the live emulator.
CASES = [
    Case(
        "no installation id names the CLI flag, not Python's keyword",
        ("kv", "get", "some/key"),
        {"TERRATEAM_INSTALLATION_ID": ""},
        1,
        "no installation id given",
        "--installation-id",
    ),
    Case(
        "a non-numeric -i under kv",
        ("kv", "get", "-i", "abc", "some/key"),
        {},
        1,
        "installation id must be an integer",
        "--installation-id",
    ),
    Case(
        "a base URL without a scheme",
        ("whoami",),
        {"TERRATEAM_BASE_URL": "{hostport}"},
        1,
        "did you mean 'http://{hostport}'",
        "TERRATEAM_BASE_URL",
    ),
    Case(
        "a base URL ending in /api explains the doubled path",
        ("whoami",),
        {"TERRATEAM_BASE_URL": "{url}/api"},
        1,
        "/api/api/v1/",
        "server root",
    ),
    Case(
        "a refused connection names the host",
        ("whoami",),
        {"TERRATEAM_BASE_URL": "http://127.0.0.1:9"},
        5,
        "to http://127.0.0.1:9",
        "auth status",
    ),
    Case(
        "a malformed work manifest id is a usage error, not a bug",
        ("work-manifests", "get", "not-a-uuid"),
        {},
        1,
        "must be a UUID",
        None,
    ),
    Case(
        "a malformed API key id is a usage error, not a bug",
        ("api-keys", "delete", "not-a-uuid"),
        {},
        1,
        "must be a UUID",
        None,
    ),
    Case(
        "an unknown capability lists the known ones",
        ("api-keys", "create", "x", "--cap", "bogus"),
        {},
        1,
        "unknown capability 'bogus'",
        None,
    ),
    Case(
        "an unknown profile lists the profiles there are",
        ("--profile", "nope", "whoami"),
        {},
        1,
        "profile 'nope' not found",
        "terrateam configure --profile NAME",
    ),
    Case(
        "a bad TERRATEAM_OUTPUT names the variable",
        ("installations", "list"),
        {"TERRATEAM_OUTPUT": "xml"},
        1,
        "TERRATEAM_OUTPUT='xml'",
        "TERRATEAM_OUTPUT",
    ),
    Case(
        "no credential at all",
        ("whoami",),
        {"TERRATEAM_API_KEY": ""},
        1,
        "no Terrateam credential found",
        "terrateam configure",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_table(case: Case, cli: Run, live: Any, cli_env: dict[str, str]) -> None:
    """Each bad input: documented exit code, one clear first line, a hint in CLI terms."""
    hostport = live.url.split("://", 1)[1]
    fill = {"url": live.url, "hostport": hostport, "inst": str(live.installation_id)}
    for name, value in case.env.items():
        cli_env[name] = value.format(**fill)
    result = cli(*case.args)
    assert result.exit_code == case.code, result.stderr
    first, hint = _first_and_hint(result.stderr)
    assert case.first.format(**fill) in first, result.stderr
    assert "this is a bug" not in result.stderr
    assert "Traceback" not in result.stderr
    assert "pass installation_id=" not in result.stderr  # Python keyword syntax
    if case.hint is not None:
        assert case.hint in hint, result.stderr


def test_cas_on_existing_key_says_it_exists(cli: Run, live: Any) -> None:
    """A create-only cas (no --version) on an existing key says so and how to update."""
    assert cli("kv", "set", "fh/k", "--json", "1").exit_code == 0
    result = cli("kv", "cas", "fh/k", "--json", "2")
    assert result.exit_code == 4
    first, hint = _first_and_hint(result.stderr)
    assert "KVKeyExistsError" in first
    assert "--version" in hint
    assert "changed since it was read" not in result.stderr


def test_select_500_gets_a_hint(cli: Run, live: Any) -> None:
    """The server's 500 for any non-empty --select is explained (faithful emulator mode)."""
    assert cli("kv", "set", "fh/sel", "--json", '{"env": "prod"}').exit_code == 0
    result = cli("kv", "get", "fh/sel", "-s", "env=$.env")
    assert result.exit_code == 5
    _, hint = _first_and_hint(result.stderr)
    assert "--select" in hint
    assert "jq" in hint


def test_kv_ls_hides_artifact_internals(cli: Run, live: Any, tmp_path: Path) -> None:
    """An artifact lists as its one key; --all shows the chunk generations too."""
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"x" * 5000)
    pushed = cli("artifact", "push", "fh/art", str(blob))
    assert pushed.exit_code == 0, pushed.stderr
    keys = json.loads(cli("kv", "ls", "fh/").stdout)
    assert keys == ["fh/art"]
    every = json.loads(cli("kv", "ls", "fh/", "--all").stdout)
    assert any("/.gen/" in key for key in every)


def test_api_keys_delete_unknown_id_says_nothing_deleted(cli: Run, live: Any) -> None:
    """Deleting an id that is not there says so (the server's answer is the same)."""
    result = cli("api-keys", "delete", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["deleted"] is False
    created = json.loads(
        cli("api-keys", "create", "fh-temp", "--cap", "kv_store_read", "-o", "json").stdout
    )
    gone = cli("api-keys", "delete", created["id"], "-o", "json")
    assert json.loads(gone.stdout)["deleted"] is True


def test_config_list_shows_sources_and_no_secret(
    cli: Run, live: Any, cli_env: dict[str, str]
) -> None:
    """config list: each setting with its source; the key as kind + fingerprint only."""
    result = cli("--installation-id", "7", "config", "list", "-o", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["base_url"] == {"value": live.url, "source": "TERRATEAM_BASE_URL"}
    assert doc["installation_id"] == {"value": "7", "source": "--installation-id"}
    assert doc["vcs"]["source"] == "default"
    assert doc["credential"]["source"] == "TERRATEAM_API_KEY"
    assert doc["credential"]["value"].startswith("API key (redacted, sha256:")
    assert live.api_key not in result.stdout + result.stderr


def test_auth_status_checks_the_key(cli: Run, live: Any, cli_env: dict[str, str]) -> None:
    """auth status: ok with the user for a good key; exit 2 and the reason for a bad one."""
    good = cli("auth", "status", "-o", "json")
    assert good.exit_code == 0, good.stderr
    status = json.loads(good.stdout)["status"]
    assert status["ok"] is True
    assert status["user"]
    cli_env["TERRATEAM_API_KEY"] = live.api_key[:-4] + "AAAA"
    bad = cli("auth", "status", "-o", "json")
    assert bad.exit_code == 2
    assert json.loads(bad.stdout)["status"]["ok"] is False
    assert cli_env["TERRATEAM_API_KEY"] not in bad.stdout + bad.stderr


def test_configure_checks_key_and_honours_base_url_env(
    cli: Run, live: Any, cli_env: dict[str, str]
) -> None:
    """configure takes TERRATEAM_BASE_URL and refuses (writes nothing for) a rejected key."""
    path = Path(cli_env["TERRATEAM_CONFIG_FILE"])
    bad = cli("configure", "--profile", "x", input=live.api_key[:-4] + "AAAA\n")
    assert bad.exit_code == 2
    assert not path.exists()
    good = cli("configure", "--profile", "x", input=live.api_key + "\n")
    assert good.exit_code == 0, good.stderr
    assert f'base_url = "{live.url}"' in path.read_text()


PER_INSTALLATION = {
    ("kv",),
    ("artifact",),
    ("repos",),
    ("prs",),
    ("work-manifests",),
    ("dirspaces",),
    ("stacks",),
    ("report",),
    ("runs",),
}
NO_OUTPUT = {("kv", "count"), ("kv", "size"), ("kv", "commit"), ("kv", "cp"), ("artifact", "rm")}
NO_OUTPUT |= {("secrets", "mask"), ("report",)}


def _leaf_commands() -> list[tuple[tuple[str, ...], Any]]:
    import typer

    from terrateam_core.cli._app import build_app

    root = typer.main.get_command(build_app())
    found: list[tuple[tuple[str, ...], Any]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, (*path, name))
        else:
            found.append((path, command))

    walk(root, ())
    return found


def test_grammar_every_command_has_i_and_o() -> None:
    """The one grammar: -i/--installation-id on every per-installation command, and
    -o/--output on every command that prints data (docs/cli.md "Grammar")."""
    missing: list[str] = []
    for path, command in _leaf_commands():
        opts = {opt for param in command.params for opt in param.opts}
        per_installation = any(path[: len(p)] == p for p in PER_INSTALLATION)
        if per_installation and not {"-i", "--installation-id"} <= opts:
            missing.append(f"{' '.join(path)}: -i/--installation-id")
        if path not in NO_OUTPUT and not {"-o", "--output"} <= opts:
            missing.append(f"{' '.join(path)}: -o/--output")
    assert not missing, missing


def test_help_shows_no_python_types(cli: Run) -> None:
    """Option help uses words (ID, URL, N, table|json|yaml), never Python type names."""
    for path, _ in _leaf_commands():
        text = cli(*path, "--help").stdout
        for option_line in (line for line in text.splitlines() if line.strip().startswith("-")):
            assert "list[" not in option_line, (path, option_line)
            assert "<str>" not in option_line, (path, option_line)
            assert "<int>" not in option_line, (path, option_line)


def test_per_command_installation_flag_wins(cli: Run, live: Any, cli_env: dict[str, str]) -> None:
    """`repos list -i N` works like the global option and overrides the environment."""
    cli_env["TERRATEAM_INSTALLATION_ID"] = "999999"
    result = cli("repos", "list", "-i", str(live.installation_id), "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)
    bad = cli("repos", "list", "-i", "abc")
    assert bad.exit_code == 1
    assert "installation id must be an integer" in bad.stderr
    assert "--installation-id" in bad.stderr


def test_every_summary_is_whole_and_short() -> None:
    """Every command's one-line summary fits an 80-column listing whole (no "…")."""
    import typer

    from terrateam_core.cli._app import build_app
    from terrateam_core.cli._help import SUMMARY_MAX

    root = typer.main.get_command(build_app())
    long: list[str] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        for name, sub in (getattr(command, "commands", None) or {}).items():
            text = sub.get_short_help_str(limit=200)
            if len(text) > SUMMARY_MAX or text.endswith(("...", "…")):
                long.append(f"{' '.join((*path, name))}: {text!r}")
            walk(sub, (*path, name))

    ctx_root = root
    for name in list(getattr(ctx_root, "commands", {})):
        ctx_root.get_command(None, name)  # tidies the group (metavars, summaries)
    walk(root, ())
    assert not long, long


def test_tables_keep_identifiers_whole(live: Any, cli_env: dict[str, str]) -> None:
    """On an 80-column terminal every UUID in a table stays on one line (copy-paste works)."""
    import re

    from tests.cli.test_tty import PtyRun, _env

    env = _env(cli_env)
    env["COLUMNS"] = "80"
    proc = PtyRun(["--no-color", "work-manifests", "list", "-n", "5", "-o", "table"], env)
    assert proc.wait() == 0, proc.output
    text = proc.output.decode()
    uuids = re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text)
    assert len(uuids) == 5, text


def test_every_command_has_examples_that_resolve() -> None:
    """Each command's help ends in examples (gh-style), and each uses real options."""
    from terrateam_core.cli._examples import EXAMPLES
    from tests.test_doc_blocks import _resolve, _terrateam_lines

    missing = [
        " ".join(path)
        for path, command in _leaf_commands()
        if path not in EXAMPLES and "Example" not in (command.help or "")
    ]
    assert not missing, missing
    for path, lines in EXAMPLES.items():
        for line in lines:
            for argv in _terrateam_lines(line):
                _, options = _resolve(argv)
                used = {a.split("=", 1)[0] for a in argv if a.startswith("-") and a != "-"}
                assert used <= options | {"-h", "--help"}, (path, line, used - options)


def test_examples_show_after_the_options(cli: Run) -> None:
    """`--help` prints the examples after the options, lines unwrapped."""
    text = cli("kv", "get", "--help").stdout
    assert text.index("Examples:") > text.index("Options:")
    assert "$ terrateam kv get -i 12345 deploy/config" in text
