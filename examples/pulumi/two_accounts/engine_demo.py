"""Run the two-account demo through the engine stand-in (no Pulumi CLI needed).

Starts a local Terrateam emulator (seed ``demo``), creates a second user who belongs only to
the GitLab installation 678 and mints its API key, then applies the resources: the "main" ones
with the stack configuration, the "ops" ones with a ``connection`` input — all through one
provider server process. Then ``up`` again (no changes) and destroy.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from resources import specs

from pulumi_terrateam.testing import Engine, EngineError

OPS_VCS, OPS_INSTALLATION = "gitlab", 678


def start_emulator(stack: ExitStack) -> Any:
    """A demo emulator on 127.0.0.1 (stopped when ``stack`` closes)."""
    from terrateam_emulator import EmulatorSettings
    from terrateam_emulator.testing import EmulatorServer

    server = EmulatorServer(EmulatorSettings(seed="demo")).start()
    stack.callback(server.stop)
    return server


def ops_connection(server: Any) -> dict[str, Any]:
    """Create the second account on the emulator; return its ``connection`` input."""
    user = server.admin.create_user("ops", vcs=[OPS_VCS], installations=[OPS_INSTALLATION])
    key = server.admin.mint_api_key(
        "ops", ["kv_store_read", "kv_store_write", {"name": "vcs", "vcs": OPS_VCS}], user
    )
    return {
        "base_url": server.url,
        "api_key": key.refresh_token,
        "vcs": OPS_VCS,
        "installation_id": OPS_INSTALLATION,
    }


def main() -> int:
    """Apply, re-apply (expect no changes) and destroy the two accounts' resources."""
    with ExitStack() as stack:
        server = start_emulator(stack)
        print(f"started a Terrateam emulator at {server.url} (seed: demo)")
        ops = ops_connection(server)
        config = {
            "terrateam:apiKey": str(server.api_key),
            "terrateam:baseUrl": server.url,
            "terrateam:installationId": "12345",
        }
        engine = stack.enter_context(Engine(config=config, project="terrateam-two-accounts"))
        plan = [
            (cls, name, {**inputs, **({"connection": ops} if account == "ops" else {})})
            for cls, name, inputs, account in specs()
        ]
        states = []
        try:
            print("== up")
            for cls, name, inputs in plan:
                state = engine.up(cls, name, inputs)
                states.append(state)
                print(f"  + {name} id={state.id} version={state.outputs['version']}")
            print("== up again (no changes expected)")
            states = [
                engine.up(cls, name, inputs, state)
                for (cls, name, inputs), state in zip(plan, states, strict=True)
            ]
            for state in states:
                print(f"  {state.op:>6} {state.name}")
        except EngineError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            print("== destroy")
            for state in reversed(states):
                engine.destroy(state)
                print(f"  - {state.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
