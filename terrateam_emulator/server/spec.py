"""The upstream OpenAPI spec with our overlay (`spec_overlay.json`) applied, for validation.

The upstream spec (``api_schemas/terrat/api.json`` in terrateamio/terrateam) is not vendored:
callers pass the path of a local copy.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["inline_refs", "load_overlay", "load_patched_spec", "response_schema"]


def load_overlay() -> dict[str, Any]:
    """Return the overlay document shipped with the emulator."""
    text = (
        resources.files("terrateam_emulator.server")
        .joinpath("spec_overlay.json")
        .read_text("utf-8")
    )
    overlay: dict[str, Any] = json.loads(text)
    return overlay


def _set_pointer(doc: Any, pointer: str, value: Any) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
    for part in parts[:-1]:
        doc = doc[part]
    doc[parts[-1]] = value


def load_patched_spec(path: str | Path) -> dict[str, Any]:
    """Read the upstream spec at ``path`` and apply the overlay."""
    spec: dict[str, Any] = json.loads(Path(path).read_text("utf-8"))
    for patch in load_overlay()["patches"]:
        _set_pointer(spec, patch["path"], copy.deepcopy(patch["value"]))
    for template, item in spec["paths"].items():
        if template.startswith("/api/v1/{vcs}/kv/"):
            for op in item.values():
                for param in op.get("parameters", []) if isinstance(op, dict) else []:
                    if param.get("name") == "installation_id" and param.get("in") == "path":
                        param["schema"] = {"type": "integer"}
    return spec


def inline_refs(spec: dict[str, Any], node: Any) -> Any:
    """Return ``node`` with every ``#/components/...`` ``$ref`` replaced by its target."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = spec
            for part in ref[2:].split("/"):
                target = target[part]
            return inline_refs(spec, target)
        return {k: inline_refs(spec, v) for k, v in node.items()}
    if isinstance(node, list):
        return [inline_refs(spec, v) for v in node]
    return node


def response_schema(
    spec: dict[str, Any], method: str, template: str, status: int = 200
) -> dict[str, Any] | None:
    """Return the JSON schema of a documented response body (refs inlined), or None."""
    op = spec["paths"][template][method.lower()]
    content = op["responses"].get(str(status), {}).get("content", {})
    media = content.get("application/json")
    if media is None or "schema" not in media:
        return None
    schema: dict[str, Any] = inline_refs(spec, media["schema"])
    return schema
