"""Each entry point that needs an extra says which one, in one line, when it is missing.

Every case runs the real entry point in a subprocess with the extra's modules hidden (see
``conftest.hidden``) and checks the exit code, the single line naming the pip command, and
that no traceback is printed.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from terrateam_core._extras import (
    EXTRA_OF_MODULE,
    MissingExtraError,
    extra_of,
    install_command,
    missing_extra,
)

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
Runner = Any  # conftest.hidden: (modules, argv, env=None, cwd=None) -> CompletedProcess
EMULATOR_LINE = (
    "terrateam-emulator needs the emulator extra: pip install 'terrateam-toolkit[emulator]'"
)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_every_mapped_extra_exists_in_pyproject() -> None:
    """The module → extra table names only extras that pyproject.toml defines."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert set(EXTRA_OF_MODULE.values()) <= set(extras)


def test_extra_of_names_the_extra_only_for_an_extras_module() -> None:
    assert extra_of(ModuleNotFoundError("x", name="fastapi.routing")) == "emulator"
    assert extra_of(ModuleNotFoundError("x", name="matplotlib")) == "charts"
    # A missing module of our own (a bug) or a plain ImportError is not a missing extra.
    assert extra_of(ModuleNotFoundError("x", name="terrateam_emulator._nope")) is None
    assert extra_of(ImportError("cannot import name 'X' from 'fastapi'", name="fastapi")) is None
    assert missing_extra(ModuleNotFoundError("x", name="requests"), "thing") is None
    error = missing_extra(ModuleNotFoundError("x", name="grpc"), "thing", extra="pulumi")
    assert isinstance(error, ImportError)
    assert str(error) == f"thing needs the pulumi extra: {install_command('pulumi')}"


@pytest.mark.parametrize("module", ["fastapi", "uvicorn", "sqlalchemy", "jwt"])
def test_emulator_without_its_extra(hidden: Runner, module: str) -> None:
    """`terrateam-emulator` with any server dependency missing: one line, exit 1."""
    proc = hidden([module], [str(BIN / "terrateam-emulator"), "--port", "0"])
    assert proc.returncode == 1, proc.stderr
    assert _lines(proc.stderr) == [EMULATOR_LINE]
    assert proc.stdout == ""


def test_emulator_without_psycopg_names_the_postgres_extra(hidden: Runner) -> None:
    proc = hidden(
        ["psycopg"],
        [str(BIN / "terrateam-emulator"), "--port", "0", "--db", "postgresql+psycopg://u@h/db"],
    )
    assert proc.returncode == 2, proc.stderr  # a --db usage error
    assert _lines(proc.stderr) == [
        "terrateam-emulator: --db: the database driver is not installed (psycopg): "
        "pip install 'terrateam-toolkit[postgres]'"
    ]


def test_emulator_help_needs_no_extra(hidden: Runner) -> None:
    proc = hidden(
        ["fastapi", "uvicorn", "sqlalchemy", "jwt"], [str(BIN / "terrateam-emulator"), "-h"]
    )
    assert proc.returncode == 0, proc.stderr
    assert "usage: terrateam-emulator" in proc.stdout


def test_import_pulumi_terrateam_without_pulumi(hidden: Runner) -> None:
    """`import pulumi_terrateam` raises an ImportError whose message is the one line."""
    probe = (
        "try:\n"
        "    import pulumi_terrateam\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__mro__[1].__name__, exc.__cause__, exc.__suppress_context__)\n"
        "    print(exc)\n"
    )
    proc = hidden(["pulumi"], [sys.executable, "-c", probe])
    assert proc.returncode == 0, proc.stderr
    assert _lines(proc.stdout) == [
        "ImportError None True",
        "pulumi_terrateam needs the pulumi extra: pip install 'terrateam-toolkit[pulumi]'",
    ]
    # Uncaught, the traceback is Python's two frames, not a chain through pulumi's imports.
    bare = hidden(["pulumi"], [sys.executable, "-c", "import pulumi_terrateam"])
    assert bare.returncode == 1
    assert "During handling" not in bare.stderr
    assert bare.stderr.rstrip().endswith(
        "pulumi_terrateam needs the pulumi extra: pip install 'terrateam-toolkit[pulumi]'"
    )


def test_pytest_plugin_loads_and_fails_fixtures_in_one_line(hidden: Runner, tmp_path: Path) -> None:
    """Without the emulator extra, the pytest11 plugin still loads (other tests run) and a
    test using an emulator fixture fails with one line naming the extra, no traceback."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_x.py").write_text(
        "def test_plain():\n    assert True\n\n"
        "def test_served(emulator):\n    assert emulator.url\n\n"
        "def test_in_process(emulator_app):\n    assert emulator_app\n"
    )
    proc = hidden(
        ["fastapi", "uvicorn", "sqlalchemy", "jwt"],
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"],
        cwd=project,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "1 passed" in out
    assert "2 errors" in out or "2 failed" in out, out
    assert "Traceback" not in out
    for fixture in ("terrateam_emulator", "emulator_app"):
        line = (
            f"the {fixture} fixture needs the emulator extra: "
            "pip install 'terrateam-toolkit[emulator]'"
        )
        assert line in out, out


def test_report_png_without_matplotlib(hidden: Runner, emulator: Any, tmp_path: Path) -> None:
    """`terrateam report --format png` without matplotlib: one line naming the charts extra."""
    env = {
        "TERRATEAM_BASE_URL": emulator.url,
        "TERRATEAM_API_KEY": emulator.api_key,
        "TERRATEAM_INSTALLATION_ID": str(emulator.installation_id),
        "TERRATEAM_CONFIG_FILE": str(tmp_path / "config.toml"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    out = tmp_path / "runs.png"
    argv = [str(BIN / "terrateam"), "report", "--since", "28d", "-f", "png", "-O", str(out)]
    proc = hidden(["matplotlib"], argv, env=env)
    assert proc.returncode == 1, proc.stderr
    assert _lines(proc.stderr) == [
        "terrateam: report --format png needs the charts extra: "
        "pip install 'terrateam-toolkit[charts]' (or use --format svg)"
    ]
    assert not out.exists()


def test_missing_extra_error_is_an_import_error() -> None:
    """Callers that catch ImportError (the usual optional-dependency idiom) still do."""
    with pytest.raises(ImportError, match=r"^x needs the charts extra: pip install "):
        raise MissingExtraError("x", "charts")
