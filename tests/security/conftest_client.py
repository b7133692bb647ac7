"""Helpers of the client-side security tests (imported, not a conftest: other engineers add
files here too): hostile HTTP servers on loopback, and a second local user.

``HostileServer`` accepts connections on 127.0.0.1 (ephemeral port) in a thread and misbehaves
in one of several ways. Every handler is bounded in time (``stop()`` or ``MAX_LIFE``), so a
test can never leave a thread behind for long.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest

MAX_LIFE = 60.0  # seconds a handler may live, whatever the test does
MODES = ("hang_before_headers", "hang_after_headers", "trickle", "trickle_headers", "garbage",
         "redirect")  # fmt: skip
SECOND_USER = "ttk-other"


class HostileServer:
    """A loopback HTTP "server" that reads each request, then misbehaves per ``mode``.

    * ``hang_before_headers``: never answers;
    * ``hang_after_headers``: sends a 200's headers (Content-Length 100), then nothing;
    * ``trickle``: sends the headers, then the body one byte every ``interval`` seconds;
    * ``trickle_headers``: sends the status line and headers one byte at a time;
    * ``garbage``: answers with bytes that are not HTTP, then closes;
    * ``redirect``: answers 307 to ``redirect_to`` (another server that records requests).
    """

    def __init__(self, mode: str, *, interval: float = 0.5, redirect_to: str = "") -> None:
        assert mode in MODES, mode
        self.mode = mode
        self.interval = interval
        self.redirect_to = redirect_to
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    # -- life cycle ----------------------------------------------------------------------

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Close every connection and join the threads (bounded)."""
        self._stop.set()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._acceptor.join(5)
        for thread in self._threads:
            thread.join(5)
        self._sock.close()

    # -- serving -------------------------------------------------------------------------

    def _accept(self) -> None:
        deadline = time.monotonic() + MAX_LIFE
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _read_request(self, conn: socket.socket) -> bytes:
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                need = int(value.strip())
                while len(body) < need:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
        return head + b"\r\n\r\n" + body

    def _wait(self, seconds: float) -> bool:
        """Sleep; False when the server is stopping."""
        return not self._stop.wait(seconds)

    def _serve(self, conn: socket.socket) -> None:
        try:
            request = self._read_request(conn)
            self.requests.append(request)
            head = (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            )
            if self.mode == "hang_before_headers":
                self._wait(MAX_LIFE)
            elif self.mode == "hang_after_headers":
                conn.sendall(head)
                self._wait(MAX_LIFE)
            elif self.mode == "trickle":
                conn.sendall(head)
                for _ in range(100):
                    if not self._wait(self.interval):
                        return
                    conn.sendall(b" ")
            elif self.mode == "trickle_headers":
                for byte in head:
                    if not self._wait(self.interval):
                        return
                    conn.sendall(bytes([byte]))
            elif self.mode == "garbage":
                conn.sendall(b"\x00\xffNOT HTTP AT ALL\r\n\r\n\x16\x03\x01garbage" * 4)
            elif self.mode == "redirect":
                conn.sendall(
                    b"HTTP/1.1 307 Temporary Redirect\r\nLocation: "
                    + self.redirect_to.encode()
                    + b"/api/v1/access-token/refresh\r\nContent-Length: 0\r\n\r\n"
                )
                self._wait(0.5)
        except OSError:
            pass
        finally:
            conn.close()


@contextmanager
def hostile(mode: str, **kwargs: object) -> Iterator[HostileServer]:
    """A ``HostileServer`` (and, for ``redirect``, the recording target it points at)."""
    if mode == "redirect":
        target = HostileServer("hang_before_headers")
        with target, HostileServer(mode, redirect_to=target.url, **kwargs) as server:  # type: ignore[arg-type]
            server.target = target  # type: ignore[attr-defined]
            yield server
    else:
        with HostileServer(mode, **kwargs) as server:  # type: ignore[arg-type]
            yield server


# -- a second local user ---------------------------------------------------------------------


def second_user() -> pwd.struct_passwd:
    """The unprivileged user ``SECOND_USER`` (created when missing); skips unless root."""
    if os.geteuid() != 0:
        pytest.skip("needs root (to act as a second local user)")
    if shutil.which("runuser") is None and shutil.which("setpriv") is None:
        pytest.skip("neither runuser nor setpriv is installed")
    try:
        return pwd.getpwnam(SECOND_USER)
    except KeyError:
        pass
    if shutil.which("useradd") is None:
        pytest.skip("useradd is not installed")
    subprocess.run(
        ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", SECOND_USER],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return pwd.getpwnam(SECOND_USER)


def as_user(user: pwd.struct_passwd, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` as ``user`` (runuser, else setpriv); fails the test if it fails."""
    if shutil.which("runuser"):
        cmd = ["runuser", "-u", user.pw_name, "--", *argv]
    else:
        cmd = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
               "--", *argv]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, (cmd, result.stdout, result.stderr)
    return result


# -- ansible-playbook runs -------------------------------------------------------------------


def ansible_harness():  # type: ignore[no-untyped-def]
    """tests/ansible/ansible_harness.py (not a package: loaded from its path)."""
    import importlib.util
    import sys
    from pathlib import Path

    if "ansible_harness" in sys.modules:
        return sys.modules["ansible_harness"]
    path = Path(__file__).resolve().parents[1] / "ansible" / "ansible_harness.py"
    spec = importlib.util.spec_from_file_location("ansible_harness", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ansible_harness"] = module
    spec.loader.exec_module(module)
    return module


def ansible_runner(tmp_path, env):  # type: ignore[no-untyped-def]
    """An ``Ansible`` runner (tests/ansible's harness) with the collection linked under tmp."""
    harness = ansible_harness()
    collections = harness.link_collection(tmp_path / "collections")
    work = tmp_path / "work"
    work.mkdir()
    return harness.Ansible(work, collections, env)


# -- a server with canned (or echoing) answers -----------------------------------------------


class CannedServer:
    """A loopback HTTP server answering every request with ``answer(method, path, body)``,
    which returns ``(status, body bytes)``."""

    def __init__(self, answer) -> None:  # type: ignore[no-untyped-def]
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = answer(self.command, self.path, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        del outer

    def __enter__(self) -> CannedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(5)
