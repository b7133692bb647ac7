"""Token-expiry soak: mixed calls for minutes with a 3 s access-token lifetime (figures).

Several threads share one `TerrateamClient` (one API key) and loop over a mix of calls
(``whoami``, KV set/get/cas-update, access-token list, KV iter) against an emulator started
with ``token_ttl=3``. Reported: calls made, auth failures (any `AuthenticationError` or 403
that reached the caller: must be 0), refreshes counted by the server, and
``refreshes ÷ ideal`` where ideal = duration / TTL (one refresh per token lifetime; the
client renews a little ahead, and ``exp`` is truncated to the second, so ~1.3-1.6 is normal).

Usage: ``.venv/bin/python bench/soak_token.py [--seconds 300] [--ttl 3] [--threads 4]
[--db URL]`` (default in-memory SQLite). `tests/reliability/test_token_soak.py` runs 20 s.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from typing import Any

from terrateam_core import AuthenticationError, PermissionDeniedError, TerrateamClient
from terrateam_emulator.server.settings import EmulatorSettings
from terrateam_emulator.testing import EmulatorServer


def soak(
    url: str, api_key: str, admin: Any, *, seconds: float, ttl: float, threads: int
) -> dict[str, Any]:
    """Run the mixed-call loop; return the figures (see the module docstring)."""
    admin.reset_stats()
    calls = 0
    auth_failures: list[str] = []
    other_errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    client = TerrateamClient(api_key, base_url=url, installation_id=12345)

    def loop(n: int) -> None:
        nonlocal calls
        i = 0
        while time.monotonic() < stop:
            i += 1
            try:
                step = i % 6
                if step == 0:
                    client.whoami()
                elif step == 1:
                    client.kv.set(f"soak/{n}", {"i": i})
                elif step == 2:
                    client.kv.get(f"soak/{n}")
                elif step == 3:
                    client.kv.update("soak/shared", lambda d: {"n": (d or {}).get("n", 0) + 1},
                                     max_attempts=1000)  # fmt: skip
                elif step == 4:
                    client.access_tokens.list()
                else:
                    list(client.kv.iter("soak/", prefix=True, limit=10))
            except (AuthenticationError, PermissionDeniedError) as exc:
                with lock:
                    auth_failures.append(type(exc).__name__)
            except Exception as exc:
                with lock:
                    other_errors.append(type(exc).__name__)
            with lock:
                calls += 1

    started = time.monotonic()
    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    client.close()
    refreshes = int(admin.stats()["refreshes"])
    ideal = elapsed / ttl
    return {
        "seconds": round(elapsed, 1),
        "ttl": ttl,
        "threads": threads,
        "calls": calls,
        "auth_failures": len(auth_failures),
        "other_errors": len(other_errors),
        "refreshes": refreshes,
        "ideal_refreshes": round(ideal, 1),
        "refreshes_per_ideal": round(refreshes / ideal, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--ttl", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--db", default="sqlite://")
    args = parser.parse_args()
    server = EmulatorServer(EmulatorSettings(db_url=args.db, token_ttl=args.ttl, seed="demo"))
    server.start()
    try:
        assert server.api_key is not None
        out = soak(server.url, server.api_key, server.admin, seconds=args.seconds, ttl=args.ttl,
                   threads=args.threads)  # fmt: skip
    finally:
        server.stop()
    print(json.dumps({"backend": args.db.split(":")[0], **out}))


if __name__ == "__main__":
    main()
