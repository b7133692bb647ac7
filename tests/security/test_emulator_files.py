"""Emulator files are private to their user (issue 16 item 4): the SQLite database and its
journal files 0600, the port/key/token files 0600 and never written through a symlink."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from emulator_helpers import KV, Serve, as_user, bearer, ensure_other_user, refresh


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A world-traversable directory (0755) outside pytest's private 0700 tree, as a data
    directory usually is; so only the files' own modes protect them."""
    path = Path(tempfile.mkdtemp(prefix="ttemu-files-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_database_and_journal_files_are_0600(shared_dir: Path) -> None:
    """The database, -wal and -shm exist after a write, all 0600, also with umask 022."""
    db = shared_dir / "emu.db"
    old = os.umask(0o022)
    try:
        with Serve(shared_dir, "--db", str(db), "--seed", "demo") as s:
            key = s.out().split("TERRATEAM_API_KEY=")[1].split()[0]
            r = httpx.put(
                s.url + KV + "/key/k", json={"data": 1}, headers=bearer(refresh(s.url, key))
            )
            assert r.status_code == 200
            files = {p.name: _mode(p) for p in shared_dir.glob("emu.db*")}
    finally:
        os.umask(old)
    assert {"emu.db", "emu.db-wal", "emu.db-shm"} <= set(files), files
    assert set(files.values()) == {0o600}, files
    assert f"database: {db}" in s.out()


def test_another_user_cannot_read_the_database(shared_dir: Path) -> None:
    """A second local user can list the directory but cannot read the database (signing key,
    secret KV values) nor its WAL."""
    user = ensure_other_user()
    db = shared_dir / "emu.db"
    with Serve(shared_dir, "--db", str(db), "--seed", "demo") as s:
        key = s.out().split("TERRATEAM_API_KEY=")[1].split()[0]
        token = refresh(s.url, key)
        httpx.put(s.url + KV + "/key/secret", json={"data": "s3cr3t"}, headers=bearer(token))
        listing = as_user(user, "ls", str(shared_dir))
        assert listing.returncode == 0, listing.stderr  # the directory is open to them...
        assert "emu.db" in listing.stdout
        for name in ("emu.db", "emu.db-wal", "emu.db-shm"):
            r = as_user(user, "cat", str(shared_dir / name))
            assert r.returncode != 0  # ...the files are not
            assert "Permission denied" in r.stderr
            assert "s3cr3t" not in r.stdout


def test_existing_world_readable_database_is_tightened(shared_dir: Path) -> None:
    """A database left 0644 by an older version is made 0600 at start."""
    db = shared_dir / "old.db"
    sqlite3.connect(db).close()
    db.chmod(0o644)
    with Serve(shared_dir, "--db", f"sqlite:///{db}"):
        assert _mode(db) == 0o600


def test_flag_files_are_0600(tmp_path: Path) -> None:
    """--port-file, --api-key-file and --dev-token-file: 0600 whatever the umask."""
    old = os.umask(0o000)
    try:
        with Serve(
            tmp_path,
            "--seed",
            "demo",
            "--api-key-file",
            str(tmp_path / "key"),
            "--dev-token-file",
            str(tmp_path / "tok"),
        ):
            modes = {n: _mode(tmp_path / n) for n in ("port", "key", "tok")}
    finally:
        os.umask(old)
    assert modes == {"port": 0o600, "key": 0o600, "tok": 0o600}


@pytest.mark.parametrize("flag", ["--api-key-file", "--dev-token-file"])
def test_key_files_do_not_follow_symlinks(tmp_path: Path, flag: str) -> None:
    """A symlink planted at the path is replaced by a private file; its target is untouched."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    victim.chmod(0o644)
    planted = tmp_path / "planted"
    planted.symlink_to(victim)
    work = tmp_path / "w"
    work.mkdir()
    with Serve(work, "--seed", "demo", flag, str(planted)):
        pass
    assert victim.read_text() == "precious\n"
    assert _mode(victim) == 0o644
    assert not planted.is_symlink()
    assert _mode(planted) == 0o600
    assert planted.read_text().strip()


def test_port_file_does_not_follow_symlinks(tmp_path: Path) -> None:
    """The same for --port-file (Serve's own port file is that flag)."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    work = tmp_path / "w"
    work.mkdir()
    (work / "port").symlink_to(victim)
    with Serve(work, "--seed", "demo", port_file=work / "port") as s:
        assert s.port > 0
    assert victim.read_text() == "precious\n"
    assert not (work / "port").is_symlink()
    assert _mode(work / "port") == 0o600
