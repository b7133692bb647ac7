# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
#
# FOR INTERNAL COLLECTION USE ONLY: this file may change in any release.

"""A per-run controller cache of downloaded artifacts, shared by Ansible's worker processes.

Ansible runs each host's task in a forked worker, so an in-memory cache would download once
per host. The cache lives in a private directory named after the ansible-playbook process (the
workers' parent): the first worker to need an artifact downloads it under a file lock and the
others reuse the verified file. Directories of runs that have ended are removed at the next use.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import multiprocessing
import os
import shutil
import stat
import tempfile

_PREFIX = "run-"
# Never follow a link planted by someone else; never block on a FIFO planted in its place.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW


class UnsafeCacheError(OSError):
    """The cache path is not a private directory of the current user (another local user may
    have created it); the message names the path, the reason and the fix."""


def _unsafe(path, why):
    return UnsafeCacheError(
        "the artifact cache directory %s %s: another local user may have created it to read "
        "or redirect this play's files; remove it, or set TMPDIR to a directory only you can "
        "write" % (path, why)
    )


def private_dir(path):
    """Create ``path`` (mode 0700) or check that it is a real directory owned by this user and
    closed to others; links are never followed (lstat and O_NOFOLLOW, not stat)."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise _unsafe(path, "is a symbolic link")
    if not stat.S_ISDIR(st.st_mode):
        raise _unsafe(path, "is not a directory")
    if st.st_uid != os.getuid():
        raise _unsafe(path, "belongs to uid %d, not to the current user (uid %d)"
                      % (st.st_uid, os.getuid()))  # fmt: skip
    if st.st_mode & 0o022:
        raise _unsafe(path, "is writable by other users (mode %o)" % (st.st_mode & 0o777))
    if st.st_mode & 0o077:
        # Ours and not writable by others, only readable: close it, through a descriptor of
        # this very directory (a path could be swapped for a link between check and chmod).
        fd = os.open(path, _DIR_FLAGS)
        try:
            again = os.fstat(fd)
            if (again.st_dev, again.st_ino) != (st.st_dev, st.st_ino):
                raise _unsafe(path, "changed while it was checked")
            os.fchmod(fd, 0o700)
        finally:
            os.close(fd)
    return path


def cache_root():
    """The user's private cache directory (mode 0700) in the temporary directory."""
    return private_dir(os.path.join(tempfile.gettempdir(), "terrateam-ansible-%d" % os.getuid()))


def _run_pid():
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None and parent.pid else os.getpid()


def _started(pid):
    """The start time of a process (to tell a reused pid apart), or '0' when unknown."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "0"


def _alive(pid, started):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _started(pid) == started


def run_dir(root=None):
    """This run's cache directory; also removes the directories of finished runs."""
    root = root or cache_root()
    pid = _run_pid()
    mine = "%s%d-%s" % (_PREFIX, pid, _started(pid))
    for name in os.listdir(root):
        if name == mine or not name.startswith(_PREFIX):
            continue
        try:
            other_pid, other_started = name[len(_PREFIX):].split("-", 1)
            if not _alive(int(other_pid), other_started):
                _remove_own_dir(os.path.join(root, name))
        except ValueError:
            continue
    return private_dir(os.path.join(root, mine))


def _remove_own_dir(path):
    """Remove a finished run's directory, only if it is a real directory of ours (rmtree never
    enters a link, and is never called on one)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid():
        shutil.rmtree(path, ignore_errors=True)


def entry_name(*parts):
    """A file name for the cache entry of these identifying parts (credentials are hashed)."""
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode("utf-8")).hexdigest()


def sha256_file(path):
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_RDONLY | _NOFOLLOW), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open_private(path, flags):
    """Open a cache file without following links; created files are 0600."""
    return os.open(path, flags | _NOFOLLOW, 0o600)


def fetch_once(directory, name, download):
    """Return ``(path, info, downloaded)`` for a cache entry, calling ``download(path)`` once.

    ``download`` writes the file and returns its manifest as a dict with ``sha256``; the file is
    checked against that checksum before it is published to the other workers.
    """
    private_dir(directory)
    data = os.path.join(directory, name + ".data")
    meta = os.path.join(directory, name + ".json")
    lock = _open_private(os.path.join(directory, name + ".lock"), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            fd = _open_private(meta, os.O_RDONLY)
        except FileNotFoundError:
            pass
        else:
            with os.fdopen(fd) as handle:
                return data, json.load(handle), False
        partial = data + ".part"
        info = download(partial)
        try:
            _make_private(partial)
            if info.get("sha256") and sha256_file(partial) != info["sha256"]:
                raise ValueError("the downloaded artifact does not match its sha256")
        except BaseException:
            _unlink(partial)
            raise
        os.replace(partial, data)
        _unlink(meta + ".part")
        fd = _open_private(meta + ".part", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        with os.fdopen(fd, "w") as handle:
            json.dump(info, handle)
        os.replace(meta + ".part", meta)
        return data, info, True
    finally:
        os.close(lock)  # releases the flock too


def _make_private(path):
    fd = _open_private(path, os.O_RDONLY)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
