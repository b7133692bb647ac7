"""The wheel installed alone and with each extra, in fresh venvs, run outside the checkout."""

from __future__ import annotations

import json
import textwrap

import pytest
from distkit import INSTALLATION_ID, VERSION, Emulator, Venv, VenvFactory, clean_env, wheel_req


@pytest.fixture(scope="module")
def base(venvs: VenvFactory) -> Venv:
    """The wheel with no extra."""
    return venvs.make("base", wheel_req())


def test_base_wheel_prints_its_version(base: Venv) -> None:
    """`terrateam --version` of the installed wheel is the toolkit's version."""
    out = base.run("terrateam", "--version").stdout
    assert out.split() == ["terrateam", VERSION]


def test_base_wheel_needs_no_extra(base: Venv) -> None:
    """No extra package is pulled in by the base install (the extras stay optional)."""
    code = (
        "import importlib.util as u; "
        "print([m for m in ('fastapi', 'uvicorn', 'sqlalchemy', 'pulumi', 'ansible') "
        "if u.find_spec(m)])"
    )
    assert base.run("python", "-c", code).stdout.strip() == "[]"


def test_base_wheel_kv_against_the_emulator(base: Venv, emulator: Emulator, tmp_path) -> None:
    """`terrateam kv set` / `kv get` of the base install talk to an emulator of another venv."""
    env = emulator.env(
        HOME=str(tmp_path),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        TERRATEAM_CONFIG_FILE=str(tmp_path / "config.toml"),
    )
    base.run("terrateam", "kv", "set", "dist/base", "--json", '{"from": "wheel"}', env=env)
    got = base.run("terrateam", "kv", "get", "dist/base", env=env).stdout
    assert json.loads(got) == {"from": "wheel"}


def test_pytest_plugin_does_not_break_an_unrelated_project(venvs: VenvFactory, tmp_path) -> None:
    """The wheel registers a pytest11 plugin: a project that never uses it, in a venv without
    the emulator extra, still runs its tests."""
    venv = venvs.make("base-pytest", wheel_req(), "pytest")
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_trivial.py").write_text(
        textwrap.dedent(
            """
            def test_adds():
                assert 1 + 1 == 2
            """
        )
    )
    proc = venv.run("python", "-m", "pytest", "-q", "-W", "error", str(project), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    plugins = venv.run("python", "-m", "pytest", "--trace-config", "-q", str(project)).stdout
    assert "terrateam_emulator" in plugins


def test_emulator_extra_serves(emulator_venv: Venv, emulator: Emulator) -> None:
    """[emulator]: the CLI answers --help and the served emulator answers a request."""
    assert "serve" in emulator_venv.run("terrateam-emulator", "--help").stdout
    code = (
        "import json, os, urllib.request; "
        "info = json.load(urllib.request.urlopen(os.environ['TERRATEAM_BASE_URL'] "
        "+ '/_emulator/info', timeout=30)); print(info['installation_id'])"
    )
    out = emulator_venv.run("python", "-c", code, env=emulator.env()).stdout
    assert out.strip() == INSTALLATION_ID


def test_pulumi_extra_imports(venvs: VenvFactory) -> None:
    """[pulumi]: the provider package imports with the Pulumi SDK the extra brings."""
    venv = venvs.make("pulumi", wheel_req("pulumi"))
    code = "import pulumi, pulumi_terrateam; print(pulumi_terrateam.__name__)"
    assert venv.run("python", "-c", code).stdout.strip() == "pulumi_terrateam"


def test_ansible_extra_installs_ansible_core(ansible_venv: Venv) -> None:
    """[ansible]: ansible-core and terrateam_core side by side (the collection's controller)."""
    assert ansible_venv.run("ansible", "--version", env=clean_env()).stdout.startswith("ansible")
    code = "import ansible, terrateam_core; print(terrateam_core.__version__)"
    assert ansible_venv.run("python", "-c", code).stdout.strip() == VERSION
