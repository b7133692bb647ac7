"""Run GitLab CI jobs locally the way a shell runner does (for tests).

Supported, and nothing else: ``include:`` of our template (given as a file), ``extends:`` (deep
merge of mappings, later keys win, lists replaced), ``!reference [job, key]`` (nested lists
flattened), job ``variables:`` with ``$VAR``/``${VAR}`` expansion, CI/CD ("settings")
variables that take precedence over YAML ones as in GitLab, ``before_script`` + ``script`` in one
bash with ``set -eo pipefail``, and ``after_script`` in a separate shell.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ci_runner import runner_environ


@dataclass(frozen=True)
class Reference:
    """A ``!reference [job, key, …]`` tag, resolved after ``extends``."""

    path: tuple[str, ...]


class _Loader(yaml.SafeLoader):
    pass


def _reference(loader: yaml.SafeLoader, node: yaml.Node) -> Reference:
    assert isinstance(node, yaml.SequenceNode)
    return Reference(tuple(str(loader.construct_scalar(n)) for n in node.value))  # type: ignore[arg-type]


_Loader.add_constructor("!reference", _reference)


def load(text: str) -> dict[str, Any]:
    """Parse GitLab CI YAML (with ``!reference``)."""
    data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    assert isinstance(data, dict)
    return data


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base.get(k), v) if k in base else v
        return out
    return over


def _extended(config: Mapping[str, Any], name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    assert name not in seen, f"extends loop: {seen}"
    job = dict(config[name])
    parents = job.pop("extends", [])
    merged: dict[str, Any] = {}
    for parent in [parents] if isinstance(parents, str) else parents:
        merged = _merge(merged, _extended(config, parent, (*seen, name)))
    return _merge(merged, job)


def _resolve(value: Any, config: Mapping[str, Any]) -> Any:
    if isinstance(value, Reference):
        target: Any = _extended(config, value.path[0])
        for part in value.path[1:]:
            target = target[part]
        return _resolve(target, config)
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            resolved = _resolve(item, config)
            if isinstance(item, Reference) and isinstance(resolved, list):
                out.extend(resolved)
            elif isinstance(resolved, list):
                out.extend(resolved)  # GitLab flattens nested script lists
            else:
                out.append(resolved)
        return out
    if isinstance(value, dict):
        return {k: _resolve(v, config) for k, v in value.items()}
    return value


def job(config: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The fully merged job ``name`` (extends and references resolved)."""
    resolved = _resolve(_extended(config, name), config)
    assert isinstance(resolved, dict)
    return resolved


def _expand(value: str, env: Mapping[str, str]) -> str:
    return re.sub(r"\$(?:\{(\w+)\}|(\w+))", lambda m: env.get(m.group(1) or m.group(2), ""), value)


@dataclass
class Result:
    """What a job run printed and how it ended."""

    code: int
    log: str


def run(
    job_spec: Mapping[str, Any],
    workdir: Path,
    settings: Mapping[str, str],
    predefined: Mapping[str, str],
    extra_script: list[str] | None = None,
) -> Result:
    """Run one merged job in ``workdir``; ``extra_script`` lines are appended (test probes)."""
    env = {
        **runner_environ(workdir),
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_PROJECT_DIR": str(workdir),
        "TMPDIR": str(workdir.parent / "tmp"),
        **predefined,
    }
    Path(env["TMPDIR"]).mkdir(exist_ok=True)
    for k, v in (job_spec.get("variables") or {}).items():
        env[k] = _expand(str(v), env)
    env.update(settings)  # CI/CD variables win over .gitlab-ci.yml ones
    commands = [*job_spec.get("before_script", []), *job_spec["script"], *(extra_script or [])]
    log = _bash(commands, env, workdir)
    if job_spec.get("after_script"):  # runs whatever the script's outcome; cannot fail the job
        after = _bash(job_spec["after_script"], env, workdir)
        log = Result(log.code, log.log + after.log)
    return log


def _bash(commands: list[str], env: Mapping[str, str], workdir: Path) -> Result:
    lines = ["set -eo pipefail"]
    for cmd in commands:
        first = str(cmd).splitlines()[0] if str(cmd).strip() else ""
        lines.append(f"echo {_quote('$ ' + first)}")  # the runner shows each command, unexpanded
        lines.append(str(cmd))
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", "\n".join(lines)],
        cwd=workdir,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    return Result(proc.returncode, proc.stdout)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
