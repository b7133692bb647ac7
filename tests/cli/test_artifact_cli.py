"""`terrateam artifact push|pull|info|rm` in-process and as a real subprocess."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pty
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from terrateam_core import TerrateamClient
from terrateam_core._calls.artifacts_format import generation_key

Run = Callable[..., Any]
TERRATEAM_BIN = Path(sys.executable).parent / "terrateam"
BAR_CHARS = ("━", "\x1b[", "MB/s", "\r")  # a bar, ANSI cursor moves, a rate, redraws


@pytest.fixture
def env(emulator: Any, cli_env: dict[str, str]) -> dict[str, str]:
    """The CLI environment for the demo installation (key in TERRATEAM_API_KEY)."""
    cli_env.update(
        TERRATEAM_API_KEY=emulator.api_key,
        TERRATEAM_BASE_URL=emulator.url,
        TERRATEAM_INSTALLATION_ID=str(emulator.installation_id),
    )
    return cli_env


@pytest.fixture
def client(emulator: Any) -> Iterator[TerrateamClient]:
    """A core client on the same installation."""
    with TerrateamClient(
        api_key=emulator.api_key, base_url=emulator.url, installation_id=emulator.installation_id
    ) as c:
        yield c


def test_artifact_push_info_pull_rm__json(env: dict[str, str], cli: Run, tmp_path: Path) -> None:
    """push, info, pull and rm print the artifact as JSON and round-trip the bytes."""
    src = tmp_path / "app.zip"
    src.write_bytes(os.urandom(300_000))
    pushed = cli(
        "artifact",
        "push",
        "builds/app.zip",
        str(src),
        "--chunk-size",
        "128KiB",
        "--content-type",
        "application/zip",
        "-o",
        "json",
    )
    assert pushed.exit_code == 0, pushed.stderr
    info = json.loads(pushed.stdout)
    assert (info["size"], info["chunks"], info["chunk_size"]) == (300_000, 3, 131_072)
    assert info["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    shown = json.loads(cli("artifact", "info", "builds/app.zip", "-o", "json").stdout)
    assert shown["content_type"] == "application/zip"
    assert shown["generation"] == info["generation"]
    pulled = cli("artifact", "pull", "builds/app.zip", str(tmp_path / "out.zip"), "-o", "json")
    assert pulled.exit_code == 0, pulled.stderr
    assert (tmp_path / "out.zip").read_bytes() == src.read_bytes()
    assert cli("artifact", "rm", "builds/app.zip").exit_code == 0
    assert cli("artifact", "rm", "builds/app.zip").exit_code == 3
    missing = cli("artifact", "pull", "builds/app.zip", str(tmp_path / "none"))
    assert missing.exit_code == 3
    assert not (tmp_path / "none").exists()


def test_artifact_push__bad_chunk_size_is_usage_error(
    env: dict[str, str], cli: Run, tmp_path: Path
) -> None:
    """An unparsable --chunk-size exits 1 before anything is uploaded."""
    (tmp_path / "f").write_bytes(b"x")
    assert cli("artifact", "push", "k", str(tmp_path / "f"), "--chunk-size", "lots").exit_code == 1


def test_artifact_pull__checksum_mismatch_exits_7(
    env: dict[str, str], cli: Run, client: TerrateamClient, tmp_path: Path
) -> None:
    """A corrupted chunk makes pull exit 7 and leaves the destination untouched."""
    info = client.kv.put_artifact("corrupt", b"abc" * 100, chunk_size=100)
    chunk_key = generation_key("corrupt", str(info.generation))
    record = client.kv.get(chunk_key, idx=2).data
    record["data"] = base64.b64encode(b"Z" * 100).decode()
    client.kv.set(chunk_key, record, idx=2)
    dest = tmp_path / "dest"
    dest.write_bytes(b"old")
    result = cli("artifact", "pull", "corrupt", str(dest))
    assert result.exit_code == 7
    assert "ChecksumMismatchError" in result.stderr
    assert dest.read_bytes() == b"old"


def test_artifact__20_mib_subprocess_no_bars_when_piped(
    env: dict[str, str], cli_proc: Run, emulator: Any, tmp_path: Path
) -> None:
    """A 20 MiB push/pull through the console script: no progress bars on a pipe, no key leak."""
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(20 * 1024 * 1024))
    pushed = cli_proc("--debug", "artifact", "push", "big", str(src), "-o", "json")
    assert pushed.exit_code == 0, pushed.stderr[-2000:]
    pulled = cli_proc("--debug", "artifact", "pull", "big", str(tmp_path / "back.bin"))
    assert pulled.exit_code == 0, pulled.stderr[-2000:]
    assert (tmp_path / "back.bin").read_bytes() == src.read_bytes()
    assert json.loads(pulled.stdout)["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    for result in (pushed, pulled):
        assert emulator.api_key not in result.stdout + result.stderr
        assert not any(mark in result.stderr for mark in BAR_CHARS)


def _run_with_tty_stderr(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the console script with stderr on a pseudo-terminal; return (exit, stderr text)."""
    leader, follower = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    full_env.update(env, COLUMNS="100")
    proc = subprocess.Popen(
        [str(TERRATEAM_BIN), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        env=full_env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(leader)
    return proc.returncode, b"".join(chunks).decode(errors="replace")


def test_artifact_push__progress_bar_on_a_tty(env: dict[str, str], tmp_path: Path) -> None:
    """With stderr on a terminal, push draws a progress bar (bytes, rate, ETA)."""
    if not TERRATEAM_BIN.exists():
        pytest.skip(f"console script not installed at {TERRATEAM_BIN}")
    src = tmp_path / "f.bin"
    src.write_bytes(os.urandom(2 * 1024 * 1024))
    code, stderr = _run_with_tty_stderr(["artifact", "push", "tty", str(src), "-o", "json"], env)
    assert code == 0, stderr
    assert "push tty" in stderr
    assert "2.1/2.1 MB" in stderr


def _default_signals() -> None:
    """Run in the child before exec: the signals a user can send act as at a terminal.

    A test runner started with ``nohup`` or ``&`` from a script has SIGHUP or SIGINT ignored,
    children inherit that, and the CLI rightly keeps an inherited "ignore"; the test is about
    the CLI's handling, so it starts the CLI as a shell in a terminal would.
    """
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def test_artifact_push__interrupt_keeps_previous_version(
    env: dict[str, str], emulator: Any, client: TerrateamClient, tmp_path: Path
) -> None:
    """Ctrl-C during a push exits 130 and the previous artifact stays readable and whole."""
    if not TERRATEAM_BIN.exists():
        pytest.skip(f"console script not installed at {TERRATEAM_BIN}")
    client.kv.put_artifact("ctrl-c", b"previous version")
    # Every chunk write is slowed down so the interrupt lands mid-upload.
    emulator.admin.inject_fault(
        kind="latency", delay=1.0, count=None, method="PUT", path=r"/cas/key/ctrl-c/\.gen/"
    )
    src = tmp_path / "new.bin"
    src.write_bytes(os.urandom(64 * 1024 * 40))
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    full_env.update(env)
    emulator.admin.reset_stats()
    proc = subprocess.Popen(
        [str(TERRATEAM_BIN), "artifact", "push", "ctrl-c", str(src), "--chunk-size", "64KiB"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
        preexec_fn=_default_signals,
    )
    # Interrupt once the upload is under way (token exchange and a first chunk answered), not
    # after a fixed sleep: on a loaded machine the CLI may still be importing after seconds.
    deadline = time.monotonic() + 60
    while emulator.admin.stats()["total"] < 2 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    emulator.admin.clear_faults()
    assert proc.returncode == 130, stderr
    buf = tmp_path / "now"
    client.kv.get_artifact("ctrl-c", buf)
    assert buf.read_bytes() == b"previous version"
    leftovers = list(client.kv.iter("ctrl-c/.gen/", prefix=True, committed=False))
    assert len(leftovers) == 1
