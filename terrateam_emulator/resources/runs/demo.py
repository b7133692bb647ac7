"""Deterministic demo runs: the ``--seed demo`` organisation's repos, PRs and 180 work manifests.

Everything comes from a fixed-seed RNG, so two runs give identical data (ids included). The
timeline (about three weeks of runs) is then moved by whole days so that it ends the day before
``now`` (the emulator clock when it seeds): dashboards and ``report --since 7d`` always show
recent runs, and every start on the same day gives identical timestamps too. GitHub
installation 12345 gets four repos and most runs; GitLab installation 678 gets one repo and a
few runs.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from typing import Any

__all__ = ["DEMO_GITHUB_INSTALLATION", "DEMO_GITLAB_INSTALLATION", "demo_runs_seed"]

DEMO_GITHUB_INSTALLATION = 12345
DEMO_GITLAB_INSTALLATION = 678
DEMO_OWNER = "demo-org"
DEMO_GITLAB_OWNER = "demo-group"
DEMO_TASK_ID = "7a5c0f1e-3b2d-4c6a-9e8f-0d1c2b3a4f50"

_T0 = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC).timestamp()
_DIRS = ["ec2", "iam", "s3", "vpc", "rds", "modules/network", "dns"]
_WORKSPACES = ["default", "default", "default", "staging", "prod"]
_USERS = ["alice", "bob", "carol", "dave"]


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _repos() -> list[dict[str, Any]]:
    gh = [("infrastructure", True), ("platform-modules", True), ("networking", True)]
    gh.append(("data-pipelines", False))
    repos: list[dict[str, Any]] = [
        {
            "id": 500001 + i,
            "installation_id": DEMO_GITHUB_INSTALLATION,
            "owner": DEMO_OWNER,
            "name": name,
            "setup": setup,
            "updated_at": _iso(_T0 - 86400 * (10 - i)),
        }
        for i, (name, setup) in enumerate(gh)
    ]
    repos.append(
        {
            "vcs": "gitlab",
            "id": 900001,
            "installation_id": DEMO_GITLAB_INSTALLATION,
            "owner": DEMO_GITLAB_OWNER,
            "name": "gitlab-infra",
            "setup": True,
            "updated_at": _iso(_T0 - 86400),
        }
    )
    return repos


def _pull_requests(rng: random.Random, repos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    prs = []
    for index, repo in enumerate(repos):
        count = 3 if repo.get("vcs") == "gitlab" else rng.randint(6, 9)
        # Numbers do not repeat across the installation's repos: the pull-request list pages
        # on `pull_number` alone (upstream), and a demo should list every PR.
        first = 1 if repo.get("vcs") == "gitlab" else 1 + 10 * index
        for n in range(first, first + count):
            state = "open" if n >= first + count - 3 else rng.choice(["merged", "merged", "closed"])
            pr: dict[str, Any] = {
                "repo_id": repo["id"],
                "pull_number": n,
                "base_branch": "main",
                "base_sha": _sha(rng),
                "branch": f"feature/{repo['name']}-{n}",
                "sha": _sha(rng),
                "state": state,
                "title": f"{repo['name']}: change #{n}",
                "user": rng.choice(_USERS),
            }
            if repo.get("vcs") == "gitlab":
                pr["vcs"] = "gitlab"
            if state == "merged":
                pr["merged_at"] = _iso(_T0 + 86400 * (n % 20))  # inside the timeline
                pr["merged_sha"] = _sha(rng)
            prs.append(pr)
    return prs


def _outputs(rng: random.Random, run_type: str, dirspaces: list[dict[str, Any]]) -> list[Any]:
    outs: list[dict[str, Any]] = [
        {
            "step": "checkout",
            "state": "success",
            "scope": {"type": "run", "flow": "hooks", "subflow": "pre"},
            "payload": {"text": "checked out"},
        }
    ]
    for ds in dirspaces:
        scope = {"type": "dirspace", "dir": ds["dir"], "workspace": ds["workspace"]}
        outs.append(
            {"step": "tf/init", "state": "success", "scope": scope, "payload": {"text": ""}}
        )
        failed = ds.get("success") is False
        step = "tf/plan" if run_type == "plan" else "tf/apply"
        payload: dict[str, Any] = {"text": f"{step} {ds['dir']}", "has_changes": rng.random() < 0.6}
        if step == "tf/plan":
            payload["plan"] = f"~ resource.{ds['dir'].replace('/', '_')} will be updated"
        outs.append(
            {
                "step": step,
                "state": "failure" if failed else "success",
                "scope": scope,
                "payload": payload,
            }
        )
    outs.append(
        {
            "step": "cost-estimation",
            "state": "success",
            "ignore_errors": True,
            "scope": {"type": "run", "flow": "hooks", "subflow": "post"},
            "payload": {"text": "$0.00"},
        }
    )
    for i, out in enumerate(outs):
        out["idx"] = i
    return outs


def _work_manifests(
    rng: random.Random, repos: list[dict[str, Any]], prs: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    gh_repos = [r for r in repos if r.get("vcs") != "gitlab"]
    gl_repo = next(r for r in repos if r.get("vcs") == "gitlab")
    wms: list[dict[str, Any]] = []
    t = _T0
    total = 180
    for i in range(total):
        gitlab = i % 24 == 5  # 8 GitLab runs spread through the timeline
        repo = gl_repo if gitlab else rng.choice(gh_repos)
        repo_prs = [p for p in prs if p["repo_id"] == repo["id"]]
        # Two runs share a timestamp now and then: the id breaks the tie in the keyset.
        if i % 37 != 36:
            t += rng.randint(300, 21600)
        recent = i >= total - 6
        roll = rng.random()
        if roll < 0.72:
            kind, run_type = "pr", rng.choice(["plan", "plan", "plan", "apply"])
        elif roll < 0.84:
            kind, run_type = "drift", rng.choice(["plan", "plan", "apply"])
        elif roll < 0.92:
            kind, run_type = "index", "index"
        else:
            kind, run_type = "pr", rng.choice(["build-config", "build-tree"])
        if recent:
            state = "running" if i % 2 else "queued"
        else:
            state = "aborted" if rng.random() < 0.08 else "completed"
        dirspaces: list[dict[str, Any]] = []
        if run_type in ("plan", "apply"):
            n = 12 if i == 40 else rng.randint(1, 3)
            picks = rng.sample([(d, w) for d in _DIRS for w in ("default", "prod")], n)
            for d, w in sorted(picks):
                success: bool | None = None
                if state == "completed":
                    success = rng.random() < 0.85
                elif state == "aborted" and rng.random() < 0.5:
                    success = False
                dirspaces.append({"dir": d, "workspace": w, "success": success})
        pr = rng.choice(repo_prs) if kind == "pr" else None
        base_ref = _sha(rng)
        wm: dict[str, Any] = {
            "id": _uuid(rng),
            "repo_id": repo["id"],
            "kind": kind,
            "run_type": run_type,
            "state": state,
            "base_branch": "main",
            "base_ref": base_ref,
            "branch": pr["branch"] if pr else "main",
            "branch_ref": pr["sha"] if pr else base_ref,
            "tag_query": rng.choice(["", "", "dir:ec2", "workspace:prod", "dir:vpc or dir:dns"]),
            "created_at": _iso(t),
            "dirspaces": dirspaces,
        }
        if gitlab:
            wm["vcs"] = "gitlab"
        if pr is not None:
            wm["pull_number"] = pr["pull_number"]
        if kind != "drift":
            wm["user"] = pr["user"] if pr else rng.choice(_USERS)
        if rng.random() < 0.3:
            wm["environment"] = rng.choice(["production", "staging"])
        if state != "queued":
            wm["run_id"] = str(9000000000 + i)
        if state in ("completed", "aborted"):
            wm["completed_at"] = _iso(t + rng.randint(30, 900))
        if state == "completed" and dirspaces:
            wm["outputs"] = _outputs(rng, run_type, dirspaces)
        wms.append(wm)
    return wms


def _stacks(repos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def ds(d: str, state: str) -> dict[str, Any]:
        return {"dirspace": {"dir": d, "workspace": "default"}, "state": state}

    return [
        {
            "repo_id": repos[0]["id"],
            "pull_number": 1,
            "stacks": [
                {
                    "name": "default",
                    "stacks": [
                        {
                            "name": "network",
                            "paths": [["vpc"], ["dns"]],
                            "dirspaces": [ds("vpc", "apply_success"), ds("dns", "apply_success")],
                        },
                        {
                            "name": "compute",
                            "paths": [["ec2"]],
                            "dirspaces": [ds("ec2", "apply_ready"), ds("iam", "no_changes")],
                        },
                    ],
                },
                {
                    "name": "data",
                    "stacks": [
                        {
                            "name": "storage",
                            "paths": [["s3"], ["rds"]],
                            "dirspaces": [ds("s3", "plan_pending"), ds("rds", "apply_failed")],
                        }
                    ],
                },
            ],
        }
    ]


_TIME_FIELDS = ("created_at", "completed_at", "merged_at", "updated_at")


def _shift(value: Any, seconds: float) -> Any:
    # Every timestamp of the generated seed, wherever it sits, moves by the same amount.
    if isinstance(value, dict):
        return {
            k: _iso(_epoch(v) + seconds)
            if k in _TIME_FIELDS and isinstance(v, str)
            else _shift(v, seconds)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_shift(v, seconds) for v in value]
    return value


def _epoch(iso: str) -> float:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def demo_runs_seed(task_owner: str = "demo", *, now: float | None = None) -> dict[str, Any]:
    """The demo organisation's runs part, as a seed dict (same format as a seed file).

    ``task_owner`` is the username owning the demo repo-refresh task. The timeline ends on the
    day before ``now`` (default: the current time), moved by whole days.
    """
    seed = _generate(task_owner)
    last = max(_epoch(w["created_at"]) for w in seed["work_manifests"])
    today = (time.time() if now is None else now) // 86400 * 86400
    days = (today - 86400 - last // 86400 * 86400) // 86400
    shifted: dict[str, Any] = _shift(seed, days * 86400)
    return shifted


def _generate(task_owner: str) -> dict[str, Any]:
    rng = random.Random(20261127)
    repos = _repos()
    prs = _pull_requests(rng, repos)
    wms = _work_manifests(rng, repos, prs)
    # One queued PR run predates an unlock of its PR: it is reported as `aborted` (upstream
    # applies PR unlocks to any run of that PR, repository-wide drift unlocks to drift runs).
    queued = next(
        w for w in wms if w["state"] == "queued" and w.get("vcs") != "gitlab" and w["kind"] == "pr"
    )
    unlock_at = dt.datetime.fromisoformat(queued["created_at"].replace("Z", "+00:00")) + (
        dt.timedelta(minutes=1)
    )
    last = dt.datetime.fromisoformat(wms[-1]["created_at"].replace("Z", "+00:00"))
    return {
        "repos": repos,
        "pull_requests": prs,
        "work_manifests": wms,
        "stacks": _stacks(repos),
        "tasks": [
            {
                "id": DEMO_TASK_ID,
                "name": f"INSTALLATION : demo-request : REPO_REFRESH : {DEMO_GITHUB_INSTALLATION}",
                "state": "completed",
                "user": task_owner,
                "updated_at": _iso(last.timestamp()),
            }
        ],
        "unlocks": [
            {
                "repo_id": queued["repo_id"],
                "pull_number": queued["pull_number"],
                "created_at": unlock_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ],
    }
