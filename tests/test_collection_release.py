"""The terrateam.api release metadata agrees with itself and with the toolkit.

`make dist` refuses to build when the versions differ; these checks run in the normal suite so
a drift shows up before release: galaxy.yml's version is terrateam_core's, the execution
environment metadata names the toolkit, and CHANGELOG.rst is the rendering of
changelogs/changelog.yaml (antsibull-changelog; `bash scripts/collection-changelog.sh`).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from terrateam_core import __version__

ROOT = Path(__file__).resolve().parents[1]
COLL = ROOT / "ansible_collection"


def _galaxy() -> dict:
    return yaml.safe_load((COLL / "galaxy.yml").read_text())


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_collection_version_is_the_toolkits() -> None:
    assert _galaxy()["version"] == __version__


def test_execution_environment_names_the_toolkit() -> None:
    """ansible-builder reads meta/execution-environment.yml, then requirements.txt."""
    ee = yaml.safe_load((COLL / "meta" / "execution-environment.yml").read_text())
    assert ee == {"version": 1, "dependencies": {"python": "requirements.txt"}}
    reqs = [
        ln.strip()
        for ln in (COLL / "requirements.txt").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert reqs == [f"terrateam-toolkit>={__version__}"]


def test_changelog_has_this_release() -> None:
    changes = yaml.safe_load((COLL / "changelogs" / "changelog.yaml").read_text())
    assert __version__ in changes["releases"]


def test_changelog_rst_renders_changelog_yaml() -> None:
    """Every release, change, new module and plugin of changelog.yaml is in CHANGELOG.rst."""
    changes = yaml.safe_load((COLL / "changelogs" / "changelog.yaml").read_text())
    rst = (COLL / "CHANGELOG.rst").read_text()
    flat = _flat(rst)
    versions = re.findall(r"^v(\S+)\n=+$", rst, re.M)
    assert sorted(versions) == sorted(changes["releases"])
    for version, release in changes["releases"].items():
        for section, entries in release.get("changes", {}).items():
            for entry in [entries] if isinstance(entries, str) else entries:
                assert _flat(entry) in flat, (version, section, entry)
        for module in release.get("modules", []):
            assert f"- {module['name']} - {module['description']}" in rst, module["name"]
        for plugins in release.get("plugins", {}).values():
            for plugin in plugins:
                assert f"- {plugin['name']} - {plugin['description']}" in rst, plugin["name"]


def test_licence_texts_are_complete() -> None:
    """LICENSE is the full Apache-2.0 text; the GPL text the module headers point to ships."""
    apache = (COLL / "LICENSE").read_text()
    assert apache.lstrip().startswith("Apache License\n")
    assert "END OF TERMS AND CONDITIONS" in apache
    assert "APPENDIX: How to apply the Apache License to your work." in apache
    assert apache.rstrip().endswith("limitations under the License.")
    gpl = (COLL / "LICENSES" / "GPL-3.0-or-later.txt").read_text()
    assert "GNU GENERAL PUBLIC LICENSE" in gpl
    assert "Version 3, 29 June 2007" in gpl
    assert gpl.rstrip().endswith("<https://www.gnu.org/licenses/why-not-lgpl.html>.")
    assert sorted(_galaxy()["license"]) == ["Apache-2.0", "GPL-3.0-or-later"]


def test_collection_links_match_the_project() -> None:
    """galaxy.yml points at the same repository as pyproject.toml's [project.urls]."""
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("urls", {})
    repo = _galaxy()["repository"]
    assert repo.startswith("https://github.com/")
    for name, url in urls.items():
        if name.lower() in ("repository", "source", "source code"):
            assert url.rstrip("/").removesuffix(".git") == repo, name
