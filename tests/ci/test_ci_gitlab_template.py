"""The GitLab CI template, run the way a shell runner runs it: docs/ci.md's `.gitlab-ci.yml`,
with the template as its `include:`, jobs merged by `extends:`/`!reference`, scripts in bash.

The only difference from a user's pipeline are CI/CD (settings) variables: the API key and URL
of an emulator, and TERRATEAM_TOOLKIT_INSTALL=false + TERRATEAM_PYTHON (this venv) so no pip
install runs (the real install path is covered by the GitHub Action's test, same pip command).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gitlab_runner
import pytest
from ci_runner import ROOT, doc_example

SHA = "c0ffee00000000000000000000000000000000aa"


def pipeline() -> dict[str, Any]:
    user = gitlab_runner.load(doc_example("gitlab"))
    include = user.pop("include")
    assert [i["remote"].rsplit("/", 3)[-3:] for i in include] == [
        ["ci", "gitlab", "terrateam.gitlab-ci.yml"]
    ]
    template = gitlab_runner.load(
        (ROOT / "ci" / "gitlab" / "terrateam.gitlab-ci.yml").read_text(encoding="utf-8")
    )
    return {**template, **user}


def settings(**more: str) -> dict[str, str]:
    return {"TERRATEAM_TOOLKIT_INSTALL": "false", "TERRATEAM_PYTHON": sys.executable, **more}


def predefined(job_id: int) -> dict[str, str]:
    return {"CI_COMMIT_SHA": SHA, "CI_JOB_ID": str(job_id), "CI_PIPELINE_ID": "7"}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """An emulator started with its CLI, standing in for a real Terrateam server."""
    d = tmp_path_factory.mktemp("emu")
    proc = subprocess.Popen(
        [sys.executable, "-m", "terrateam_emulator", "serve", "--port", "0", "--db", "sqlite://",
         "--seed", "demo", "--port-file", str(d / "port"), "--api-key-file", str(d / "key")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(600):
            if (d / "key").exists() and (d / "key").read_text().strip():
                break
            assert proc.poll() is None, "the emulator exited"
            time.sleep(0.1)
        port = (d / "port").read_text().strip()
        yield {"url": f"http://127.0.0.1:{port}", "key": (d / "key").read_text().strip()}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_emulator_job_as_documented(tmp_path: Path) -> None:
    job = gitlab_runner.job(pipeline(), "test")
    work = tmp_path / "project"
    work.mkdir()
    probe = 'echo "$TERRATEAM_EMULATOR_PID" > "$CI_PROJECT_DIR/../pid"'
    result = gitlab_runner.run(job, work, settings(), predefined(1), extra_script=[probe])
    assert result.code == 0, result.log
    assert '"region": "eu-west-1"' in result.log
    assert "terrateam: emulator on http://127.0.0.1:" in result.log
    # after_script stopped the background server.
    pid = int((tmp_path / "pid").read_text())
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        pytest.fail("after_script did not stop the emulator")


def test_publish_then_deploy_as_documented(tmp_path: Path, emulator: dict[str, str]) -> None:
    config = pipeline()
    ci_vars = settings(TERRATEAM_API_KEY=emulator["key"], TERRATEAM_BASE_URL=emulator["url"])
    publish_dir, deploy_dir = tmp_path / "publish" / "project", tmp_path / "deploy" / "project"
    for d in (publish_dir, deploy_dir):
        d.mkdir(parents=True)
    (publish_dir / "main.tf").write_text('resource "null_resource" "x" {}\n')
    # Probes after the user's script: where the derived token went (never into the log).
    probe = 'printf %s "$TERRATEAM_ACCESS_TOKEN" > "$CI_PROJECT_DIR/../token"'

    publish = gitlab_runner.run(
        gitlab_runner.job(config, "publish"), publish_dir, ci_vars, predefined(2), [probe]
    )
    assert publish.code == 0, publish.log
    assert f"stored KV key 'builds/{SHA}'" in publish.log
    deploy = gitlab_runner.run(
        gitlab_runner.job(config, "deploy"), deploy_dir, ci_vars, predefined(3), [probe]
    )
    assert deploy.code == 0, deploy.log
    assert (deploy_dir / "bundle.tar.gz").read_bytes() == (
        publish_dir / "dist" / "bundle.tar.gz"
    ).read_bytes()
    assert '"status": "built"' in (deploy_dir / "terrateam-kv-value.json").read_text()
    for result, d in ((publish, publish_dir), (deploy, deploy_dir)):
        token = (d.parent / "token").read_text()
        assert token.count(".") == 2  # a JWT was exported to the job's shell
        assert token not in result.log
        assert emulator["key"] not in result.log


def test_missing_key_is_one_line(tmp_path: Path, emulator: dict[str, str]) -> None:
    job = gitlab_runner.job(pipeline(), "deploy")
    work = tmp_path / "project"
    work.mkdir()
    result = gitlab_runner.run(
        job, work, settings(TERRATEAM_BASE_URL=emulator["url"]), predefined(4)
    )
    assert result.code != 0
    assert "terrateam: TERRATEAM_API_KEY is empty; add it as a masked CI/CD variable" in result.log
    assert "Traceback" not in result.log


def test_reference_and_extends_resolution() -> None:
    config = pipeline()
    publish = gitlab_runner.job(config, "publish")
    # extends merged the template's variables under the user's, and !reference was flattened.
    assert publish["variables"]["TERRATEAM_KV_GET_FILE"] == "terrateam-kv-value.json"
    assert publish["variables"]["TERRATEAM_INSTALLATION_ID"] == "12345"
    assert all(isinstance(line, str) for line in publish["before_script"] + publish["script"])
    assert publish["script"][1:] == gitlab_runner.job(config, ".terrateam")["script"]
    assert "after_script" not in publish
