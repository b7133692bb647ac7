"""The kv_artifact controller cache cannot be hijacked by another local user (issue 16).

The cache root lives in the shared temporary directory. Another user used to be able to
pre-create it as a link to a directory of the victim's: the owner check used ``stat`` (it
followed the link), and a root play then chmodded the link's target and ``rmtree``d inside it.
Here a real second local user (``runuser``/``setpriv``) plants the hostile paths.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from conftest_client import ansible_runner, as_user, second_user

CACHE_PY = (
    Path(__file__).resolve().parents[2]
    / "ansible_collection/plugins/plugin_utils/_artifact_cache.py"
)


@pytest.fixture(scope="module")
def cache() -> ModuleType:
    """The plugin_utils module, loaded from its file (it needs nothing but the stdlib)."""
    spec = importlib.util.spec_from_file_location("terrateam_artifact_cache", CACHE_PY)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def shared_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A sticky, world-writable directory like /tmp, used as this process's TMPDIR
    (``tmp_path`` first: pytest's own temporary directories must not land in it)."""
    path = Path(tempfile.mkdtemp(prefix="tt-shared-", dir="/tmp"))
    path.chmod(0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)  # removes links, never enters them


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A directory of ours an attacker would like us to chmod or empty."""
    target = tmp_path / "victim"
    (target / "run-999999-0").mkdir(parents=True)  # looks like a finished run's directory
    (target / "run-999999-0" / "precious").write_text("keep me")
    (target / "precious").write_text("keep me too")
    target.chmod(0o755)
    return target


def _intact(victim: Path) -> None:
    assert stat.S_IMODE(victim.stat().st_mode) == 0o755
    assert (victim / "precious").read_text() == "keep me too"
    assert (victim / "run-999999-0" / "precious").read_text() == "keep me"


def _root_name() -> str:
    return f"terrateam-ansible-{os.getuid()}"


def test_planted_symlink_is_refused(cache: ModuleType, shared_tmp: Path, victim: Path) -> None:
    user = second_user()
    victim.parent.chmod(0o755)  # let the other user name it (it still cannot write there)
    as_user(user, "ln", "-s", str(victim), str(shared_tmp / _root_name()))
    with pytest.raises(cache.UnsafeCacheError, match="symbolic link") as info:
        cache.run_dir()
    assert str(shared_tmp / _root_name()) in str(info.value)
    assert "TMPDIR" in str(info.value)
    _intact(victim)


def test_planted_directory_of_another_user_is_refused(cache: ModuleType, shared_tmp: Path) -> None:
    user = second_user()
    planted = shared_tmp / _root_name()
    as_user(user, "mkdir", "-m", "0777", str(planted))
    with pytest.raises(cache.UnsafeCacheError, match=f"belongs to uid {user.pw_uid}"):
        cache.run_dir()
    st = planted.lstat()
    assert st.st_uid == user.pw_uid
    assert stat.S_IMODE(st.st_mode) == 0o777
    assert list(planted.iterdir()) == []  # nothing written into it


def test_own_directory_writable_by_others_is_refused(cache: ModuleType, shared_tmp: Path) -> None:
    root = shared_tmp / _root_name()
    root.mkdir()
    root.chmod(0o777)
    with pytest.raises(cache.UnsafeCacheError, match="writable by other users"):
        cache.cache_root()


def test_cache_is_private_and_unreadable_by_another_user(
    cache: ModuleType, shared_tmp: Path
) -> None:
    user = second_user()
    directory = cache.run_dir()
    path, info, downloaded = cache.fetch_once(directory, "entry", _download(b"secret bytes"))
    assert downloaded
    assert info["sha256"]
    for d in (Path(directory).parent, Path(directory)):
        assert stat.S_IMODE(d.lstat().st_mode) == 0o700
    for f in Path(directory).iterdir():
        assert stat.S_IMODE(f.lstat().st_mode) == 0o600, f
    import subprocess

    proc = subprocess.run(
        ["runuser", "-u", user.pw_name, "--", "cat", path], capture_output=True, timeout=30
    )
    assert proc.returncode != 0
    assert b"secret" not in proc.stdout


def test_cleanup_never_follows_a_link(cache: ModuleType, tmp_path: Path, victim: Path) -> None:
    """A finished run's entry that is a link (planted while the root was open) is not emptied."""
    root = tmp_path / "root"
    root.mkdir(mode=0o700)
    (root / "run-999998-0").symlink_to(victim / "run-999999-0")
    cache.run_dir(str(root))
    _intact(victim)


def test_this_runs_entry_as_a_link_is_refused(cache: ModuleType, tmp_path: Path, victim: Path):  # type: ignore[no-untyped-def]
    root = tmp_path / "root"
    root.mkdir(mode=0o700)
    mine = Path(cache.run_dir(str(root)))
    mine.rmdir()
    mine.symlink_to(victim)
    with pytest.raises(cache.UnsafeCacheError, match="symbolic link"):
        cache.run_dir(str(root))
    _intact(victim)


def test_cached_meta_link_is_not_followed(cache: ModuleType, tmp_path: Path) -> None:
    """Cache files are opened with O_NOFOLLOW: a link in place of one fails, never reads
    or writes through it."""
    directory = tmp_path / "run"
    directory.mkdir(mode=0o700)
    outside = tmp_path / "outside.json"
    outside.write_text('{"sha256": ""}')
    (directory / "entry.json").symlink_to(outside)
    with pytest.raises(OSError, match=r"entry\.json"):
        cache.fetch_once(str(directory), "entry", _download(b"x"))
    assert outside.read_text() == '{"sha256": ""}'


def _download(payload: bytes):  # type: ignore[no-untyped-def]
    import hashlib

    def download(path: str) -> dict[str, str]:
        Path(path).write_bytes(payload)
        os.chmod(path, 0o644)  # what a umask-0022 download leaves: the cache tightens it
        return {"sha256": hashlib.sha256(payload).hexdigest()}

    return download


@pytest.mark.ansible
def test_playbook_fails_clearly_on_a_planted_link(shared_tmp: Path, victim: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real kv_artifact fetch as root with the other user's link in place: a one-line
    failure naming the path; the link's target is neither chmodded nor emptied."""
    user = second_user()
    victim.parent.chmod(0o755)
    as_user(user, "ln", "-s", str(victim), str(shared_tmp / _root_name()))
    ansible = ansible_runner(
        tmp_path,
        {
            "TERRATEAM_BASE_URL": "http://127.0.0.1:9",
            "TERRATEAM_API_KEY": "unused-key-0123456789",
            "TERRATEAM_INSTALLATION_ID": "1",
            "TMPDIR": str(shared_tmp),
        },
    )
    save = __import__("ansible_harness").save
    tasks = """\
        - terrateam.api.kv_artifact: {key: builds/app, dest: "{{ out_file }}.bin"}
          register: fetch
          ignore_errors: true
        """ + save("fetch")
    run = ansible.play(tasks, check=False)
    fetch = run.results["fetch"]
    assert fetch["failed"] is True
    assert "symbolic link" in fetch["msg"]
    assert _root_name() in fetch["msg"]
    assert "Traceback" not in run.output
    _intact(victim)
