"""How namespaces hang off a client: declared once by their family, created on first use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast, overload

__all__ = ["Namespace", "namespace", "namespace_repr"]

N = TypeVar("N")


class Namespace(Generic[N]):
    """A client attribute that builds its namespace from the client on first access.

    Each family declares its namespaces in a small mixin next to their classes
    (``AsyncRunsNamespaces`` in ``_async/runs.py``, …) and the client inherits the mixins: a new
    namespace in an existing family is one line in that family's module, none in the client.
    The namespace is then stored on the instance, so later reads are plain attribute reads.
    Declare one with :func:`namespace`.
    """

    def __init__(self, factory: Callable[[Any], N]) -> None:
        self._factory = factory
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Namespace[N]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> N: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> Namespace[N] | N:
        if obj is None:
            return self
        value = self._factory(obj)
        vars(obj)[self._name] = value
        return value


def namespace(factory: Callable[[Any], N]) -> N:
    """``repos: AsyncRepos = namespace(AsyncRepos)``: a :class:`Namespace` typed as what it
    gives an instance (as ``dataclasses.field`` is typed as its value), so type checkers,
    ``typing.get_type_hints`` and ``help()`` see the namespace class itself."""
    return cast(N, Namespace(factory))


def namespace_repr(namespace: object, client: object) -> str:
    """``<WorkManifests: list, get, outputs, wait — client TerrateamClient(...)>``: what a
    namespace offers, for the REPL and notebooks (the default repr shows an address)."""
    methods = sorted(
        name
        for name in dir(type(namespace))
        if not name.startswith("_") and callable(getattr(type(namespace), name))
    )
    return f"<{type(namespace).__name__}: {', '.join(methods)} — client {client!r}>"
