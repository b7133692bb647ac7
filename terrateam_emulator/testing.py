"""Run the emulator on a real loopback socket from Python, and drive its developer API.

from terrateam_emulator.testing import EmulatorServer
server = EmulatorServer(EmulatorSettings(seed="demo")).start()
...  # server.url, server.api_key, server.admin.advance_clock(61)
server.stop()
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from terrateam_emulator.server.devguard import TOKEN_HEADER
from terrateam_emulator.server.settings import EmulatorSettings

__all__ = ["EmulatorAdmin", "EmulatorServer", "MintedKey"]


@dataclass(frozen=True)
class MintedKey:
    """An API key minted through the developer API (the token is kept out of the repr)."""

    id: str
    refresh_token: str = field(repr=False)
    user_id: str


class EmulatorAdmin:
    """Plain methods over ``/_emulator/`` of a running emulator."""

    def __init__(self, url: str, *, timeout: float = 30.0, token: str | None = None) -> None:
        """Bind to the emulator at ``url``.

        Args:
            url: its base URL.
            timeout: deadline of each call (seconds).
            token: the dev token (``serve --dev-token-file``), needed when ``url`` is not a
                loopback address.
        """
        self.url = url.rstrip("/")
        headers = {} if token is None else {TOKEN_HEADER: token}
        self._http = httpx.Client(base_url=self.url, timeout=timeout, headers=headers)

    def __repr__(self) -> str:
        return f"EmulatorAdmin({self.url!r})"

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        # Always JSON, even without a body: the developer API refuses other content types.
        content = b"" if body is None else json.dumps(body).encode()
        headers = {"content-type": "application/json"}
        r = self._http.request(method, "/_emulator" + path, content=content, headers=headers)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} /_emulator{path} → {r.status_code}: {r.text}")
        return r.json() if r.content else None

    def mint_api_key(
        self, name: str, capabilities: list[Any], user_id: str | None = None
    ) -> MintedKey:
        """Create an API key with any capabilities (system caps and ``installation_id`` too)."""
        body: dict[str, Any] = {"name": name, "capabilities": capabilities}
        if user_id is not None:
            body["user_id"] = user_id
        out = self._call("POST", "/api-keys", body)
        return MintedKey(out["id"], out["refresh_token"], out["user_id"])

    def create_user(
        self,
        username: str | None = None,
        *,
        vcs: list[str] | None = None,
        installations: list[int] | None = None,
    ) -> str:
        """Create a user (with accounts on ``vcs`` and memberships); return its id."""
        body: dict[str, Any] = {}
        if username is not None:
            body["username"] = username
        if vcs is not None:
            body["vcs"] = vcs
        if installations is not None:
            body["installations"] = installations
        return str(self._call("POST", "/users", body)["id"])

    def create_session(self, user_id: str | None = None) -> str:
        """Log a user in as the dashboard would; return the ``session`` cookie value."""
        body = {} if user_id is None else {"user_id": user_id}
        return str(self._call("POST", "/sessions", body)["cookie"])

    def advance_clock(self, seconds: float) -> float:
        """Move the emulator clock forward; return its new time."""
        return float(self._call("POST", "/clock/advance", {"seconds": seconds})["now"])

    def inject_fault(self, **kw: Any) -> int:
        """Add a fault (``kind``, ``status``, ``retry_after``, ``delay``, ``count``, ...)."""
        return int(self._call("POST", "/faults", kw)["id"])

    def clear_faults(self) -> None:
        """Remove every fault."""
        self._call("DELETE", "/faults")

    def run_token(self, wm_id: str) -> str:
        """Return the run token of a work manifest."""
        return str(self._call("GET", f"/work-manifests/{wm_id}/token")["token"])

    def create_work_manifest(self, **kw: Any) -> dict[str, Any]:
        """Create a work manifest (``installation_id``, ``repo``, ``run_type``, ...)."""
        out: dict[str, Any] = self._call("POST", "/work-manifests", kw)
        return out

    def set_work_manifest_state(self, wm_id: str, state: str) -> dict[str, Any]:
        """Move a work manifest to ``state``."""
        out: dict[str, Any] = self._call("POST", f"/work-manifests/{wm_id}/state", {"state": state})
        return out

    def schedule_run(self, wm_id: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
        """Move a work manifest through states on the emulator clock: ``steps`` are
        ``{"after_seconds", "state", "success"?, "dirspaces"?}`` from now."""
        out: dict[str, Any] = self._call("POST", f"/runs/{wm_id}/schedule", steps)
        return out

    def set_task_state(self, task_id: str, state: str) -> dict[str, Any]:
        """Move a task to ``state``."""
        out: dict[str, Any] = self._call("POST", f"/tasks/{task_id}/state", {"state": state})
        return out

    def stats(self) -> dict[str, Any]:
        """Return request counters since the last reset."""
        out: dict[str, Any] = self._call("GET", "/stats")
        return out

    def reset_stats(self) -> None:
        """Zero the request counters."""
        self._call("POST", "/stats/reset")

    def reset(self) -> None:
        """Empty the database and re-apply the seed; clear faults and stats."""
        self._call("POST", "/reset")

    def info(self) -> dict[str, Any]:
        """Return the demo key and ids (``GET /_emulator/info``)."""
        out: dict[str, Any] = self._call("GET", "/info")
        return out


class EmulatorServer:
    """uvicorn serving `create_app(settings)` in a thread, on 127.0.0.1 and a free port."""

    def __init__(
        self, settings: EmulatorSettings | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.settings = settings or EmulatorSettings()
        self.host = host
        self.port = port
        self.app: Any = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._admin: EmulatorAdmin | None = None

    def __repr__(self) -> str:
        return f"EmulatorServer(url={self.url if self._server else None!r})"

    def start(self) -> EmulatorServer:
        """Create the app, bind the socket, start serving; return ``self``."""
        import uvicorn

        from terrateam_emulator.server.app import create_app
        from terrateam_emulator.server.protocol import coalescing_h11_protocol

        self.app = create_app(self.settings)
        # proto=IPPROTO_TCP: asyncio only sets TCP_NODELAY on sockets that say they are TCP;
        # without it every response body waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            http=coalescing_h11_protocol(),
            server_header=False,
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_keep_alive=30,
            backlog=2048,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name="terrateam-emulator",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.app is not None:
            self.app.state.emulator.db.dispose()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:53211``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_key(self) -> str | None:
        """The demo user's API key (with ``seed="demo"``)."""
        return None if self.app is None else self.app.state.emulator.demo_api_key

    @property
    def admin(self) -> EmulatorAdmin:
        """An `EmulatorAdmin` bound to this server."""
        if self._admin is None:
            self._admin = EmulatorAdmin(self.url, token=self.settings.dev_token)
        return self._admin
