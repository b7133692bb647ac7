"""Every command once more as the installed ``terrateam`` console script (real subprocess).

CI runs the script, not CliRunner: this checks the entry point, the environment handling
and the exit codes of a real process, with JSON parsed from a real pipe.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

Run = Callable[..., Any]

ANY_UUID = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("argv", "check"),
    [
        (["whoami"], lambda d: "github" in d["vcs"]),
        (["installations", "list"], lambda d: "12345" in [i["id"] for i in d]),
        (["repos", "list", "--limit", "2"], lambda d: len(d) == 2),
        (["repos", "refresh", "--wait", "--timeout", "60s"], lambda d: d["state"] == "completed"),
        (["prs", "list", "--limit", "1"], lambda d: len(d) == 1),
        (
            ["work-manifests", "list", "--q", "state:completed", "--limit", "3"],
            lambda d: [w["state"] for w in d] == ["completed"] * 3,
        ),
        (["dirspaces", "list", "--q", "dir:vpc", "--limit", "2"], lambda d: d[0]["dir"] == "vpc"),
        (["server", "config"], lambda d: "github" in d),
        (["report", "--since", "3650d", "-f", "json"], lambda d: d["total"]["runs"] > 100),
        (["api-keys", "list"], lambda d: isinstance(d, list)),
        (["api-keys", "create", "script", "--cap", "kv_store_read"], lambda d: "api_key" in d),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_script_json(cli_proc: Run, live: Any, argv: list[str], check: Any) -> None:
    """The command exits 0 and prints JSON (stdout is a pipe) that has the expected shape."""
    result = cli_proc(*argv)
    assert result.exit_code == 0, result.stderr
    assert check(json.loads(result.stdout))


def test_script_token_export(cli_proc: Run, live: Any) -> None:
    """token --export prints one shell line."""
    result = cli_proc("token", "--export")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("export TERRATEAM_ACCESS_TOKEN=eyJ")


def test_script_work_manifest_commands(cli_proc: Run, live: Any) -> None:
    """get, outputs and wait on one finished run (wait's exit code is the run's outcome)."""
    wms = json.loads(cli_proc("work-manifests", "list", "--q", "state:completed").stdout)
    wm = next(w for w in wms if all(d["success"] for d in w["dirspaces"]))
    assert json.loads(cli_proc("work-manifests", "get", wm["id"]).stdout)["id"] == wm["id"]
    steps = json.loads(cli_proc("work-manifests", "outputs", wm["id"], "--lite").stdout)
    assert isinstance(steps, list)
    assert cli_proc("work-manifests", "wait", wm["id"], "--timeout", "30s").exit_code == 0


def test_script_tasks_and_stacks_not_found(cli_proc: Run, live: Any) -> None:
    """Unknown task and missing stacks exit 3 with one line on stderr."""
    for argv in (["tasks", "get", ANY_UUID], ["stacks", "show", "--repo-id", "1", "--pr", "1"]):
        result = cli_proc(*argv)
        assert result.exit_code == 3, argv
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) <= 2


def test_script_tasks_wait(cli_proc: Run, live: Any) -> None:
    """tasks wait on a refresh task exits 0 and prints the completed task."""
    task_id = json.loads(cli_proc("repos", "refresh").stdout)["task_id"]
    result = cli_proc("tasks", "wait", task_id, "--timeout", "60s")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "completed"


def test_script_stacks_show(cli: Run, cli_proc: Run, live: Any) -> None:
    """stacks show prints the demo PR's stacks (the repo is found in-process first)."""
    repo_ids = [r["id"] for r in json.loads(cli("repos", "list", "--limit", "0").stdout)]
    with_stacks = [
        r for r in repo_ids if cli("stacks", "show", "--repo-id", r, "--pr", "1").exit_code == 0
    ]
    assert with_stacks
    result = cli_proc("stacks", "show", "--repo-id", with_stacks[0], "--pr", "1")
    assert result.exit_code == 0, result.stderr
    assert {s["name"] for s in json.loads(result.stdout)} >= {"default"}
