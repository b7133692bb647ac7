"""What `make dist` puts in the three artifacts (read from the files, nothing installed)."""

from __future__ import annotations

import json
import tarfile
import zipfile

import yaml
from distkit import COLLECTION, ROOT, SDIST, VERSION, WHEEL

# Never shipped: ansible-test output, a local collections/ install, bytecode, per-run test
# config (it holds an API key).
_FORBIDDEN = ("tests/output/", "collections/", "__pycache__", ".pyc", "integration_config.yml")


def _collection_members() -> dict[str, tarfile.TarInfo]:
    with tarfile.open(COLLECTION) as tar:
        return {m.name.removeprefix("./"): m for m in tar.getmembers()}


def test_collection_tarball_ships_license_changelog_and_ee_metadata() -> None:
    """The collection carries its licences, its changelog and what ansible-builder reads."""
    names = _collection_members()
    for needed in (
        "LICENSE",
        "LICENSES/GPL-3.0-or-later.txt",
        "CHANGELOG.rst",
        "changelogs/changelog.yaml",
        "meta/runtime.yml",
        "meta/execution-environment.yml",
        "requirements.txt",
        "plugins/modules/kv.py",
    ):
        assert needed in names, needed
    with tarfile.open(COLLECTION) as tar:
        license_text = tar.extractfile("LICENSE").read().decode()  # type: ignore[union-attr]
        manifest = json.load(tar.extractfile("MANIFEST.json"))  # type: ignore[arg-type]
        ee = yaml.safe_load(tar.extractfile("meta/execution-environment.yml"))  # type: ignore[arg-type]
        reqs = tar.extractfile("requirements.txt").read().decode()  # type: ignore[union-attr]
    assert "Apache License" in license_text
    assert "END OF TERMS AND CONDITIONS" in license_text
    assert license_text.rstrip().endswith("limitations under the License.")
    assert manifest["collection_info"]["version"] == VERSION
    assert ee == {"version": 1, "dependencies": {"python": "requirements.txt"}}
    assert f"terrateam-toolkit>={VERSION}" in reqs.split()


def test_collection_tarball_leaves_out_local_state() -> None:
    """build_ignore keeps test output, local installs, bytecode and test config out."""
    bad = [n for n in _collection_members() if any(f in n for f in _FORBIDDEN)]
    assert bad == []


def test_collection_tarball_matches_the_work_tree() -> None:
    """Every tracked plugin of ansible_collection/ is in the tarball (nothing dropped by
    build_ignore by mistake)."""
    names = _collection_members()
    plugins = sorted(
        str(p.relative_to(ROOT / "ansible_collection"))
        for p in (ROOT / "ansible_collection" / "plugins").rglob("*.py")
        if "__pycache__" not in p.parts
    )
    assert plugins
    assert [p for p in plugins if p not in names] == []


def test_wheel_holds_the_three_packages_and_entry_points() -> None:
    """The wheel ships the packages, both console scripts and the pytest plugin, no tests."""
    with zipfile.ZipFile(WHEEL) as whl:
        names = whl.namelist()
        entry_points = whl.read(f"terrateam_toolkit-{VERSION}.dist-info/entry_points.txt").decode()
        metadata = whl.read(f"terrateam_toolkit-{VERSION}.dist-info/METADATA").decode()
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {
        "terrateam_core",
        "terrateam_emulator",
        "pulumi_terrateam",
        f"terrateam_toolkit-{VERSION}.dist-info",
    }
    assert "terrateam_core/py.typed" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    for line in (
        "terrateam = terrateam_core.cli:main",
        "terrateam-emulator = terrateam_emulator.__main__:main",
        "terrateam_emulator = terrateam_emulator.pytest_plugin",
    ):
        assert line in entry_points
    assert f"Version: {VERSION}" in metadata
    # A licence file at the root of the checkout ships in the wheel's metadata.
    for lic in sorted(ROOT.glob("LICEN[CS]E*")):
        assert any(n.endswith(f".dist-info/licenses/{lic.name}") for n in names), lic.name


def test_sdist_holds_the_sources_and_the_collection() -> None:
    """The sdist (from which `make dist` built the wheel) has sources, the collection and no
    local state."""
    prefix = f"terrateam_toolkit-{VERSION}/"
    with tarfile.open(SDIST) as tar:
        names = [m.name.removeprefix(prefix) for m in tar.getmembers()]
    for needed in (
        "pyproject.toml",
        "README.md",
        "terrateam_core/_version.py",
        "terrateam_emulator/__main__.py",
        "pulumi_terrateam/__init__.py",
        "ansible_collection/galaxy.yml",
        "ansible_collection/LICENSE",
    ):
        assert needed in names, needed
    assert [n for n in names if any(f in n for f in _FORBIDDEN)] == []
    for lic in sorted(ROOT.glob("LICEN[CS]E*")):
        assert lic.name in names, lic.name
