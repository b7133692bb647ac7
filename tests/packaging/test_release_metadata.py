"""Release metadata: one version everywhere, the licence shipped, links that work on PyPI."""

from __future__ import annotations

import email
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPO_URL = "https://github.com/terrateam-toolkit/terrateam-toolkit"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LINK = re.compile(r"(?<!!)\[(?:[^\]]|\][^(])*\]\(([^)\s]+)\)")


def _version_script(*args: str, root: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "version.py"), *args, "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version_is_the_same_everywhere() -> None:
    proc = _version_script("--check")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_version_check_names_the_file_that_disagrees(tmp_path: Path) -> None:
    for name in ("terrateam_core/_version.py", "ansible_collection/galaxy.yml", "CHANGELOG.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    galaxy = tmp_path / "ansible_collection/galaxy.yml"
    galaxy.write_text(re.sub(r"(?m)^version:.*$", "version: 9.9.9", galaxy.read_text()))
    version = _version_script(root=tmp_path).stdout.strip()
    proc = _version_script("--check", root=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"version.py: ansible_collection/galaxy.yml: version 9.9.9 != {version} of "
        f"terrateam_core/_version.py; set it to {version}"
    ]


def test_changelog_top_section_is_keep_a_changelog() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "keepachangelog.com" in text
    top = re.search(r"(?ms)^## \[(?!Unreleased)[^\]]+\].*?(?=^## |\Z)", text)
    assert top is not None
    assert re.findall(r"(?m)^### (\w+)", top.group(0))[:1] == ["Added"]


def test_license_is_the_full_apache_2_text_and_ships() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License\n                           Version 2.0")
    sections = re.findall(r"(?m)^   (\d)\. (\w[\w ]*)\.", text)
    assert [n for n, _ in sections] == [str(i) for i in range(1, 10)]
    assert "END OF TERMS AND CONDITIONS" in text
    assert "APPENDIX: How to apply the Apache License to your work." in text
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    sdist = PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    assert {"LICENSE", "CHANGELOG.md", "README.md"} <= set(sdist)


def test_project_metadata_for_the_index() -> None:
    project = PYPROJECT["project"]
    assert project["authors"] == [{"name": "terrateam-toolkit developers"}]
    urls = project["urls"]
    assert set(urls) == {"Homepage", "Documentation", "Source", "Changelog", "Issues"}
    assert all(url.startswith(REPO_URL) for url in urls.values())
    classifiers = set(project["classifiers"])
    # PEP 639: the licence is the SPDX expression (License-Expression); "License ::"
    # classifiers are deprecated beside it, so none is given.
    assert not any(c.startswith("License ::") for c in classifiers)
    for prefix in (
        "Development Status ::",
        "Environment :: Console",
        "Intended Audience ::",
        "Operating System ::",
        "Framework :: Pytest",
        "Topic :: System :: Systems Administration",
        "Typing :: Typed",
    ):
        assert any(c.startswith(prefix) for c in classifiers), prefix
    minimum = int(project["requires-python"].removeprefix(">=3."))
    pythons = sorted(
        int(c.rsplit(".", 1)[1])
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    )
    assert pythons[0] == minimum
    assert pythons == list(range(minimum, pythons[-1] + 1))


def _headings_slugs(markdown: str) -> set[str]:
    slugs = set()
    for title in re.findall(r"(?m)^#+ (.+)$", markdown):
        slug = re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
        slugs.add(slug)
    return slugs


def _bad_links(markdown: str) -> list[str]:
    """Links that would break on an index page: relative ones, anchors to no heading, and
    repository links to a path that does not exist here."""
    bad = []
    slugs = _headings_slugs(markdown)
    for target in LINK.findall(markdown):
        if target.startswith("#"):
            if target[1:] not in slugs:
                bad.append(f"{target}: no such heading")
        elif not re.match(r"https?://", target):
            bad.append(f"{target}: relative (use {REPO_URL}/blob/main/...)")
        elif target.startswith((f"{REPO_URL}/blob/main/", f"{REPO_URL}/tree/main/")):
            path = target.split("/main/", 1)[1].partition("#")[0]
            if not (ROOT / path).exists():
                bad.append(f"{target}: {path} does not exist")
    return bad


def test_readme_links_work_on_an_index_page() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(LINK.findall(readme)) > 10  # the pattern does find the README's links
    assert _bad_links(readme) == []


def test_link_check_catches_relative_and_dangling_links() -> None:
    text = f"# Top\n[a](docs/cli.md) [b](#top) [c](#nowhere) [d]({REPO_URL}/blob/main/nope.md)"
    assert _bad_links(text) == [
        f"docs/cli.md: relative (use {REPO_URL}/blob/main/...)",
        "#nowhere: no such heading",
        f"{REPO_URL}/blob/main/nope.md: nope.md does not exist",
    ]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (built,) = out.glob("terrateam_toolkit-*-py3-none-any.whl")
    return built


def test_built_wheel_metadata(wheel: Path) -> None:
    """The wheel carries the licence and a long description whose links all work on PyPI."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        (meta_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = email.message_from_bytes(zf.read(meta_name))
        info = meta_name.rsplit("/", 1)[0]
        assert zf.read(f"{info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert meta["Author"] == "terrateam-toolkit developers"
    assert len(meta.get_all("Project-URL")) == 5
    description = meta.get_payload()
    assert isinstance(description, str)
    assert "## Install" in description
    assert _bad_links(description) == []
