"""SIGTERM and SIGHUP stop a transfer as cleanly as Ctrl-C (issue 16), and an interrupted
``kv cp`` upload in ttm's layout is detected by a later download instead of returning a prefix.

Real ``terrateam`` subprocesses against the emulator; the emulator's latency fault slows KV
calls so the signal lands in the middle of the transfer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from terrateam_core import TerrateamClient

TERRATEAM = Path(sys.executable).parent / "terrateam"
PAYLOAD = os.urandom(40 * 1024)  # 40 chunks of 1 KiB


@pytest.fixture
def env(emulator, tmp_path: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TERRATEAM_", "TTM_"))}
    base.update(
        TERRATEAM_API_KEY=emulator.api_key,
        TERRATEAM_BASE_URL=emulator.url,
        TERRATEAM_INSTALLATION_ID=str(emulator.installation_id),
        TERRATEAM_CONFIG_FILE=str(tmp_path / "config.toml"),
        TERRATEAM_TOKEN_CACHE="0",  # never touch the real home directory
    )
    return base


@pytest.fixture
def client(emulator):  # type: ignore[no-untyped-def]
    with TerrateamClient(
        emulator.api_key, base_url=emulator.url, installation_id=emulator.installation_id
    ) as c:
        yield c


def _default_signals() -> None:
    """Run in the child before exec: the signals a user can send act as at a terminal.

    A test runner started with ``nohup`` or ``&`` from a script has SIGHUP or SIGINT ignored,
    children inherit that, and the CLI rightly keeps an inherited "ignore"; the test is about
    the CLI's handling, so it starts the CLI as a shell in a terminal would.
    """
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def _slow_kv(emulator, delay: float = 0.3) -> None:  # type: ignore[no-untyped-def]
    emulator.admin.inject_fault(kind="latency", delay=delay, count=None, path="/kv/")


def _wait_for(condition: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[str], sig: int) -> tuple[int, str]:
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def _rows(client: TerrateamClient, prefix: str) -> list[str]:
    return [r.key for r in client.kv.iter(prefix, prefix=True, committed=False, limit=100)]


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_signal_during_download_leaves_no_part_file(  # type: ignore[no-untyped-def]
    sig: int, code: int, emulator, client, env, tmp_path: Path
) -> None:
    client.kv.put_artifact("builds/app", PAYLOAD, chunk_size=1024)
    out = tmp_path / "out"
    out.mkdir()
    _slow_kv(emulator)
    proc = subprocess.Popen(
        [str(TERRATEAM), "kv", "cp", "kv://builds/app", str(out / "app.bin")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )
    _wait_for(lambda: any(out.iterdir()), "the download's .part file")
    returncode, err = _stop(proc, sig)
    assert returncode == code, err
    assert f"interrupted ({signal.Signals(sig).name})" in err
    assert list(out.iterdir()) == []  # no .part file, no half file


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_signal_during_push_leaves_no_uncommitted_chunks(  # type: ignore[no-untyped-def]
    sig: int, code: int, emulator, client, env, tmp_path: Path
) -> None:
    src = tmp_path / "app.bin"
    src.write_bytes(PAYLOAD)
    _slow_kv(emulator)
    proc = subprocess.Popen(
        [str(TERRATEAM), "artifact", "push", "builds/app", str(src), "--chunk-size", "1KiB"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )
    _wait_for(lambda: bool(_rows(client, "builds/app/.gen/")), "the first chunk")
    returncode, err = _stop(proc, sig)
    assert returncode == code, err
    emulator.admin.clear_faults()
    assert _rows(client, "builds/app") == []  # neither a manifest nor a chunk


def test_interrupted_ttm_upload_is_detected_by_download(  # type: ignore[no-untyped-def]
    emulator, client, env, tmp_path: Path
) -> None:
    """``kv cp FILE kv://KEY`` stopped half-way: the next ``kv cp kv://KEY FILE`` fails
    (exit 7) rather than writing a prefix with exit 0; a complete upload reads back."""
    big = os.urandom(60 * 102_400)  # 60 ttm chunks: six rounds of the CLI's 10 in flight
    src = tmp_path / "plan.bin"
    src.write_bytes(big)
    dest = tmp_path / "back.bin"
    # Long enough per call that the signal lands rounds before the last chunk: requests already
    # in flight still complete on the server after the CLI is gone.
    _slow_kv(emulator, delay=1.0)
    proc = subprocess.Popen(
        [str(TERRATEAM), "kv", "cp", str(src), "kv://plans/p1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )
    _wait_for(lambda: client.kv.count("plans/p1", committed=False).count > 0, "chunks")
    returncode, err = _stop(proc, signal.SIGTERM)
    assert returncode == 143, err
    emulator.admin.clear_faults()
    assert client.kv.count("plans/p1").count < 60  # a prefix really is stored

    down = subprocess.run(
        [str(TERRATEAM), "kv", "cp", "kv://plans/p1", str(dest)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert down.returncode == 7, down.stderr
    assert "interrupted" in down.stderr
    assert not dest.exists()

    # Uploading again clears the flag; the layout is ttm's (chunks idx 0..n-1, nothing else).
    up = subprocess.run(
        [str(TERRATEAM), "kv", "cp", str(src), "kv://plans/p1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert up.returncode == 0, up.stderr
    assert client.kv.count("plans/p1").max_idx == 59
    assert _rows(client, "plans/p1/") == []  # the flag is gone
    down = subprocess.run(
        [str(TERRATEAM), "kv", "cp", "kv://plans/p1", str(dest)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert down.returncode == 0, down.stderr
    assert dest.read_bytes() == big


def test_upload_that_never_wrote_a_chunk_is_detected(client, env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The window between ttm's delete and the first chunk: the key reads as missing, which
    ttm turns into an empty file with exit 0; with the flag set the download fails."""
    from terrateam_core._calls.artifacts_format import upload_marker, upload_marker_key

    client.kv.set(upload_marker_key("hist/x"), upload_marker())
    dest = tmp_path / "hist"
    down = subprocess.run(
        [str(TERRATEAM), "kv", "cp", "kv://hist/x", str(dest)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert down.returncode == 7, down.stderr
    assert not dest.exists()
    client.kv.delete(upload_marker_key("hist/x"))
    down = subprocess.run(
        [str(TERRATEAM), "kv", "cp", "kv://hist/x", str(dest)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert down.returncode == 0, down.stderr  # ttm's "missing key → empty file" is kept
    assert dest.read_bytes() == b""
