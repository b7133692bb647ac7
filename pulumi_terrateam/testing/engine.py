"""A stand-in for the Pulumi engine: drives ``python -m pulumi.dynamic`` over gRPC.

It starts the real dynamic-provider server of the installed Pulumi SDK as a child process
and sends what the engine sends (pulumi 3.272, see ``docs/pulumi.md``): ``Configure`` first,
then ``Check(olds=old inputs, news)`` → ``Diff(olds=old outputs, news=checked inputs)`` →
``Create`` / ``Update`` / replace (create-before-delete unless ``deleteBeforeReplace``) /
``Delete``, and ``Read(properties=old outputs, inputs=old inputs)`` for refresh (an empty id
means the resource is gone). State is kept in memory only, as plain dicts; nothing is written
to disk, and secret outputs are masked in reprs.

Example::

    with Engine(config={"terrateam:apiKey": key, "terrateam:baseUrl": url}) as engine:
        state = engine.up(ApiToken, "ci", {"name": "ci", "capabilities": ["kv_store_read"]})
        state = engine.up(ApiToken, "ci", {...}, state)      # op == "same", "update", "replace"
        state = engine.refresh(state)                        # None when deleted out of band
        engine.destroy(state)
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import threading
from typing import Any

import grpc
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from pulumi_terrateam.testing._state import (
    PROVIDER_KEY,
    UNKNOWN,
    EngineError,
    ResourceState,
    from_struct,
    to_struct,
)

__all__ = ["UNKNOWN", "Engine", "EngineError", "ResourceState"]

_DIFF = provider_pb2.DiffResponse


class Engine:
    """Run a dynamic-provider server and apply resources through it like the engine does.

    Args:
        config: stack configuration sent with ``Configure`` (``{"terrateam:apiKey": ...}``).
        env: extra environment for the provider process (e.g. ``TERRATEAM_*`` fallbacks).
        project: the Pulumi project name (``PULUMI_PROJECT`` for the child).
        stack: the stack name used in URNs.
        cwd: the provider's working directory (the engine uses the project directory).
        pythonpath: extra ``sys.path`` entries for the child.
    """

    def __init__(
        self,
        *,
        config: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
        project: str = "demo",
        stack: str = "dev",
        cwd: str | os.PathLike[str] | None = None,
        pythonpath: tuple[str, ...] = (),
    ) -> None:
        self.project, self.stack = project, stack
        self._config = dict(config or {})
        self._env = dict(env or {})
        self._cwd = cwd
        self._pythonpath = pythonpath
        self._proc: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: Any = None
        self.stderr: collections.deque[str] = collections.deque(maxlen=200)
        #: every step applied, as ``(op, resource name)``
        self.log: list[tuple[str, str]] = []

    # -- process -----------------------------------------------------------------------

    def start(self) -> Engine:
        """Start the provider server, connect and send ``Configure``."""
        env = {**os.environ, **self._env, "PULUMI_PROJECT": self.project}
        if self._pythonpath:
            env["PYTHONPATH"] = os.pathsep.join([*self._pythonpath, env.get("PYTHONPATH", "")])
        self._proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=self._cwd,
        )
        assert self._proc.stdout is not None
        assert self._proc.stderr is not None
        threading.Thread(target=self._drain, args=(self._proc.stderr,), daemon=True).start()
        line = self._proc.stdout.readline()
        if not line.strip().isdigit():
            self.close()
            raise RuntimeError(f"provider server did not start: {' '.join(self.stderr)[-2000:]}")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{int(line)}")
        grpc.channel_ready_future(self._channel).result(timeout=30)
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        self._stub.Configure(
            provider_pb2.ConfigureRequest(args=to_struct(self._config), acceptSecrets=True)
        )
        return self

    def _drain(self, stream: Any) -> None:
        for raw in iter(stream.readline, b""):
            self.stderr.append(raw.decode(errors="replace").rstrip())

    def close(self) -> None:
        """Disconnect and stop the provider server."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
            for stream in (self._proc.stdout, self._proc.stderr):
                if stream is not None:
                    stream.close()
            self._proc = None

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- low level -----------------------------------------------------------------------

    def _call(self, operation: str, name: str, request: Any) -> Any:
        try:
            return getattr(self._stub, operation)(request)
        except grpc.RpcError as exc:
            details = exc.details() or ""
            lines = [ln for ln in details.strip().splitlines() if ln.strip()]
            raise EngineError(operation, name, lines[-1] if lines else str(exc), details) from None

    @staticmethod
    def _urn(type_token: str, name: str, stack: str, project: str) -> str:
        return f"urn:pulumi:{stack}::{project}::{type_token}::{name}"

    def _check(
        self, resource: Any, name: str, inputs: dict[str, Any], state: ResourceState | None
    ) -> dict[str, Any]:
        provider = resource._PROVIDER()
        news = {**inputs, PROVIDER_KEY: serialize_provider(provider)}
        urn = self._urn(_type_token(resource), name, self.stack, self.project)
        olds = state.inputs if state else {}
        response = self._call(
            "Check",
            name,
            provider_pb2.CheckRequest(urn=urn, olds=to_struct(olds), news=to_struct(news)),
        )
        failures = [(f.property, f.reason) for f in response.failures]
        if failures:
            text = "; ".join(f"{prop}: {reason}" for prop, reason in failures)
            raise EngineError("Check", name, text, failures=failures)
        return from_struct(response.inputs)

    def _diff(self, state: ResourceState, checked: dict[str, Any]) -> Any:
        return self._call(
            "Diff",
            state.name,
            provider_pb2.DiffRequest(
                id=state.id,
                urn=self._urn(state.type, state.name, self.stack, self.project),
                olds=to_struct(state.outputs),
                news=to_struct(checked),
                old_inputs=to_struct(state.inputs),
            ),
        )

    def _create(self, resource: Any, name: str, checked: dict[str, Any]) -> ResourceState:
        type_token = _type_token(resource)
        response = self._call(
            "Create",
            name,
            provider_pb2.CreateRequest(
                urn=self._urn(type_token, name, self.stack, self.project),
                properties=to_struct(checked),
            ),
        )
        return ResourceState(
            type_token,
            name,
            response.id,
            checked,
            from_struct(response.properties),
            tuple(resource._SECRET_OUTPUTS),
            "create",
            resource,
        )

    # -- lifecycle -----------------------------------------------------------------------

    def preview(
        self,
        resource: Any,
        name: str,
        inputs: dict[str, Any],
        state: ResourceState | None = None,
    ) -> str:
        """Plan an ``up`` without applying it; inputs may hold :data:`UNKNOWN`.

        Returns:
            ``create``, ``same``, ``update``, ``replace`` or ``replace(dbr)``.
        """
        checked = self._check(resource, name, inputs, state)
        if state is None:
            return "create"
        return self._plan(self._diff(state, checked))

    @staticmethod
    def _plan(diff: Any) -> str:
        if diff.changes == _DIFF.DIFF_NONE:
            return "same"
        if diff.replaces:
            return "replace(dbr)" if diff.deleteBeforeReplace else "replace"
        return "update"

    def up(
        self,
        resource: Any,
        name: str,
        inputs: dict[str, Any],
        state: ResourceState | None = None,
        *,
        delete_before_replace: bool | None = None,
    ) -> ResourceState:
        """Create or update one resource and return its new state (``op`` says what ran).

        Args:
            resource: the resource class (``ApiToken``, ``KvEntry``, ``KvArtifact``).
            name: the Pulumi resource name.
            inputs: the program's inputs (``None`` values are dropped, as by the engine).
            state: the previous state, or ``None`` for a new resource.
            delete_before_replace: the ``ResourceOptions`` flag (overrides the provider).

        Raises:
            EngineError: Check failed or the provider raised.
        """
        checked = self._check(resource, name, inputs, state)
        if state is None:
            new = self._create(resource, name, checked)
            self.log.append(("create", name))
            return new
        diff = self._diff(state, checked)
        op = self._plan(diff)
        if op == "same":
            # The engine records the new inputs and keeps the old outputs.
            new = ResourceState(**{**vars(state), "inputs": checked, "op": "same"})
        elif op.startswith("replace"):
            dbr = (
                diff.deleteBeforeReplace if delete_before_replace is None else delete_before_replace
            )
            op = "replace(dbr)" if dbr else "replace"
            if dbr:
                self.destroy(state)
            new = self._create(resource, name, checked)
            if not dbr:
                self.destroy(state)
            new.op = op
        else:
            response = self._call(
                "Update",
                name,
                provider_pb2.UpdateRequest(
                    id=state.id,
                    urn=self._urn(state.type, name, self.stack, self.project),
                    olds=to_struct(state.outputs),
                    news=to_struct(checked),
                    old_inputs=to_struct(state.inputs),
                ),
            )
            new = ResourceState(
                **{**vars(state), "inputs": checked, "outputs": from_struct(response.properties)}
            )
            new.op = "update"
        self.log.append((op, name))
        return new

    def refresh(self, state: ResourceState) -> ResourceState | None:
        """Read the live object; ``None`` means it is gone (the engine drops it from state)."""
        response = self._call(
            "Read",
            state.name,
            provider_pb2.ReadRequest(
                id=state.id,
                urn=self._urn(state.type, state.name, self.stack, self.project),
                properties=to_struct(state.outputs),
                inputs=to_struct(state.inputs),
            ),
        )
        self.log.append(("refresh", state.name))
        if not response.id:
            return None
        inputs = from_struct(response.inputs) if response.HasField("inputs") else state.inputs
        return ResourceState(
            **{
                **vars(state),
                "id": response.id,
                "inputs": inputs,
                "outputs": from_struct(response.properties),
                "op": "refresh",
            }
        )

    def get(
        self, resource: Any, name: str, id_: str, inputs: dict[str, Any] | None = None
    ) -> ResourceState:
        """What ``Resource.get(name, id)`` makes the engine do: a ``Read`` of a known id.

        The engine's ReadStep sends the program's inputs (here ``inputs`` plus ``__provider``)
        as both ``properties`` and ``inputs``. The result is read-only: never updated or
        deleted by ``up``/``destroy``.

        Raises:
            EngineError: the provider failed, or the object does not exist (empty id).
        """
        type_token = _type_token(resource)
        props = {**(inputs or {}), PROVIDER_KEY: serialize_provider(resource._PROVIDER())}
        response = self._call(
            "Read",
            name,
            provider_pb2.ReadRequest(
                id=id_,
                urn=self._urn(type_token, name, self.stack, self.project),
                properties=to_struct(props),
                inputs=to_struct(props),
            ),
        )
        self.log.append(("read", name))
        if not response.id:
            raise EngineError("Read", name, f"resource '{id_}' does not exist")
        outputs = from_struct(response.properties)
        return ResourceState(
            type_token, name, response.id, props, outputs,
            tuple(resource._SECRET_OUTPUTS), "read", resource,
        )  # fmt: skip

    def import_(self, resource: Any, name: str, id_: str) -> ResourceState | None:
        """What ``pulumi import`` / ``opts.import_`` do: ``Read`` with only an id.

        Python dynamic providers cannot serve this today (pulumi/pulumi#16175): the server finds
        no ``__provider`` and fails with ``KeyError``, raised here as :class:`EngineError`.
        """
        type_token = _type_token(resource)
        response = self._call(
            "Read",
            name,
            provider_pb2.ReadRequest(
                id=id_, urn=self._urn(type_token, name, self.stack, self.project)
            ),
        )
        if not response.id:
            return None
        outputs = from_struct(response.properties)
        return ResourceState(
            type_token,
            name,
            response.id,
            outputs,
            outputs,
            tuple(resource._SECRET_OUTPUTS),
            "import",
            resource,
        )

    def destroy(self, state: ResourceState) -> None:
        """Delete the resource through the provider."""
        self._call(
            "Delete",
            state.name,
            provider_pb2.DeleteRequest(
                id=state.id,
                urn=self._urn(state.type, state.name, self.stack, self.project),
                properties=to_struct(state.outputs),
                old_inputs=to_struct(state.inputs),
            ),
        )
        self.log.append(("delete", state.name))


def _type_token(resource: Any) -> str:
    return f"pulumi-python:{resource._resource_type_name}"
