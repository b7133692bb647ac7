"""The GitHub Actions of the toolkit, run step by step against the emulator they start.

The workflows are docs/ci.md's own examples, parsed from the page; the only change the fast
tests make is `install: false` + `python:` (this venv) on our actions, so no pip install runs.
`test_default_install_path` runs the main action unchanged (a real pip install, about a minute;
kept in `make test` because it is the path users take).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from ci_runner import (
    ROOT,
    ExpressionError,
    Job,
    StepFailed,
    doc_example,
    evaluate,
    parse_command_file,
    resolve_uses,
    run_action,
    run_job,
)


def this_venv(_action: Path, with_: dict[str, str]) -> dict[str, str]:
    """Our actions' inputs with the toolkit of this test run instead of a pip install."""
    return {**with_, "install": "false", "python": sys.executable}


def stop(pid: str) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(int(pid), signal.SIGTERM)


@pytest.fixture
def emulators() -> Iterator[list[str]]:
    """Pids of emulators a test started through the action; stopped afterwards."""
    pids: list[str] = []
    yield pids
    for pid in pids:
        stop(pid)


def test_emulator_workflow_as_documented(tmp_path: Path, emulators: list[str]) -> None:
    workflow = yaml.safe_load(doc_example("github-emulator"))
    job = Job(tmp_path)
    try:
        run_job(job, workflow["jobs"]["test"], resolve_uses, this_venv)
    finally:
        if "emulator" in job.steps:
            emulators.append(job.steps["emulator"]["outputs"]["pid"])
    emu = job.steps["emulator"]["outputs"]
    port = int(emu["port"])
    assert emu["base-url"] == f"http://127.0.0.1:{port}"
    assert emu["installation-id"] == "12345"
    # The server the action started is really there, and the key it reported really works.
    r = httpx.post(
        emu["base-url"] + "/api/v1/access-token/refresh",
        headers={"authorization": f"Bearer {emu['api-key']}"},
        timeout=10,
    )
    assert r.status_code == 200
    # kv-set then kv-get through the main action; the value reached the test step as an output.
    tt = job.steps["terrateam"]["outputs"]
    assert json.loads(tt["kv-value"]) == {"region": "eu-west-1", "replicas": 3}
    assert any("region eu-west-1" in line for line in job.log)
    # Later steps got the connection settings and `terrateam` on PATH.
    assert job.env["TERRATEAM_BASE_URL"] == emu["base-url"]
    assert job.env["TERRATEAM_INSTALLATION_ID"] == "12345"
    assert any('"replicas": 3' in line for line in job.log)  # `terrateam kv get` in the run step
    # The token is a working access token, and neither it nor the key was ever printed.
    who = httpx.get(
        emu["base-url"] + "/api/v1/whoami",
        headers={"authorization": f"Bearer {tt['access-token']}"},
        timeout=10,
    )
    assert who.status_code == 200
    job.assert_masked(emu["api-key"], tt["access-token"])


def test_artifacts_workflow_as_documented(tmp_path: Path, emulators: list[str]) -> None:
    # The server side of the test: the emulator action, as a user's job would start it.
    infra = Job(tmp_path / "infra")
    emu = run_action(infra, ROOT / "actions" / "emulator", this_venv(ROOT, {"export-env": "false"}))
    emulators.append(emu["pid"])
    assert "TERRATEAM_BASE_URL" not in infra.env  # export-env: false is honoured

    workflow = yaml.safe_load(doc_example("github-artifacts"))
    secrets = {"TERRATEAM_API_KEY": emu["api-key"]}
    variables = {"TERRATEAM_BASE_URL": emu["base-url"]}
    sha = "f00dfacecafebeef0000000000000000deadbeef"

    build = Job(tmp_path / "build", secrets=secrets, vars=variables, github={"sha": sha})
    (build.workspace / "main.tf").write_text('resource "null_resource" "x" {}\n')
    run_job(build, workflow["jobs"]["build"], resolve_uses, this_venv)
    pushed = (build.workspace / "dist" / "bundle.tar.gz").read_bytes()

    deploy = Job(tmp_path / "deploy", secrets=secrets, vars=variables, github={"sha": sha})
    run_job(deploy, workflow["jobs"]["deploy"], resolve_uses, this_venv)
    assert (deploy.workspace / "bundle.tar.gz").read_bytes() == pushed
    tt = deploy.steps["terrateam"]["outputs"]
    assert json.loads(tt["kv-value"]) == {"status": "built"}
    assert f"build state: {tt['kv-value']}".splitlines()[0] in "\n".join(deploy.log)
    for job in (build, deploy):
        job.assert_masked(emu["api-key"])
    deploy.assert_masked(tt["access-token"])


