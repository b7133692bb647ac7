"""Every code block in README.md, docs/ and the example READMEs keeps working.

Doctest-style: the fenced blocks are extracted and

- ``python``: compiled; blocks that use only the toolkit's client are run as scripts in a
  fresh interpreter against the emulator (``TERRATEAM_*`` pointing at it, in a scratch
  directory where the files they name exist);
- ``sh``/``bash``/``console``: checked by ``bash -n``; every ``terrateam …`` line must name a
  real command and only its options (the click tree is walked, nothing is sent);
- ``yaml``/``json``/``toml``: parsed.

A block preceded by ``<!-- no-exec: REASON -->`` is compiled or parsed but not run: the
reason says what it needs that a test run does not have (a Pulumi engine, a real server…).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("examples/**/README.md")])
_FENCE = re.compile(
    r"(?P<marker><!--\s*no-exec:\s*(?P<reason>[^>]*?)\s*-->\s*\n)?^```(?P<lang>[\w-]*)[^\n]*\n"
    r"(?P<body>.*?)^```[ \t]*$",
    re.S | re.M,
)
# Not the client: these need a Pulumi engine, Ansible, pytest fixtures or a web framework.
_NOT_CLIENT_ONLY = re.compile(r"^\s*(from|import)\s+(pulumi|ansible|pytest|fastapi|httpx)\b", re.M)


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    lang: str
    body: str
    no_exec: str | None

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def _blocks() -> list[Block]:
    found: list[Block] = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in _FENCE.finditer(text):
            line = text.count("\n", 0, m.start("lang")) + 1
            found.append(Block(path, line, m["lang"].lower(), m["body"], m["reason"]))
    return found


BLOCKS = _blocks()


def _of(*langs: str) -> list[Any]:
    return [pytest.param(b, id=b.id) for b in BLOCKS if b.lang in langs]


class _GitLabLoader(yaml.SafeLoader):
    """Safe YAML plus GitLab CI's ``!reference [job, key]`` tag (docs/ci.md)."""


_GitLabLoader.add_constructor("!reference", lambda loader, node: loader.construct_sequence(node))


@pytest.mark.parametrize("block", _of("yaml", "yml"))
def test_yaml_blocks_parse(block: Block) -> None:
    """YAML blocks (workflow files, playbooks, seeds, GitLab CI files) are valid YAML."""
    assert list(yaml.load_all(block.body, Loader=_GitLabLoader)), block.id


@pytest.mark.parametrize("block", _of("json"))
def test_json_blocks_parse(block: Block) -> None:
    """JSON blocks are valid JSON (``…`` marks an elided part and is allowed)."""
    if "…" in block.body or "..." in block.body:
        pytest.skip("elided example")
    json.loads(block.body)


@pytest.mark.parametrize("block", _of("toml"))
def test_toml_blocks_parse(block: Block) -> None:
    """TOML blocks are valid TOML."""
    tomllib.loads(block.body)


def _terrateam_lines(body: str) -> list[list[str]]:
    lines: list[list[str]] = []
    joined = body.replace("\\\n", " ")
    for raw in joined.splitlines():
        code = raw.split(" #", 1)[0]
        for segment in re.split(r"\|\||&&|\||;|\$\(", code):
            words = segment.strip().lstrip("(").strip()
            if not words.startswith("terrateam "):
                continue
            try:
                argv = shlex.split(words.replace("…", "X").replace("<", "").replace(">", ""))
            except ValueError:
                continue
            lines.append(argv[1:])
    return lines


def _resolve(argv: list[str]) -> tuple[Any, set[str]]:
    import typer

    from terrateam_core.cli._app import build_app

    command: Any = typer.main.get_command(build_app())
    options: set[str] = set()
    for arg in argv:
        options |= {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        if arg.startswith("-"):
            continue
        sub = getattr(command, "commands", {}).get(arg)
        if sub is None:
            break
        command = sub
    options |= {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    return command, options


@pytest.mark.parametrize("block", _of("sh", "bash", "console", "shell"))
def test_shell_blocks(block: Block) -> None:
    """Shell blocks are valid bash, and each `terrateam` line uses real commands and options."""
    check = subprocess.run(
        ["bash", "-n"], input=block.body, text=True, capture_output=True, check=False
    )
    assert check.returncode == 0, f"{block.id}: {check.stderr}"
    for argv in _terrateam_lines(block.body):
        words = [a for a in argv if not a.startswith("-")]
        if not words:
            continue
        _, options = _resolve(argv)
        used: set[str] = set()
        for a in argv:
            if not a.startswith("-") or a == "-":
                continue
            if re.fullmatch(r"-[A-Za-z]{2,}", a):  # stacked short flags: -vvv, -dv
                used |= {f"-{ch}" for ch in a[1:]}
            else:
                used.add(a.split("=", 1)[0])
        unknown = used - options - {"-h", "--help"}
        assert not unknown, f"{block.id}: {' '.join(argv)}: unknown options {unknown}"


@pytest.mark.parametrize("block", _of("python", "py"))
def test_python_blocks_compile(block: Block) -> None:
    """Python blocks are valid Python as written (no top-level ``await``/``async with``)."""
    compile(block.body, block.id, "exec")


def _make_named_files(source: str, cwd: Path) -> None:
    """Create the local files a snippet names (``"dist/app.zip"``) so it can run as shown."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
            if (re.fullmatch(r"[\w.-]+(/[\w.-]+)*\.\w{1,8}", value) and "/" in value) or (
                re.fullmatch(r"[\w-]+\.(zip|tfplan|json|txt|bin|tar\.gz)", value)
            ):
                target = cwd / value
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    target.write_bytes(b"example bytes\n" * 64)


def _runnable() -> list[Any]:
    params = []
    for b in BLOCKS:
        if b.lang not in ("python", "py"):
            continue
        if b.no_exec is not None:
            continue
        if _NOT_CLIENT_ONLY.search(b.body) or "terrateam_core" not in b.body:
            continue
        params.append(pytest.param(b, id=b.id))
    return params


@pytest.mark.parametrize("block", _runnable())
def test_python_blocks_run(block: Block, emulator: Any, tmp_path: Path) -> None:
    """Client snippets run as scripts against the emulator (the demo installation 12345)."""
    _make_named_files(block.body, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    env.update(
        TERRATEAM_BASE_URL=emulator.url,
        TERRATEAM_API_KEY=emulator.api_key,
        TERRATEAM_INSTALLATION_ID=str(emulator.installation_id),
        TERRATEAM_CONFIG_FILE=str(tmp_path / "config.toml"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    proc = subprocess.run(
        [sys.executable, "-c", block.body],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{block.id}:\n{proc.stderr[-2000:]}"


def test_no_exec_blocks_say_why() -> None:
    """Every `no-exec` marker carries a reason."""
    assert all(b.no_exec for b in BLOCKS if b.no_exec is not None)
