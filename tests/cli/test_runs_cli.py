"""`terrateam runs wait|gate|output` against the emulator over real sockets: exit codes from
the documented table, a one-line reason, JSON for scripts, SIGTERM interrupting a wait."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from typing import Any

from .conftest import TERRATEAM_BIN

REPO = "demo-org/infrastructure"


def _run(emulator: Any, pr: int, run_type: str = "apply", **kw: Any) -> dict[str, Any]:
    kw.setdefault("dirspaces", [{"dir": "vpc"}, {"dir": "dns", "workspace": "prod"}])
    return emulator.admin.create_work_manifest(
        installation_id=12345,
        repo="infrastructure",
        pull_number=pr,
        run_type=run_type,
        **{"state": "queued", **kw},
    )


def test_wait__real_time_schedule_success(cli_proc: Any, live: Any) -> None:
    """The subprocess polls while the emulator's schedule completes the run in real time."""
    wm = _run(live, pr=21)
    live.admin.schedule_run(
        wm["id"],
        [{"after_seconds": 0.5, "state": "running"}, {"after_seconds": 1.5, "state": "completed"}],
    )
    r = cli_proc(
        "runs",
        "wait",
        "--repo",
        REPO,
        "--pr",
        "21",
        "--kind",
        "apply",
        "--interval",
        "0.3",
        "--timeout",
        "60s",
        "-o",
        "json",
    )
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["id"] == wm["id"]
    assert r.stderr.strip().endswith(f"run {wm['id']} (apply) succeeded")


def test_wait__failed_apply_exits_8_with_reason(cli: Any, live: Any) -> None:
    wm = _run(live, pr=22)
    live.admin.schedule_run(
        wm["id"], [{"after_seconds": 0, "state": "completed", "dirspaces": {"dns": False}}]
    )
    r = cli("runs", "wait", "--repo", "infrastructure", "--pr", "22", "-o", "json")
    assert r.exit_code == 8
    assert f"run {wm['id']} (apply) failed in dns:prod" in r.stderr


def test_wait__timeout_exits_6(cli: Any, live: Any) -> None:
    _run(live, pr=23)
    r = cli("runs", "wait", "--repo", REPO, "--pr", "23", "--timeout", "0", "--interval", "1")
    assert r.exit_code == 6
    assert "still queued" in r.stderr


def test_wait__sigterm_interrupts(cli_env: dict[str, str], live: Any) -> None:
    """A cancelled CI job (SIGTERM) ends the wait at once with 130, like Ctrl-C."""
    _run(live, pr=24)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    env.update(cli_env)
    proc = subprocess.Popen(
        [str(TERRATEAM_BIN), "runs", "wait", "--repo", REPO, "--pr", "24", "--interval", "60"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Let it reach its first sleep (the emulator has seen the poll), then terminate it.
        for _ in range(200):
            stats = live.admin.stats()["requests"]
            if any(k.endswith("/work-manifests") and v for k, v in stats.items()):
                break
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err


def test_gate__pass_fail_and_nothing(cli: Any, live: Any) -> None:
    bad = _run(live, pr=25, run_type="plan", dirspaces=[{"dir": "vpc"}, {"dir": "s3"}])
    live.admin.schedule_run(
        bad["id"], [{"after_seconds": 0, "state": "completed", "dirspaces": {"s3": False}}]
    )
    r = cli("runs", "gate", "--repo", REPO, "--pr", "25", "--kind", "plan", "-o", "json")
    assert r.exit_code == 8
    verdict = json.loads(r.stdout)
    assert verdict["ok"] is False
    assert verdict["reasons"] == [f"s3:default failure in plan {bad['id']}"]
    assert r.stderr.strip() == f"FAIL s3:default failure in plan {bad['id']}"
    table = cli("runs", "gate", "--repo", REPO, "--pr", "25", "--kind", "plan", "-o", "table")
    assert table.stdout.splitlines()[0] == f"FAIL s3:default failure in plan {bad['id']}"
    live.admin.advance_clock(60)
    good = _run(live, pr=25, run_type="plan", dirspaces=[{"dir": "s3"}])
    live.admin.schedule_run(good["id"], [{"after_seconds": 0, "state": "completed"}])
    ok = cli("runs", "gate", "--repo", REPO, "--pr", "25", "--kind", "plan", "-o", "json")
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["ok"] is True
    assert "PASS" in ok.stderr
    none = cli("runs", "gate", "--repo", REPO, "--pr", "25", "--kind", "apply")
    assert none.exit_code == 3
    assert "no demo-org/infrastructure PR 25 apply runs found" in none.stdout


def test_gate__stacks(cli: Any, live: Any) -> None:
    r = cli(
        "runs",
        "gate",
        "--repo",
        "infrastructure",
        "--pr",
        "1",
        "--stacks",
        "not-failed",
        "-o",
        "json",
    )
    assert r.exit_code == 8
    assert "rds:default apply_failed" in json.loads(r.stdout)["reason"]
    none = cli("runs", "gate", "--repo", "infrastructure", "--pr", "2", "--stacks", "applied")
    assert none.exit_code == 3
    usage = cli("runs", "gate", "--repo", "infrastructure", "--stacks", "applied")
    assert usage.exit_code == 1
    assert "--stacks needs --pr" in usage.stderr


def test_bad_input_is_one_line_usage_error(cli: Any, live: Any) -> None:
    r = cli("runs", "wait", "--repo", "a/b/c")
    assert r.exit_code == 1
    assert "--repo" in r.stderr
    r = cli("runs", "gate", "--repo", REPO, "--since", "someday")
    assert r.exit_code == 1
    assert "--since" in r.stderr


def test_output__text_and_json(cli: Any, live: Any) -> None:
    scope = {"type": "dirspace", "dir": "vpc", "workspace": "default"}
    wm = _run(
        live,
        pr=26,
        run_type="plan",
        dirspaces=[{"dir": "vpc", "success": True}],
        state="completed",
        outputs=[
            {"step": "tf/init", "scope": scope, "state": "success", "payload": {"text": "init ok"}},
            {
                "step": "tf/plan",
                "scope": scope,
                "state": "success",
                "payload": {"text": "Plan: 1 to add", "plan": "+ aws_vpc.main"},
            },
        ],
    )
    r = cli("runs", "output", "--repo", REPO, "--pr", "26", "--dir", "vpc", "--step", "tf/plan")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "Plan: 1 to add\n+ aws_vpc.main\n"
    both = cli("runs", "output", "--repo", REPO, "--pr", "26", "--dir", "vpc")
    assert "# tf/init vpc:default (success)\ninit ok\n# tf/plan" in both.stdout
    js = json.loads(cli("runs", "output", "--repo", REPO, "--pr", "26", "-o", "json").stdout)
    assert js["work_manifest_id"] == wm["id"]
    assert [o["step"] for o in js["outputs"]] == ["tf/init", "tf/plan"]
    missing = cli("runs", "output", "--repo", REPO, "--pr", "26", "--step", "tf/apply")
    assert missing.exit_code == 3
    nothing = cli("runs", "output", "--repo", REPO, "--pr", "999")
    assert nothing.exit_code == 3
    assert "no demo-org/infrastructure PR 999 runs found" in nothing.stderr