def run_main(job: Job, **with_: str) -> dict[str, str]:
    return run_action(job, ROOT, {**this_venv(ROOT, {}), **with_})


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One emulator (started by the action) for the error-path tests of this module."""
    job = Job(tmp_path_factory.mktemp("infra"))
    emu = run_action(job, ROOT / "actions" / "emulator", this_venv(ROOT, {"export-env": "false"}))
    yield emu
    stop(emu["pid"])


@pytest.mark.parametrize(
    ("with_", "message"),
    [
        ({"api-key": ""}, "::error::api-key: empty; pass a secret"),
        ({"install": "maybe"}, "::error::install: expected true or false, got 'maybe'"),
        ({"kv-set": "k"}, "::error::kv-value: required with kv-set"),
        (
            {"artifact-push": "only-a-key"},
            "::error::artifact-push: 'only-a-key' should be 'KEY PATH'",
        ),
        ({"export-env": "yes"}, "::error::export-env: expected true or false, got 'yes'"),
        ({"base-url": "http://x\nEVIL=1"}, "::error::base-url: must be a single line"),
    ],
)
def test_bad_input_is_one_line(
    tmp_path: Path, emulator: dict[str, str], with_: dict[str, str], message: str
) -> None:
    job = Job(tmp_path / "job")
    inputs = {"api-key": emulator["api-key"], "base-url": emulator["base-url"], **with_}
    with pytest.raises(StepFailed) as err:
        run_main(job, **inputs)
    errors = [ln for ln in err.value.output.splitlines() if ln.startswith("::error::")]
    assert len(errors) == 1, err.value.output
    assert errors[0].startswith(message), err.value.output
    assert "Traceback" not in err.value.output


def test_missing_key_and_refused_key(tmp_path: Path, emulator: dict[str, str]) -> None:
    job = Job(tmp_path / "job")
    with pytest.raises(StepFailed) as err:
        run_main(job, **{"api-key": emulator["api-key"] + "x", "base-url": emulator["base-url"]})
    assert "::error::api-key: could not exchange it" in err.value.output
    with pytest.raises(StepFailed) as err:
        run_main(
            job,
            **{
                "api-key": emulator["api-key"],
                "base-url": emulator["base-url"],
                "installation-id": "12345",
                "kv-get": "no/such/key",
            },
        )
    assert "::error::kv-get: could not read 'no/such/key'" in err.value.output
    job.assert_masked(emulator["api-key"])


def test_python_without_the_toolkit_is_refused(tmp_path: Path) -> None:
    job = Job(tmp_path)
    with pytest.raises(StepFailed) as err:
        run_action(job, ROOT, {"install": "false", "python": "/usr/bin/python3"})
    assert "::error::python: '/usr/bin/python3' cannot import the toolkit" in err.value.output


def test_default_install_path(tmp_path: Path, emulators: list[str]) -> None:
    """The main action exactly as documented: it pip-installs the toolkit from the action's own
    checkout into a venv under RUNNER_TEMP (the emulator action, whose install is the same
    script with the ``[emulator]`` extra, reuses this test run's venv to keep the test short)."""
    workflow = yaml.safe_load(doc_example("github-emulator"))

    def emulator_only(action: Path, with_: dict[str, str]) -> dict[str, str]:
        return this_venv(action, with_) if action.name == "emulator" else with_

    job = Job(tmp_path)
    try:
        run_job(job, workflow["jobs"]["test"], resolve_uses, emulator_only)
    finally:
        if "emulator" in job.steps:
            emulators.append(job.steps["emulator"]["outputs"]["pid"])
    venv = job.runner_temp / "terrateam-toolkit"
    assert job.steps["terrateam"]["outputs"]["python"] == str(venv / "bin" / "python")
    assert (venv / ".terrateam-installed").read_text().splitlines() == [str(ROOT)]
    # The venv is on PATH for later steps: the documented run step used its `terrateam`.
    assert job.path[-1] == str(venv / "bin")
    assert json.loads(job.steps["terrateam"]["outputs"]["kv-value"])["replicas"] == 3
    job.assert_masked(job.steps["terrateam"]["outputs"]["access-token"])


def test_evaluator_refuses_what_it_does_not_know() -> None:
    ctx = {"inputs": {"a-b": "1", "e": ""}, "steps": {}}
    assert evaluate(" inputs.a-b ", ctx) == "1"
    assert evaluate("inputs.e || 'dflt'", ctx) == "dflt"
    with pytest.raises(ExpressionError):
        evaluate("format('{0}', inputs.a-b)", ctx)
    with pytest.raises(ExpressionError):
        evaluate("inputs", ctx)


def test_output_file_parser(tmp_path: Path) -> None:
    f = tmp_path / "out"
    f.write_text("a=1\nb<<EOF_x\nline 1\nline=2\nEOF_x\nc=\n")
    assert parse_command_file(f) == {"a": "1", "b": "line 1\nline=2", "c": ""}


@pytest.mark.parametrize("action", ["action.yml", "actions/emulator/action.yml"])
def test_every_input_and_output_is_documented(action: str) -> None:
    spec = yaml.safe_load((ROOT / action).read_text(encoding="utf-8"))
    page = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for name in [*spec["inputs"], *spec["outputs"]]:
        assert f"`{name}`" in page, f"{action}: {name} is not in docs/ci.md"
