"""The project stands alone: nothing outside tests/ points outside the repository.

* no path into the reference material the project was built from (``../shared``,
  ``shared/reference``, ``shared/design``) and no name of a document that does not ship
  (``ttm-cli.md``, "the behaviour contract/doc");
* no "issue N" task references (they mean nothing to a user of the toolkit);
* every ``§N`` resolves: ``§N`` is a heading of docs/contract.md, and ``§8 #N`` / ``§9 #N`` an
  entry of its §8 table / §9 list.

Tests are exempt: they may read ``../shared/reference`` when it exists (and skip without it).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "docs" / "contract.md"
SKIP_DIRS = {"tests", "venv", "site-packages", "node_modules", "dist", "build", "__pycache__"}
FORBIDDEN = [
    (re.compile(r"\.\./shared|/work/shared|shared/(?:reference|design)"), "outside the repo"),
    (re.compile(r"ttm-cli\.md|terrateam-api-behaviour\.md"), "a document that does not ship"),
    (re.compile(r"behaviou?r (?:contract|doc)\b", re.IGNORECASE), "cite docs/contract.md instead"),
    (re.compile(r"\bissues? #?\d+\b", re.IGNORECASE), "a task reference; say what it means"),
]
SECTION = re.compile(r"§\s?(\d+(?:\.\d+)*)")
ENTRY = re.compile(r"§\s?([89])\s+(#\d+(?:\s*(?:,|and|–|-)\s*#\d+)*)")


def project_files() -> list[Path]:
    """Text files of the project outside tests/ (tracked ones when this is a git checkout)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        candidates = [ROOT / p for p in out]
    except (OSError, subprocess.CalledProcessError):
        candidates = [p for p in ROOT.rglob("*") if p.is_file()]
    files = []
    for path in candidates:
        rel = path.relative_to(ROOT)
        dirs = rel.parts[:-1]
        if set(dirs) & SKIP_DIRS or any(d.startswith(".") for d in dirs) or not path.is_file():
            continue
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        files.append(path)
    return files


def contract_anchors() -> tuple[set[str], set[str], set[str]]:
    """Section numbers of docs/contract.md headings, §8 table rows, §9 list items."""
    text = CONTRACT.read_text(encoding="utf-8")
    sections = set(re.findall(r"^#+ §(\d+(?:\.\d+)*)\b", text, re.MULTILINE))
    part8 = text.split("## §8", 1)[1].split("\n## ", 1)[0]
    part9 = text.split("## §9", 1)[1].split("\n## ", 1)[0]
    rows8 = set(re.findall(r"^\| (\d+) \|", part8, re.MULTILINE))
    items9 = set(re.findall(r"^(\d+)\. ", part9, re.MULTILINE))
    return sections, rows8, items9


def test_contract_has_the_numbering_the_code_cites() -> None:
    sections, rows8, items9 = contract_anchors()
    for n in ["0", "0.1", "0.5", "1.2", "2.3", "3.1", "4.4.7", "4.12", "5", "6.3", "8", "11.3"]:
        assert n in sections, n
    assert rows8 == {str(i) for i in range(1, 31)}
    assert items9 == {str(i) for i in range(1, 29)}


@pytest.mark.parametrize("path", project_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_file_stays_inside_the_project(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    problems = []
    for n, line in enumerate(text.splitlines(), 1):
        for pattern, why in FORBIDDEN:
            m = pattern.search(line)
            if m:
                problems.append(f"line {n}: {m.group(0)!r}: {why}")
    sections, rows8, items9 = contract_anchors()
    for n, line in enumerate(text.splitlines(), 1):
        for number in SECTION.findall(line):
            if number not in sections:
                problems.append(f"line {n}: §{number} is not a heading of docs/contract.md")
        for part, entries in ENTRY.findall(line):
            known = rows8 if part == "8" else items9
            for entry in re.findall(r"#(\d+)", entries):
                if entry not in known:
                    problems.append(f"line {n}: §{part} #{entry} is not in docs/contract.md")
    assert not problems, "\n".join(problems)
