"""Run ansible-playbook in a subprocess against the emulator, with the collection linked in."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
COLLECTION = REPO / "ansible_collection"
BIN = Path(sys.executable).parent
_SPLIT = "\n#--\n"
_RECAP = re.compile(
    r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M
)


@dataclass
class Run:
    """The outcome of one ansible-playbook run."""

    rc: int
    stdout: str
    stderr: str
    results: dict[str, Any] = field(default_factory=dict)

    def recap(self, host: str = "localhost") -> dict[str, int]:
        """The PLAY RECAP counters of ``host``."""
        for m in _RECAP.finditer(self.stdout):
            if m.group(1) == host:
                return {"ok": int(m.group(2)), "changed": int(m.group(3)),
                        "failed": int(m.group(5))}  # fmt: skip
        raise AssertionError(f"no recap for {host}:\n{self.stdout}\n{self.stderr}")

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def link_collection(tmp: Path) -> Path:
    """Make ``tmp/ansible_collections/terrateam/api`` point at the work tree's collection."""
    target = tmp / "ansible_collections" / "terrateam" / "api"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.symlink_to(COLLECTION, target_is_directory=True)
    return tmp


class Ansible:
    """Writes playbooks into a work directory and runs them with a fixed environment."""

    def __init__(self, workdir: Path, collections: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.collections = collections
        self.env = env
        self.count = 0

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "ANSIBLE_"))}
        env.update(
            ANSIBLE_COLLECTIONS_PATH=str(self.collections),
            ANSIBLE_LOCAL_TEMP=str(self.workdir / "ansible-tmp"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            ANSIBLE_HOST_KEY_CHECKING="0",
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            ANSIBLE_DEPRECATION_WARNINGS="0",
            PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        )
        env.update(self.env)
        env.update(extra or {})
        return env

    def play(
        self,
        tasks: str,
        *,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        inventory: str | None = None,
        hosts: str = "localhost",
        vars: dict[str, Any] | None = None,
        header: str = "",
        check: bool = True,
    ) -> Run:
        """Run ``tasks`` (YAML) in a play; ``results`` collects what tasks put in ``out``.

        Every registered result named in ``vars.collect`` is dumped to a JSON file by a last
        task that runs even in check mode, so tests can assert on structured results.
        """
        self.count += 1
        out = self.workdir / f"results-{self.count}.json"
        inv = inventory or "localhost ansible_connection=local\n"
        inv_path = self.workdir / f"inventory-{self.count}.ini"
        inv_path.write_text(inv)
        play_vars = {"out_file": str(out)}
        play_vars.update(vars or {})
        # Each part (a test's tasks, the save task) is dedented on its own.
        body = "\n".join(textwrap.dedent(part).strip("\n") for part in tasks.split(_SPLIT))
        playbook = (
            f"- hosts: {hosts}\n  gather_facts: false\n"
            + textwrap.indent(textwrap.dedent(header).strip("\n"), "  ")
            + ("\n" if header else "")
            + "  vars: "
            + json.dumps(play_vars)
            + "\n"
            + "  tasks:\n"
            + textwrap.indent(body, "    ")
            + "\n"
        )
        path = self.workdir / f"play-{self.count}.yml"
        path.write_text(playbook)
        yaml.safe_load(playbook)  # fail fast on a malformed test playbook
        proc = subprocess.run(
            [str(BIN / "ansible-playbook"), "-i", str(inv_path), str(path), *args],
            cwd=self.workdir, env=self.environ(env), capture_output=True, text=True,
            timeout=240,
        )  # fmt: skip
        run = Run(proc.returncode, proc.stdout, proc.stderr)
        if out.exists():
            run.results = json.loads(out.read_text())
        if check and proc.returncode != 0:
            raise AssertionError(f"ansible-playbook failed ({proc.returncode}):\n{run.output}")
        return run


def save(*names: str) -> str:
    """A task writing the registered variables ``names`` to ``out_file`` (even in check mode)."""
    content = "{" + ", ".join(f"'{n}': {n} | default(None)" for n in names) + "}"
    return _SPLIT + textwrap.dedent(f"""\
        - name: save results
          ansible.builtin.copy:
            dest: "{{{{ out_file }}}}"
            content: "{{{{ {content} | to_json }}}}"
          delegate_to: localhost
          run_once: true
          check_mode: false
          diff: false
          changed_when: false
        """)
