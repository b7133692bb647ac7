"""The engine stand-in's data: resource state, errors and the wire encoding of properties."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc

__all__ = ["PROVIDER_KEY", "UNKNOWN", "EngineError", "ResourceState", "from_struct", "to_struct"]

PROVIDER_KEY = "__provider"
#: The wire sentinel for a value not known during preview.
UNKNOWN = rpc.UNKNOWN
PROVIDER_KEY = "__provider"


class EngineError(Exception):
    """A provider call failed; ``message`` is the provider's exception line, as users see it.

    Attributes:
        operation: the gRPC method (``Create``, ``Diff``, ...).
        resource: the resource name.
        message: the last line of the provider's traceback (exception type and message).
        details: the full gRPC error details (the provider's traceback).
        failures: ``(property, reason)`` pairs when ``Check`` rejected the inputs.
    """

    def __init__(
        self,
        operation: str,
        resource: str,
        message: str,
        details: str = "",
        failures: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(f"{operation} {resource}: {message}")
        self.operation = operation
        self.resource = resource
        self.message = message
        self.details = details
        self.failures = failures or []


@dataclass
class ResourceState:
    """What the engine keeps for one resource: id, checked inputs and outputs.

    ``op`` is the last step applied (``create``, ``same``, ``update``, ``replace``,
    ``replace(dbr)``, ``refresh``).
    """

    type: str
    name: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    secret_outputs: tuple[str, ...] = ()
    op: str = ""
    resource: Any = field(default=None, repr=False)

    def __repr__(self) -> str:
        def mask(values: dict[str, Any]) -> dict[str, Any]:
            return {
                k: ("[secret]" if k in self.secret_outputs or k == "connection" else v)
                for k, v in values.items()
                if k != PROVIDER_KEY
            }

        return (
            f"ResourceState(type={self.type!r}, name={self.name!r}, id={self.id!r}, "
            f"op={self.op!r}, inputs={mask(self.inputs)!r}, outputs={mask(self.outputs)!r})"
        )


def _to_wire(value: Any) -> Any:
    """Encode assets like the SDK does; drop ``None`` map values like the engine does."""
    if hasattr(value, "path") and type(value).__name__ == "FileAsset":
        return {rpc._special_sig_key: rpc._special_asset_sig, "path": value.path}
    if hasattr(value, "text") and type(value).__name__ == "StringAsset":
        return {rpc._special_sig_key: rpc._special_asset_sig, "text": value.text}
    if isinstance(value, dict):
        return {k: _to_wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_to_wire(v) for v in value]
    return value


def to_struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(_to_wire(values))
    return struct


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(json_format.MessageToDict(struct))
