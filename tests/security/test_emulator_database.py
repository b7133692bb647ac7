"""Where the emulator keeps data (issue 11): empty and in memory by default, persistent only
with --db, announced at start; database problems end in one line naming --db and the fix."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
from emulator_helpers import KV, Serve, bearer, refresh, run_serve


def _key(s: Serve) -> str:
    return s.out().split("TERRATEAM_API_KEY=")[1].split()[0]


def test_default_is_empty_and_in_memory(tmp_path: Path) -> None:
    """No --db: nothing written under HOME/XDG dirs, the banner says so, a restart is empty."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    work1, work2 = tmp_path / "a", tmp_path / "b"
    work1.mkdir()
    work2.mkdir()
    with Serve(work1, "--seed", "demo", env=env) as s:
        token = refresh(s.url, _key(s))
        assert (
            httpx.put(s.url + KV + "/key/x", json={"data": 1}, headers=bearer(token)).status_code
            == 200
        )
        assert httpx.get(s.url + KV + "/key/x", headers=bearer(token)).status_code == 200
    assert "database: in memory" in s.out()
    with Serve(work2, "--seed", "demo", env=env) as s2:
        r = httpx.get(s2.url + KV + "/key/x", headers=bearer(refresh(s2.url, _key(s2))))
        assert r.status_code == 404  # the first run's data is gone
    assert list(home.rglob("*")) == []


def test_db_path_persists_and_is_announced(tmp_path: Path) -> None:
    """--db PATH (a plain path) keeps data across restarts and prints where."""
    db = tmp_path / "keep.db"
    with Serve(tmp_path, "--db", str(db), "--seed", "demo") as s:
        token = refresh(s.url, _key(s))
        httpx.put(s.url + KV + "/key/x", json={"data": 7}, headers=bearer(token))
    assert f"database: {db} (SQLite, persistent" in s.out()
    with Serve(tmp_path, "--db", str(db), "--seed", "demo") as s2:
        r = httpx.get(s2.url + KV + "/key/x", headers=bearer(refresh(s2.url, _key(s2))))
        assert r.json()["data"] == 7


def _one_line_error(r: object, *needles: str) -> str:
    rc, err = r.returncode, r.stderr  # type: ignore[attr-defined]
    assert rc == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_missing_directory_is_one_line(tmp_path: Path) -> None:
    """--db sqlite:///missing/dir/x.db: one line naming --db and how to fix it."""
    missing = tmp_path / "missing" / "dir"
    for value in (f"sqlite:///{missing}/x.db", f"{missing}/x.db"):
        line = _one_line_error(run_serve("--db", value), "--db", str(missing), "mkdir -p")
        assert line.startswith("terrateam-emulator: ")
    assert not (tmp_path / "missing").exists()  # nothing created behind the user's back


def test_unreachable_postgresql_is_one_line() -> None:
    """A PostgreSQL URL nobody answers: one line, host:port and the fix, no traceback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free now, and nothing listens after the close
    url = f"postgresql+psycopg://nobody:hunter2@127.0.0.1:{port}/x"
    line = _one_line_error(run_serve("--db", url), "--db", f"127.0.0.1:{port}", "start the server")
    assert "hunter2" not in line  # the password is not echoed


def test_bad_url_is_one_line() -> None:
    """An unknown scheme: one line saying what --db accepts."""
    _one_line_error(run_serve("--db", "postgres://u@127.0.0.1/x"), "--db", "sqlite:///PATH")


def test_workers_need_postgresql() -> None:
    """--workers 2 on the default in-memory database (or SQLite): a clear error."""
    line = _one_line_error(run_serve("--workers", "2"), "--workers", "PostgreSQL", "in-memory")
    assert "--db" in line
    _one_line_error(run_serve("--workers", "2", "--db", "sqlite:///x.db"), "--workers")


def test_db_values_map_to_urls(tmp_path: Path) -> None:
    """A plain path becomes an absolute sqlite:/// URL; URLs pass; :memory: and none are memory."""
    from terrateam_emulator.__main__ import db_url_of

    assert db_url_of(None) == db_url_of(":memory:") == "sqlite://"
    assert db_url_of(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    url = "postgresql+psycopg://u@127.0.0.1/d"
    assert db_url_of(url) == url


def test_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    """--db pointing at some other file: one line, not a traceback."""
    other = tmp_path / "notes.txt"
    other.write_text("not a database\n" * 100)
    _one_line_error(run_serve("--db", str(other)), "--db", "not a database")
