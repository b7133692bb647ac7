"""Every command against the emulator on a real loopback socket, through Typer's CliRunner.

``live`` points the CLI at a freshly reset emulator with the demo user's key (env vars,
as a CI job would). ``test_script.py`` runs every command once more as the installed
console script in a subprocess.
"""

from __future__ import annotations

import csv
import io
import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

Run = Callable[..., Any]


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_whoami_json(cli: Run, live: Any) -> None:
    """whoami prints the demo user's id and linked VCS as JSON when piped."""
    data = _json(cli("whoami"))
    assert set(data) == {"id", "vcs"}
    assert "github" in data["vcs"]


def test_whoami_yaml(cli: Run, live: Any) -> None:
    """-o yaml prints the same object as YAML."""
    result = cli("whoami", "-o", "yaml")
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout)["vcs"][0] == "github"


def test_token_prints_access_token(cli: Run, live: Any) -> None:
    """token prints a JWT access token that is not the API key; --export wraps it."""
    token = cli("token").stdout.strip()
    assert token.count(".") == 2
    assert token != live.api_key
    exported = cli("token", "--export")
    assert exported.exit_code == 0
    assert exported.stdout.startswith("export TERRATEAM_ACCESS_TOKEN=eyJ")


def test_access_token_works_for_whoami(cli: Run, live: Any, cli_env: dict[str, str]) -> None:
    """The printed token authenticates on its own (TERRATEAM_ACCESS_TOKEN, no API key)."""
    token = cli("token").stdout.strip()
    del cli_env["TERRATEAM_API_KEY"]
    cli_env["TERRATEAM_ACCESS_TOKEN"] = token
    assert "github" in _json(cli("whoami"))["vcs"]


