"""Run GitHub composite actions and workflow jobs locally, the way the runner does (for tests).

Only what our actions and the workflows in docs/ci.md use is supported, and anything else fails
loudly, so a test cannot pass on an expression this evaluator silently mis-reads:

* ``${{ … }}`` with context paths (``inputs.x``, ``steps.id.outputs.y``, ``github.action_path``,
  ``env.X``, ``secrets.X``, ``vars.X``, ``runner.temp``), single-quoted strings, ``||`` and
  ``&&``, and ``fromJSON(<path>).field``;
* ``run:`` steps with ``shell: bash`` (run as ``bash --noprofile --norc -eo pipefail``, as the
  runner does), step ``env:``, ``id:``;
* ``GITHUB_ENV``, ``GITHUB_OUTPUT`` (``k=v`` and ``k<<DELIM`` forms), ``GITHUB_PATH`` files, and
  the ``::add-mask::`` workflow command.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
FROM_JSON = re.compile(r"\s*fromJSON\((.*)\)((?:\.[A-Za-z_][A-Za-z0-9_\-]*)*)\s*$", re.DOTALL)
TOKEN = re.compile(r"\s*(?:(\|\||&&)|'((?:[^']|'')*)'|([A-Za-z_][A-Za-z0-9_.\-]*))")


class ExpressionError(AssertionError):
    """An expression this evaluator does not support (or a context value that is missing)."""


def _lookup(path: str, ctx: Mapping[str, Any]) -> str:
    value: Any = ctx
    for part in path.split("."):
        if not isinstance(value, Mapping):
            raise ExpressionError(f"{path}: {part!r} is not an object")
        value = value.get(part, "")
    if isinstance(value, Mapping):
        raise ExpressionError(f"{path}: is an object, not a value")
    return "" if value is None else str(value)


def evaluate(expr: str, ctx: Mapping[str, Any]) -> str:
    """Evaluate one expression (the text between ``${{`` and ``}}``)."""
    m = FROM_JSON.match(expr)
    if m:
        value: Any = json.loads(evaluate(m.group(1), ctx))
        for part in filter(None, m.group(2).split(".")):
            value = value[part]
        return value if isinstance(value, str) else json.dumps(value)
    operands: list[str] = []
    ops: list[str] = []
    pos = 0
    text = expr.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"unsupported expression: {expr!r}")
        pos = m.end()
        op, literal, path = m.groups()
        if op:
            ops.append(op)
        elif literal is not None:
            operands.append(literal.replace("''", "'"))
        else:
            if path in ("true", "false"):
                operands.append(path)
            else:
                operands.append(_lookup(path, ctx))
    if len(operands) != len(ops) + 1:
        raise ExpressionError(f"unsupported expression: {expr!r}")
    # Left to right is enough for chains of one operator (a || b || 'c').
    if len(set(ops)) > 1:
        raise ExpressionError(f"mixed operators are not supported: {expr!r}")
    result = operands[0]
    for op, right in zip(ops, operands[1:], strict=True):
        truthy = result not in ("", "false", "0")
        keep_left = truthy if op == "||" else not truthy
        result = result if keep_left else right
    return result


def substitute(value: Any, ctx: Mapping[str, Any]) -> str:
    """Replace every ``${{ … }}`` in a scalar from a YAML file (booleans as GitHub writes them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return EXPR.sub(lambda m: evaluate(m.group(1), ctx), str(value))


def parse_command_file(path: Path) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT / GITHUB_ENV file (``k=v`` lines and ``k<<DELIM`` blocks)."""
    out: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").split("\n") if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body: list[str] = []
            while lines[i] != delim:
                body.append(lines[i])
                i += 1
            i += 1
            out[name] = "\n".join(body)
        else:
            name, _, value = line.partition("=")
            out[name] = value
    return out


@dataclass
class Job:
    """The state one job's steps share: env, PATH additions, secrets to mask, the whole log."""

    workspace: Path
    env: dict[str, str] = field(default_factory=dict)
    path: list[str] = field(default_factory=list)
    masks: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    github: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    vars: dict[str, str] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.runner_temp = self.workspace / "_runner_temp"
        self.runner_temp.mkdir(parents=True, exist_ok=True)
        self._n = 0
        self.github.setdefault("workspace", str(self.workspace))
        self.github.setdefault("sha", "0123456789abcdef0123456789abcdef01234567")

    def context(self, **extra: Any) -> dict[str, Any]:
        """The expression context of a step."""
        ctx: dict[str, Any] = {
            "github": dict(self.github),
            "env": dict(self.env),
            "secrets": dict(self.secrets),
            "vars": dict(self.vars),
            "runner": {"temp": str(self.runner_temp), "os": "Linux"},
            "steps": self.steps,
        }
        ctx.update(extra)
        return ctx

    def run_script(self, script: str, step_env: Mapping[str, str], shell: str) -> dict[str, str]:
        """Run one ``run:`` step; return its outputs. Raises on a non-zero exit."""
        if shell != "bash":
            raise ExpressionError(f"unsupported shell {shell!r}")
        self._n += 1
        files = self.runner_temp / f"_step{self._n}"
        files.mkdir()
        out_file, env_file, path_file = (files / n for n in ("output", "env", "path"))
        for f in (out_file, env_file, path_file):
            f.touch()
        script_file = files / "script.sh"
        script_file.write_text(script, encoding="utf-8")
        env = {
            **runner_environ(self.workspace),
            "PATH": os.pathsep.join([*reversed(self.path), os.environ["PATH"]]),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_SHA": self.github["sha"],
            "RUNNER_TEMP": str(self.runner_temp),
            "GITHUB_OUTPUT": str(out_file),
            "GITHUB_ENV": str(env_file),
            "GITHUB_PATH": str(path_file),
            **self.env,
            **step_env,
        }
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=self.workspace,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
        )
        for line in proc.stdout.splitlines():
            if line.startswith("::add-mask::"):
                self.masks.append(line[len("::add-mask::") :])
            self.log.append(line)
        if proc.returncode != 0:
            raise StepFailed(proc.returncode, proc.stdout)
        self.env.update(parse_command_file(env_file))
        self.path.extend(p for p in path_file.read_text().splitlines() if p)
        return parse_command_file(out_file)

    def assert_masked(self, *secrets: str) -> None:
        """Each secret was masked, and masked before it could appear anywhere else in the log."""
        for secret in secrets:
            assert secret, "an empty value cannot be checked"
            assert secret in self.masks, "never passed to ::add-mask::"
            for line in self.log:
                if line == f"::add-mask::{secret}":
                    break
                if line.startswith("::add-mask::"):
                    continue  # the runner never shows these lines
                assert secret not in line, "appeared in the log before it was masked"
            leaked = [ln for ln in self.log if secret in ln and not ln.startswith("::add-mask::")]
            assert not leaked, "appears unmasked in the step output"


