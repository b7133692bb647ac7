"""The toolkit's one version number, and a check that every place repeating it agrees.

``terrateam_core/_version.py`` is the source (hatch reads it for the wheel and the sdist).
Three files repeat it: ``ansible_collection/galaxy.yml`` (``version:``, the collection tarball's
name), ``CHANGELOG.md`` (its top version section, ``## [X.Y.Z]``; an ``[Unreleased]``
section above it is skipped) and the collection's User-Agent in
``ansible_collection/plugins/plugin_utils/_terrateam_common.py``.

Usage: ``python scripts/version.py`` prints the version; ``--check`` exits 1 with one line per
file that disagrees. Standard library only.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "terrateam_core/_version.py"
GALAXY = "ansible_collection/galaxy.yml"
CHANGELOG = "CHANGELOG.md"
USER_AGENT = "ansible_collection/plugins/plugin_utils/_terrateam_common.py"


def source_version(root: Path = ROOT) -> str:
    """``__version__`` of terrateam_core/_version.py, read without importing the package."""
    tree = ast.parse((root / SOURCE).read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise SystemExit(f"version.py: {SOURCE} has no __version__ = '...' line")


def galaxy_version(root: Path = ROOT) -> str | None:
    """The top-level ``version:`` of the collection's galaxy.yml (None: no such line)."""
    text = (root / GALAXY).read_text(encoding="utf-8")
    match = re.search(r"""^version:\s*["']?([^"'\s#]+)""", text, re.MULTILINE)
    return match.group(1) if match else None


def changelog_version(root: Path = ROOT) -> str | None:
    """The version of CHANGELOG.md's top ``## [X.Y.Z]`` section (None: no version section)."""
    for match in re.finditer(r"^## \[([^\]]+)\]", (root / CHANGELOG).read_text(), re.MULTILINE):
        if match.group(1).lower() != "unreleased":
            return match.group(1)
    return None


def user_agent_version(root: Path = ROOT) -> str | None:
    """The version in the collection's ``USER_AGENT = "ansible-terrateam.api/X.Y.Z"``."""
    path = root / USER_AGENT
    if not path.exists():
        return None
    match = re.search(r'^USER_AGENT = "[^"/]+/([^"]+)"', path.read_text(), re.MULTILINE)
    return match.group(1) if match else None


def problems(root: Path = ROOT) -> list[str]:
    """One line per file whose version differs from the source's."""
    version = source_version(root)
    found = {GALAXY: galaxy_version(root), CHANGELOG: changelog_version(root)}
    if (root / USER_AGENT).exists():
        found[USER_AGENT] = user_agent_version(root)
    return [
        f"{name}: version {value or '(none)'} != {version} of {SOURCE}; set it to {version}"
        for name, value in found.items()
        if value != version
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the version, or with ``--check`` compare every copy of it."""
    parser = argparse.ArgumentParser(prog="version.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail unless every copy agrees")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.check:
        print(source_version(args.root))
        return 0
    bad = problems(args.root)
    for line in bad:
        print(f"version.py: {line}", file=sys.stderr)
    if not bad:
        print(f"version {source_version(args.root)}: {SOURCE}, {GALAXY} and {CHANGELOG} agree")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
