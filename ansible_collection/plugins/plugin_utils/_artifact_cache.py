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

import fcntl
import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile

_PREFIX = "run-"


def cache_root():
    """The user's private cache directory (mode 0700)."""
    root = os.path.join(tempfile.gettempdir(), "terrateam-ansible-%d" % os.getuid())
    os.makedirs(root, mode=0o700, exist_ok=True)
    if os.stat(root).st_uid != os.getuid():
        raise OSError("%s is not owned by the current user" % root)
    os.chmod(root, 0o700)
    return root


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
                shutil.rmtree(os.path.join(root, name), ignore_errors=True)
        except ValueError:
            continue
    path = os.path.join(root, mine)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def entry_name(*parts):
    """A file name for the cache entry of these identifying parts (credentials are hashed)."""
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode("utf-8")).hexdigest()


def sha256_file(path):
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_once(directory, name, download):
    """Return ``(path, info, downloaded)`` for a cache entry, calling ``download(path)`` once.

    ``download`` writes the file and returns its manifest as a dict with ``sha256``; the file is
    checked against that checksum before it is published to the other workers.
    """
    data = os.path.join(directory, name + ".data")
    meta = os.path.join(directory, name + ".json")
    with open(os.path.join(directory, name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if os.path.exists(meta):
                with open(meta) as handle:
                    return data, json.load(handle), False
            partial = data + ".part"
            info = download(partial)
            if info.get("sha256") and sha256_file(partial) != info["sha256"]:
                os.unlink(partial)
                raise ValueError("the downloaded artifact does not match its sha256")
            os.replace(partial, data)
            with open(meta + ".part", "w") as handle:
                json.dump(info, handle)
            os.replace(meta + ".part", meta)
            return data, info, True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
