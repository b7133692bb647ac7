"""Run the demo's resources through the engine stand-in (no Pulumi CLI needed).

Uses ``TERRATEAM_BASE_URL`` / ``TERRATEAM_API_KEY`` when both are set; otherwise starts a local
Terrateam emulator (seed ``demo``) on 127.0.0.1 and uses its demo user's dashboard-like key.
Walks the same lifecycle as ``pulumi up`` / ``pulumi up`` (no-op) / ``pulumi destroy``.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from resources import specs

from pulumi_terrateam.testing import Engine, EngineError


def _endpoint(stack: ExitStack) -> tuple[str, str]:
    url, key = os.environ.get("TERRATEAM_BASE_URL"), os.environ.get("TERRATEAM_API_KEY")
    if url and key:
        return url, key
    from terrateam_emulator import EmulatorSettings
    from terrateam_emulator.testing import EmulatorServer

    server = EmulatorServer(EmulatorSettings(seed="demo")).start()
    stack.callback(server.stop)
    print(f"started a Terrateam emulator at {server.url} (seed: demo)")
    return server.url, str(server.api_key)


def main() -> int:
    """Apply, re-apply (expect no changes) and destroy the demo resources."""
    installation_id = int(os.environ.get("TERRATEAM_INSTALLATION_ID", "12345"))
    with ExitStack() as stack:
        url, key = _endpoint(stack)
        config = {
            "terrateam:apiKey": key,
            "terrateam:baseUrl": url,
            "terrateam:installationId": str(installation_id),
        }
        engine = stack.enter_context(Engine(config=config, project="terrateam-demo"))
        states = []
        try:
            print("== up")
            for cls, name, inputs in specs(installation_id):
                state = engine.up(cls, name, inputs)
                states.append(state)
                shown = {
                    k: v
                    for k, v in state.outputs.items()
                    if k in ("token_id", "capabilities", "version", "sha256", "size")
                }
                print(f"  + {state.type}::{name} id={state.id} {shown}")
            print("== up again (no changes expected)")
            states = [
                engine.up(cls, name, inputs, state)
                for (cls, name, inputs), state in zip(specs(installation_id), states, strict=True)
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
