"""The sync and async clients expose the same surface; the package exports what it should."""

from __future__ import annotations

import inspect
import typing

import terrateam_core
from terrateam_core import AsyncTerrateamClient, TerrateamClient, resources

PAIRS = [
    (getattr(resources, name), getattr(resources, f"Async{name}"))
    for name in resources.__all__
    if not name.startswith("Async")
]
# The client's namespaces, found by their annotations (a new one needs no edit here).
NAMESPACES = [
    name
    for name, tp in typing.get_type_hints(TerrateamClient).items()
    if tp in {sync for sync, _ in PAIRS}
]


def _public(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(obj)
        for name, obj in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def test_client_methods_match() -> None:
    """Same public methods and signatures on both clients (close ↔ aclose)."""
    sync = _public(TerrateamClient)
    asyn = _public(AsyncTerrateamClient)
    sync["aclose"] = sync.pop("close")
    assert sync.keys() == asyn.keys()
    for name, sig in sync.items():
        if name in ("__init__",):
            continue
        assert str(sig) == str(asyn[name]), name
    init_s = inspect.signature(TerrateamClient.__init__).parameters
    init_a = inspect.signature(AsyncTerrateamClient.__init__).parameters
    assert list(init_s) == list(init_a)


def test_namespace_methods_match() -> None:
    """Every namespace has the same methods with the same parameters in both flavours."""
    assert len(PAIRS) == len(NAMESPACES)
    for sync_cls, async_cls in PAIRS:
        sync, asyn = _public(sync_cls), _public(async_cls)
        assert sync.keys() == asyn.keys(), sync_cls.__name__
        for name, sig in sync.items():
            assert list(sig.parameters) == list(asyn[name].parameters), (sync_cls, name)
            for p, q in zip(sig.parameters.values(), asyn[name].parameters.values(), strict=True):
                assert (p.kind, p.default) == (q.kind, q.default), (sync_cls, name, p.name)
            is_coro = inspect.iscoroutinefunction(getattr(async_cls, name))
            is_agen = inspect.isasyncgenfunction(getattr(async_cls, name))
            returns_paginator = "Paginator" in str(asyn[name].return_annotation)
            assert is_coro or is_agen or returns_paginator, (async_cls, name)


def test_clients_have_every_namespace() -> None:
    """Both clients build all namespaces."""
    client = TerrateamClient("k", base_url="http://x")
    aclient = AsyncTerrateamClient("k", base_url="http://x")
    for name in NAMESPACES:
        assert getattr(client, name) is not None
        assert type(getattr(aclient, name)).__name__.startswith("Async")
    client.close()


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted, every name resolves, and it lists exactly the public names."""
    for name in terrateam_core.__all__:
        assert getattr(terrateam_core, name) is not None
    names = terrateam_core.__all__
    assert names == sorted(names)
    public = {
        n
        for n in dir(terrateam_core)
        if not n.startswith("_")
        and not inspect.ismodule(getattr(terrateam_core, n))
        and n != "annotations"
    }
    assert public | {"__version__"} == set(names)
