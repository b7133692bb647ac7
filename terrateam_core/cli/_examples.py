"""Examples shown under each command's ``--help``, the way gh shows them.

Kept in one table so a test can check that every command has one and that each example
names real commands and options (tests/cli/test_first_hour.py). Commands whose docstring
already ends in an "Example" section are not listed here.
"""

from __future__ import annotations

__all__ = ["EXAMPLES"]

EXAMPLES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("whoami",): ("terrateam whoami", "terrateam whoami -o json"),
    ("token",): (
        'curl -H "Authorization: Bearer $(terrateam token)" "$TERRATEAM_BASE_URL/api/v1/whoami"',
        'eval "$(terrateam token --export)"',
    ),
    ("api-keys", "create"): (
        "terrateam api-keys create ci --cap kv_store_read --cap kv_store_write "
        "--output-file ci.key",
    ),
    ("api-keys", "list"): ("terrateam api-keys list", "terrateam api-keys list -o json"),
    ("api-keys", "delete"): ("terrateam api-keys delete 3fa85f64-5717-4562-b3fc-2c963f66afa6",),
    ("kv", "get"): (
        "terrateam kv get -i 12345 deploy/config",
        "terrateam kv get -o record deploy/config",
        "terrateam kv get deploy/config deploy/version",
    ),
    ("kv", "export"): (
        'eval "$(terrateam kv export --prefix deploy/ --format env)"',
        "terrateam kv export --prefix deploy/ --format dotenv > .env",
    ),
    ("kv", "set"): (
        'terrateam kv set -i 12345 deploy/config --json \'{"env": "prod"}\'',
        'echo \'{"sha": "abc123"}\' | terrateam kv set deploy/version',
    ),
    ("kv", "cas"): (
        "terrateam kv cas deploy/lock --json '\"job-42\"'",
        "terrateam kv cas deploy/config --version 3 --file config.json",
    ),
    ("kv", "iter"): ("terrateam kv iter plans/ --prefix --limit 10",),
    ("kv", "ls"): ("terrateam kv ls plans/", "terrateam kv ls plans/ --all"),
    ("kv", "count"): ("terrateam kv count wm.steps",),
    ("kv", "size"): ("terrateam kv size deploy/config",),
    ("kv", "commit"): ("terrateam kv commit wm.steps 2:other.key",),
    ("kv", "delete"): ("terrateam kv delete deploy/config", "terrateam kv delete wm.steps --idx 2"),
    ("kv", "cp"): (
        "terrateam kv cp -i 12345 plan.json kv://plans/pr-42",
        "terrateam kv cp -i 12345 kv://plans/pr-42 plan.json",
    ),
    ("artifact", "push"): ("terrateam artifact push -i 12345 builds/app.zip dist/app.zip",),
    ("artifact", "pull"): ("terrateam artifact pull -i 12345 builds/app.zip app.zip",),
    ("artifact", "info"): ("terrateam artifact info builds/app.zip",),
    ("artifact", "rm"): ("terrateam artifact rm builds/app.zip",),
    ("secrets", "mask"): ("terraform plan | terrateam secrets mask -s secrets.txt",),
    ("installations", "list"): (
        "terrateam installations list",
        "terrateam --vcs gitlab installations list",
    ),
    ("repos", "list"): ("terrateam repos list -i 12345",),
    ("repos", "refresh"): ("terrateam repos refresh -i 12345 --wait",),
    ("prs", "list"): ("terrateam prs list -i 12345", "terrateam prs list -i 12345 --pr 42"),
    ("work-manifests", "list"): (
        "terrateam work-manifests list --q 'repo:infra and state:running'",
        "terrateam work-manifests list --q 'created_at:2026-11-01.. and type:apply' -n 0",
    ),
    ("work-manifests", "get"): (
        "terrateam work-manifests get 3fa85f64-5717-4562-b3fc-2c963f66afa6",
    ),
    ("work-manifests", "outputs"): (
        "terrateam work-manifests outputs 3fa85f64-5717-4562-b3fc-2c963f66afa6 --lite",
    ),
    ("work-manifests", "wait"): (
        "terrateam work-manifests wait 3fa85f64-5717-4562-b3fc-2c963f66afa6 --timeout 30m",
    ),
    ("dirspaces", "list"): ("terrateam dirspaces list --q 'dir:prod and state:failure'",),
    ("stacks", "show"): ("terrateam stacks show --repo-id 7001 --pr 42",),
    ("tasks", "get"): ("terrateam tasks get 3fa85f64-5717-4562-b3fc-2c963f66afa6",),
    ("tasks", "wait"): ("terrateam tasks wait 3fa85f64-5717-4562-b3fc-2c963f66afa6",),
    ("server", "config"): ("terrateam server config",),
    ("runs", "wait"): (
        "terrateam runs wait --repo demo-org/infrastructure --pr 5 --kind apply --timeout 30m",
    ),
    ("runs", "gate"): (
        "terrateam runs gate --repo demo-org/infrastructure --pr 5 --kind plan",
        "terrateam runs gate --repo demo-org/infrastructure --pr 5 --stacks not-failed",
    ),
    ("runs", "output"): (
        "terrateam runs output --repo demo-org/infrastructure --pr 5 --dir prod --step tf/plan",
    ),
    ("stacks", "graph"): (
        "terrateam stacks graph --repo demo-org/infrastructure --pr 5 -o mermaid",
    ),
    ("report",): ("terrateam report --since 7d", "terrateam report --since 30d --format markdown"),
}