def runner_environ(workspace: Path) -> dict[str, str]:
    """The machine's environment (proxies, pip settings, …) as a runner would have it, minus
    anything that would configure Terrateam or pose as CI state, and no user profile."""
    drop = ("TERRATEAM_", "TTM_", "GITHUB_", "RUNNER_", "CI_", "GITLAB_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop) and k != "CI"}
    env["TERRATEAM_CONFIG_FILE"] = str(workspace / ".no-terrateam-profile.toml")
    # The CLI's token cache goes to the job's own cache dir (pip keeps the machine's cache).
    pip_cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pip"
    env.setdefault("PIP_CACHE_DIR", str(pip_cache))
    env["XDG_CACHE_HOME"] = str(workspace / ".cache")
    return env


class StepFailed(AssertionError):
    """A step exited non-zero."""

    def __init__(self, code: int, output: str) -> None:
        super().__init__(f"step failed with exit code {code}:\n{output}")
        self.code = code
        self.output = output


def run_action(
    job: Job, action_dir: Path, with_: Mapping[str, str], step_id: str | None = None
) -> dict[str, str]:
    """Run the composite action in ``action_dir`` with inputs ``with_``; return its outputs."""
    spec = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
    assert spec["runs"]["using"] == "composite"
    declared = spec.get("inputs", {})
    unknown = set(with_) - set(declared)
    assert not unknown, f"inputs not declared by {action_dir.name}: {sorted(unknown)}"
    inputs = {name: str(with_.get(name, d.get("default", ""))) for name, d in declared.items()}
    github = {**job.github, "action_path": str(action_dir)}
    steps: dict[str, dict[str, Any]] = {}
    for step in spec["runs"]["steps"]:
        if "uses" in step:
            raise ExpressionError("nested uses: is not supported")
        ctx = job.context(inputs=inputs, steps=steps, github=github)
        step_env = {k: substitute(v, ctx) for k, v in (step.get("env") or {}).items()}
        step_env["GITHUB_ACTION_PATH"] = str(action_dir)
        outputs = job.run_script(substitute(step["run"], ctx), step_env, step["shell"])
        if "id" in step:
            steps[step["id"]] = {"outputs": outputs}
    ctx = job.context(inputs=inputs, steps=steps, github=github)
    result = {name: substitute(o["value"], ctx) for name, o in (spec.get("outputs") or {}).items()}
    if step_id:
        job.steps[step_id] = {"outputs": result}
    return result


def run_job(
    job: Job,
    job_spec: Mapping[str, Any],
    resolve: Callable[[str], Path | None],
    override: Callable[[Path, dict[str, str]], dict[str, str]] = lambda _p, w: w,
) -> None:
    """Run a workflow job's steps: ``uses:`` of our actions via ``resolve`` (None = skip it,
    e.g. actions/checkout), ``run:`` steps with bash. ``override`` may adjust an action's inputs."""
    job.env.update(
        {k: substitute(v, job.context()) for k, v in (job_spec.get("env") or {}).items()}
    )
    for step in job_spec["steps"]:
        ctx = job.context()
        if "uses" in step:
            action_dir = resolve(step["uses"])
            if action_dir is None:
                continue
            with_ = {k: substitute(v, ctx) for k, v in (step.get("with") or {}).items()}
            env_before = dict(job.env)
            job.env.update({k: substitute(v, ctx) for k, v in (step.get("env") or {}).items()})
            run_action(job, action_dir, override(action_dir, with_), step.get("id"))
            for k in step.get("env") or {}:
                if k in env_before:
                    job.env[k] = env_before[k]
                else:
                    job.env.pop(k, None)
        else:
            step_env = {k: substitute(v, ctx) for k, v in (step.get("env") or {}).items()}
            outputs = job.run_script(
                substitute(step["run"], ctx), step_env, step.get("shell", "bash")
            )
            if "id" in step:
                job.steps[step["id"]] = {"outputs": outputs}


ROOT = Path(__file__).resolve().parents[2]


def doc_example(name: str) -> str:
    """The YAML block that follows ``<!-- ci-test: NAME -->`` in docs/ci.md."""
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    m = re.search(rf"<!-- ci-test: {re.escape(name)} -->\s*```yaml\n(.*?)```", text, re.DOTALL)
    assert m, f"docs/ci.md has no example {name!r}"
    return m.group(1)


def resolve_uses(uses: str) -> Path | None:
    """Map ``<owner>/terrateam-toolkit[/sub/dir]@ref`` to this checkout; other actions: None."""
    m = re.fullmatch(r"[\w.-]+/terrateam-toolkit((?:/[\w.-]+)*)@[\w.-]+", uses)
    if m:
        return ROOT / m.group(1).lstrip("/")
    assert uses.split("@")[0] in ("actions/checkout", "actions/setup-python"), uses
    return None
