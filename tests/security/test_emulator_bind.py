"""Non-loopback binds: a one-line warning, and the developer API then needs the dev token.

Binding 0.0.0.0 for real would expose the test server to the network, so these tests run the
emulator and its clients inside a private network namespace (``unshare --net``) that has only
a loopback interface, with a second, non-loopback address (192.0.2.50) on it: a client that
connects to that address is "another machine" to the emulator. Needs root and util-linux's
``unshare`` (skipped otherwise).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

OTHER = "192.0.2.50"  # TEST-NET-1: never routed

DRIVER = textwrap.dedent(
    """
    import fcntl, json, socket, struct, subprocess, sys, time
    from pathlib import Path
    import httpx

    work, other, extra = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]

    # Set up the namespace's network with ioctls (no iproute2 needed): lo up, plus an alias
    # lo:1 carrying the non-loopback address.
    SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCSIFADDR, IFF_UP = 0x8913, 0x8914, 0x8916, 0x1
    def ifreq(name, data=b""):
        return struct.pack("16s24s", name.encode(), data)
    def up(s, name):
        flags = struct.unpack("H", fcntl.ioctl(s, SIOCGIFFLAGS, ifreq(name))[16:18])[0]
        fcntl.ioctl(s, SIOCSIFFLAGS, ifreq(name, struct.pack("H", flags | IFF_UP)))
    ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up(ctl, "lo")
    sin = struct.pack("HH4s8s", socket.AF_INET, 0, socket.inet_aton(other), b"")
    fcntl.ioctl(ctl, SIOCSIFADDR, ifreq("lo:1", sin))
    up(ctl, "lo:1")

    cmd = [sys.executable, "-m", "terrateam_emulator", "serve", "--host", "0.0.0.0",
           "--port", "0", "--port-file", str(work / "port"), "--seed", "demo", *extra]
    out, err = open(work / "out", "wb"), open(work / "err", "wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=err)
    result = {}
    try:
        deadline = time.monotonic() + 60
        while not ((work / "port").exists() and (work / "port").read_text().strip()):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        port = int((work / "port").read_text())
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        token_file = work / "devtoken"
        token = token_file.read_text().strip() if token_file.exists() else "none"
        def status(addr, path="/_emulator/info", **headers):
            return httpx.get(f"http://{addr}:{port}{path}", headers=headers, timeout=10).status_code
        result = {
            "remote_health": status(other, "/health"),
            "remote_forged_host": status(other, host=f"127.0.0.1:{port}"),
            "remote_with_token": status(other, **{"x-emulator-token": token}),
            "local": status("127.0.0.1"),
        }
    finally:
        proc.terminate()
        proc.wait(10)
    result["out"] = (work / "out").read_text()
    result["err"] = (work / "err").read_text()
    print(json.dumps(result))
    """
)


def _netns_ok() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--net", "--", "true"], capture_output=True)
    return probe.returncode == 0


needs_netns = pytest.mark.skipif(
    not _netns_ok(), reason="needs root and unshare --net (a private network namespace)"
)


def _run(tmp_path: Path, *extra: str) -> dict[str, Any]:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    cmd = ["unshare", "--net", "--", sys.executable, str(driver), str(tmp_path), OTHER, *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    result: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    return result


@needs_netns
def test_wildcard_bind_warns_and_guards_dev_api_with_token(tmp_path: Path) -> None:
    """--host 0.0.0.0: one warning line; remote clients need the token, forged Host or not."""
    res = _run(tmp_path, "--dev-token-file", str(tmp_path / "devtoken"))
    warnings = [line for line in res["err"].splitlines() if "warning" in line]
    assert len(warnings) == 1, res["err"]
    assert "--host 0.0.0.0 is not a loopback address" in warnings[0]
    assert "dev token" in warnings[0]
    assert "X-Emulator-Token" in warnings[0]
    assert res["remote_health"] == 200  # the Terrateam API itself is reachable, as asked
    assert res["remote_forged_host"] == 403  # a forged loopback Host is not enough
    assert res["remote_with_token"] == 200
    assert res["local"] == 200
    token = (tmp_path / "devtoken").read_text().strip()
    assert f"TERRATEAM_EMULATOR_DEV_TOKEN={token}" in res["out"]  # printed: it is needed


@needs_netns
def test_wildcard_bind_without_dev_api(tmp_path: Path) -> None:
    """--no-dev-api on a wildcard bind: the warning says the dev API is off; 404 everywhere."""
    res = _run(tmp_path, "--no-dev-api")
    warnings = [line for line in res["err"].splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert "--no-dev-api" in warnings[0]
    assert res["remote_with_token"] == 404
    assert res["local"] == 404
    assert "DEV_TOKEN" not in res["out"]


def test_loopback_bind_does_not_warn(tmp_path: Path) -> None:
    """127.0.0.1 (the default) prints no warning and no dev token."""
    from emulator_helpers import Serve

    with Serve(tmp_path, "--seed", "demo") as s:
        pass
    assert "warning" not in s.err()
    assert "DEV_TOKEN" not in s.out()