def test_api_keys_lifecycle(cli: Run, live: Any, tmp_path: Path) -> None:
    """create (key to a 0600 file), list shows it, the key works, delete removes it."""
    key_file = tmp_path / "ci.key"
    created = _json(
        cli(
            "api-keys",
            "create",
            "ci",
            "--cap",
            "kv_store_read",
            "--cap",
            "kv_store_write",
            "--output-file",
            str(key_file),
        )
    )
    assert "api_key" not in created
    assert created["name"] == "ci"
    assert "kv_store_read" in created["capabilities"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = key_file.read_text().strip()
    assert secret.count(".") == 2

    listed = _json(cli("api-keys", "list"))
    assert created["id"] in [k["id"] for k in listed]

    assert _json(cli("api-keys", "delete", created["id"])) == {"id": created["id"], "deleted": True}
    assert created["id"] not in [k["id"] for k in _json(cli("api-keys", "list"))]


def test_api_keys_create_prints_key_once_and_it_works(
    cli: Run, live: Any, cli_env: dict[str, str]
) -> None:
    """Without --output-file the new key is in the JSON output, and it authenticates."""
    created = _json(cli("api-keys", "create", "tmp", "--cap", "kv_store_read"))
    cli_env["TERRATEAM_API_KEY"] = created["api_key"]
    assert "github" in _json(cli("whoami"))["vcs"]


def test_api_keys_create_warns_about_dropped_caps(cli: Run, live: Any) -> None:
    """A capability the creator lacks is dropped by the server; the CLI warns on stderr."""
    result = cli("api-keys", "create", "sys", "--cap", "kv_store_system_read")
    assert result.exit_code == 0, result.stderr
    assert "kv_store_system_read" not in json.loads(result.stdout)["capabilities"]
    assert "warning: the server did not grant" in result.stderr


def test_api_keys_bad_cap_is_usage_error(cli: Run, live: Any) -> None:
    """An unknown capability name is rejected before any request."""
    result = cli("api-keys", "create", "x", "--cap", "bogus")
    assert result.exit_code == 1
    assert "unknown capability" in result.stderr


def test_installations_list(cli: Run, live: Any) -> None:
    """The demo user sees the GitHub demo installation."""
    ids = [i["id"] for i in _json(cli("installations", "list"))]
    assert str(live.installation_id) in ids


def test_repos_list_limit_and_order(cli: Run, live: Any) -> None:
    """repos list is sorted by name; --limit caps it; --limit 0 returns every repo."""
    everything = _json(cli("repos", "list", "--limit", "0"))
    names = [r["name"] for r in everything]
    assert names == sorted(names)
    assert len(names) >= 2
    assert [r["name"] for r in _json(cli("repos", "list", "--limit", "2"))] == names[:2]


def test_repos_refresh_and_tasks(cli: Run, live: Any) -> None:
    """refresh prints a task id that tasks get can read; --wait exits 0 when it completes."""
    task_id = _json(cli("repos", "refresh"))["task_id"]
    task = _json(cli("tasks", "get", task_id))
    assert task["id"] == task_id
    assert "REPO_REFRESH" in task["name"]
    waited = _json(cli("repos", "refresh", "--wait", "--timeout", "60s"))
    assert waited["state"] == "completed"


def test_tasks_wait_failed_exits_8(cli: Run, live: Any, dev_api: Callable[..., Any]) -> None:
    """A task that ends failed makes tasks wait exit 8 with a one-line message."""
    task_id = _json(cli("repos", "refresh"))["task_id"]
    dev_api("POST", f"/_emulator/tasks/{task_id}/state", {"state": "failed"})
    result = cli("tasks", "wait", task_id, "--timeout", "30s")
    assert result.exit_code == 8
    assert "failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_tasks_get_unknown_exits_3(cli: Run, live: Any) -> None:
    """An unknown task id is 'not found': exit 3."""
    result = cli("tasks", "get", "00000000-0000-4000-8000-000000000000")
    assert result.exit_code == 3
    assert result.stderr.startswith("terrateam: NotFoundError")


def test_prs_list_filter(cli: Run, live: Any) -> None:
    """prs list is newest number first; --pr filters one number."""
    prs = _json(cli("prs", "list", "--limit", "0"))
    numbers = [p["pull_number"] for p in prs]
    assert numbers == sorted(numbers, reverse=True)
    only = _json(cli("prs", "list", "--pr", str(numbers[-1])))
    assert {p["pull_number"] for p in only} == {numbers[-1]}


def test_work_manifests_list_query_and_limit(cli: Run, live: Any) -> None:
    """--q filters server-side and --limit caps the number of items (across pages)."""
    items = _json(cli("work-manifests", "list", "--q", "state:completed", "--limit", "45"))
    assert len(items) == 45
    assert {wm["state"] for wm in items} == {"completed"}
    created = [wm["created_at"] for wm in items]
    assert created == sorted(created, reverse=True)


def test_work_manifests_get_and_outputs(cli: Run, live: Any) -> None:
    """get returns the same run as the list; outputs lists its steps in idx order."""
    first = _json(cli("work-manifests", "list", "--q", "state:completed", "--limit", "1"))[0]
    assert _json(cli("work-manifests", "get", first["id"]))["id"] == first["id"]
    steps = _json(cli("work-manifests", "outputs", first["id"]))
    assert [s["idx"] for s in steps] == sorted(s["idx"] for s in steps)
    lite = _json(cli("work-manifests", "outputs", first["id"], "--lite"))
    assert all("payload" not in s or s["payload"] is None for s in lite)


def _wm_with(cli: Run, query: str, pred: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    for wm in _json(cli("work-manifests", "list", "--q", query, "--limit", "0")):
        if pred(wm):
            return wm
    pytest.fail(f"demo seed has no work manifest for {query!r}")


def test_work_manifests_wait_exit_reflects_outcome(cli: Run, live: Any) -> None:
    """wait exits 0 for a fully successful run, 8 for a failed dirspace or an abort."""
    ok = _wm_with(cli, "state:completed", lambda w: all(d["success"] for d in w["dirspaces"]))
    result = cli("work-manifests", "wait", ok["id"], "--timeout", "30s")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "completed"
    bad = _wm_with(
        cli, "state:completed", lambda w: any(d["success"] is False for d in w["dirspaces"])
    )
    assert cli("work-manifests", "wait", bad["id"], "--timeout", "30s").exit_code == 8
    aborted = _wm_with(cli, "state:aborted", lambda w: True)
    assert cli("work-manifests", "wait", aborted["id"], "--timeout", "30s").exit_code == 8


def test_work_manifests_wait_follows_state_change(
    cli: Run, live: Any, dev_api: Callable[..., Any]
) -> None:
    """A running run that the server aborts ends the wait with exit 8; a timeout exits 6."""
    running = _wm_with(cli, "state:running", lambda w: True)
    timed_out = cli(
        "work-manifests", "wait", running["id"], "--timeout", "1s", "--interval", "0.2s"
    )
    assert timed_out.exit_code == 6
    assert "hint:" in timed_out.stderr
    dev_api("POST", f"/_emulator/work-manifests/{running['id']}/state", {"state": "aborted"})
    result = cli("work-manifests", "wait", running["id"], "--timeout", "30s", "--interval", "0.2s")
    assert result.exit_code == 8


def test_work_manifests_wait_bad_timeout_is_usage_error(cli: Run, live: Any) -> None:
    """An unparseable --timeout is a usage error (exit 1), checked before any request."""
    result = cli("work-manifests", "wait", "x", "--timeout", "soon")
    assert result.exit_code == 1


def test_dirspaces_list_query(cli: Run, live: Any) -> None:
    """dirspaces list --q dir:X returns only that directory."""
    items = _json(cli("dirspaces", "list", "--q", "dir:vpc", "--limit", "10"))
    assert items
    assert {d["dir"] for d in items} == {"vpc"}


def test_stacks_show(cli: Run, live: Any) -> None:
    """stacks show finds the demo PR's stacks (JSON as the server's); others exit 3."""
    repos = _json(cli("repos", "list", "--limit", "0"))
    found = None
    for repo in repos:
        result = cli("stacks", "show", "--repo-id", repo["id"], "--pr", "1")
        if result.exit_code == 0:
            found = json.loads(result.stdout)
            break
        assert result.exit_code == 3
    assert found is not None
    assert {s["name"] for s in found} >= {"default"}
    assert all("stacks" in s for s in found)


def test_server_config(cli: Run, live: Any) -> None:
    """server config shows the configured VCS endpoints."""
    assert "api_base_url" in _json(cli("server", "config"))["github"]


def test_report_json_matches_list(cli: Run, live: Any) -> None:
    """The report counts every run of the period, by state and by run type."""
    runs = _json(cli("work-manifests", "list", "--limit", "0"))
    report = _json(cli("report", "--since", "3650d", "--format", "json"))
    assert report["total"]["runs"] == len(runs)
    assert sum(report["by_state"].values()) == len(runs)
    assert sum(report["by_run_type"].values()) == len(runs)
    assert {r["repo"] for r in report["repos"]} == {f"{w['owner']}/{w['repo']}" for w in runs}
    assert 0 <= report["total"]["success_rate"] <= 1


def test_report_repo_filter_and_formats(cli: Run, live: Any) -> None:
    """--repo narrows the report; csv and markdown render the same totals."""
    name = _json(cli("repos", "list", "--limit", "1"))[0]["name"]
    report = _json(cli("report", "--since", "3650d", "--repo", name, "-f", "json"))
    assert [r["repo"].split("/")[-1] for r in report["repos"]] == [name]
    rows = list(csv.DictReader(io.StringIO(cli("report", "--since", "3650d", "-f", "csv").stdout)))
    total = _json(cli("report", "--since", "3650d", "-f", "json"))["total"]["runs"]
    assert rows[0]["scope"] == "all"
    assert int(rows[0]["runs"]) == total
    md = cli("report", "--since", "3650d", "-f", "markdown").stdout
    assert f"{total} runs" in md


def test_report_short_period_is_empty(cli: Run, live: Any) -> None:
    """A period with no runs gives zero counts, not an error."""
    report = _json(cli("report", "--since", "1s", "-f", "json"))
    assert report["total"]["runs"] == 0


def test_table_output_has_no_colour_when_piped(cli: Run, live: Any) -> None:
    """-o table writes plain text (no ANSI escapes) when stdout is not a terminal."""
    result = cli("work-manifests", "list", "--limit", "3", "-o", "table")
    assert result.exit_code == 0, result.stderr
    assert "\x1b[" not in result.stdout
    assert "state" in result.stdout


def test_token_json(cli: Run, live: Any) -> None:
    """token -o json wraps the token in an object."""
    assert _json(cli("token", "-o", "json"))["access_token"].count(".") == 2


def test_profile_from_configure_is_used(cli: Run, live: Any, cli_env: dict[str, str]) -> None:
    """A profile written by configure supplies key, URL and installation when env is empty."""
    result = cli(
        "configure",
        "--profile",
        "ci",
        "--base-url",
        live.url,
        "--installation-id",
        str(live.installation_id),
        input=live.api_key + "\n",
    )
    assert result.exit_code == 0, result.stderr
    for name in ("TERRATEAM_API_KEY", "TERRATEAM_BASE_URL", "TERRATEAM_INSTALLATION_ID"):
        del cli_env[name]
    assert "github" in _json(cli("--profile", "ci", "whoami"))["vcs"]
    cli_env["TERRATEAM_PROFILE"] = "ci"
    assert len(_json(cli("repos", "list", "--limit", "1"))) == 1
    missing = cli("--profile", "nope", "whoami")
    assert missing.exit_code == 1
    assert "hint:" in missing.stderr


def test_global_base_url_overrides_env(cli: Run, live: Any, cli_env: dict[str, str]) -> None:
    """--base-url (and ttm's --api-base spelling) beat TERRATEAM_BASE_URL."""
    cli_env["TERRATEAM_BASE_URL"] = "http://127.0.0.1:9"
    assert _json(cli("--base-url", live.url, "whoami"))["id"]
    assert _json(cli("--api-base", live.url, "whoami"))["id"]


def test_global_vcs_gitlab(cli: Run, live: Any) -> None:
    """--vcs gitlab with the GitLab installation lists its repositories."""
    repos = _json(
        cli(
            "--vcs",
            "gitlab",
            "--installation-id",
            str(live.gitlab_installation_id),
            "repos",
            "list",
            "--limit",
            "0",
        )
    )
    assert repos
    assert all(r["installation_id"] == str(live.gitlab_installation_id) for r in repos)


def test_server_errors_exit_5_after_retries(
    cli: Run, live: Any, dev_api: Callable[..., Any]
) -> None:
    """A server that keeps answering 503 ends in exit 5 and one line naming the status."""
    dev_api(
        "POST",
        "/_emulator/faults",
        {"kind": "status", "status": 503, "count": 50, "retry_after": 0, "path": "/api/v1/whoami"},
    )
    try:
        result = cli("whoami")
    finally:
        dev_api("DELETE", "/_emulator/faults")
    assert result.exit_code == 5
    assert "503" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("since", ["soon", "99999999999d"])
def test_report_bad_since_is_usage_error(cli: Run, live: Any, since: str) -> None:
    """An unparseable or absurd --since is a usage error, not a crash."""
    result = cli("report", "--since", since)
    assert result.exit_code == 1
    assert "--since" in result.stderr
