# -*- coding: utf-8 -*-
# Copyright: terrateam-toolkit contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from ansible_collections.terrateam.api.plugins.plugin_utils import _artifact_cache as cache

PAYLOAD = b"artifact bytes" * 1000


def _downloader(calls, payload=PAYLOAD, digest=None):
    def download(path):
        calls.append(path)
        with open(path, "wb") as handle:
            handle.write(payload)
        return {"key": "k", "sha256": digest or hashlib.sha256(payload).hexdigest()}
    return download


def test_fetch_once_downloads_only_the_first_time(tmp_path):
    """The second caller gets the verified cached file without downloading."""
    calls = []
    first = cache.fetch_once(str(tmp_path), "entry", _downloader(calls))
    second = cache.fetch_once(str(tmp_path), "entry", _downloader(calls))
    assert len(calls) == 1
    assert first[2] is True and second[2] is False
    assert first[0] == second[0]
    with open(second[0], "rb") as handle:
        assert handle.read() == PAYLOAD
    assert second[1]["sha256"] == hashlib.sha256(PAYLOAD).hexdigest()


def test_fetch_once_rejects_a_checksum_mismatch(tmp_path):
    """A download that does not match its manifest's sha256 is never published."""
    with pytest.raises(ValueError, match="sha256"):
        cache.fetch_once(str(tmp_path), "entry", _downloader([], digest="0" * 64))
    assert not [n for n in os.listdir(str(tmp_path)) if not n.endswith(".lock")]


def test_run_dir_removes_directories_of_finished_runs(tmp_path):
    """Cache directories of runs whose process is gone are cleaned up; live ones are kept."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / ("run-%d-0" % dead.pid)
    stale.mkdir()
    mine = cache.run_dir(str(tmp_path))
    assert os.path.isdir(mine)
    assert not stale.exists()
    assert cache.run_dir(str(tmp_path)) == mine


def test_entry_names_hash_credentials():
    """Cache file names never contain the identifying parts (the API key among them)."""
    name = cache.entry_name("http://x", "github", 1, "secret-api-key", "plans/a")
    assert "secret" not in name and len(name) == 64
    assert name != cache.entry_name("http://x", "github", 1, "other-key", "plans/a")
