"""Run the toolkit's entry points in a subprocess with some installed modules hidden.

``hidden`` writes a ``sitecustomize.py`` that puts a meta-path finder in front of the import
system: importing one of the named top-level modules (or a submodule) raises
``ModuleNotFoundError`` exactly as it would in an install without that extra.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]

_SITECUSTOMIZE = """\
import importlib.abc
import sys

HIDDEN = {hidden!r}


class _Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, _Hide())
"""

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def hidden(tmp_path: Path) -> Runner:
    """``hidden(modules, argv, env=...)``: run *argv* with *modules* uninstallable."""

    def run(
        modules: Sequence[str],
        argv: Sequence[str],
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        site = tmp_path / "hide-site"
        site.mkdir(exist_ok=True)
        (site / "sitecustomize.py").write_text(_SITECUSTOMIZE.format(hidden=set(modules)))
        full = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
        full.update(env or {})
        full["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
        full["NO_COLOR"] = "1"
        return subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            env=full,
            cwd=cwd or tmp_path,
            timeout=120,
            check=False,
        )

    return run
