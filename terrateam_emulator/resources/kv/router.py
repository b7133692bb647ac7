"""KV store routes (docs/contract.md §4.2): parse like upstream's router, then call `KVStore`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from terrateam_emulator.resources.identity.caps import CapabilityError, decode_caps
from terrateam_emulator.resources.kv.backend import KVWrite, namespace
from terrateam_emulator.server.auth import check_installation, emulator_state, require_caps
from terrateam_emulator.server.body import (
    MISSING,
    field_bool,
    field_int,
    field_str,
    require_object,
)
from terrateam_emulator.server.errors import EmulatorError
from terrateam_emulator.server.http import (
    Query,
    RouteMismatch,
    json_body,
    json_raw,
    json_response,
    parse_int,
    raw_path_tail,
)
from terrateam_emulator.storage.jsonb import to_plain

__all__ = ["VCSES", "router"]

VCSES = ("github", "gitlab")
router = APIRouter()

_PREFIX = "/api/v1/{vcs}/kv/{inst}"


def _scope(request: Request) -> tuple[str, int]:
    vcs = request.path_params["vcs"]
    if vcs not in VCSES:
        raise RouteMismatch
    return vcs, parse_int(request.path_params["inst"])


def _select(q: Query) -> list[tuple[str, str]] | None:
    values = q.list("select")
    if values is None:
        return None
    out = []
    for entry in values:
        if entry == "":
            continue
        name, eq, path = entry.partition("=")
        if not eq:
            raise RouteMismatch
        out.append((name, path))
    return out


def _authorise(request: Request, vcs: str, inst: int, *caps: str) -> list[Any]:
    session = require_caps(request, *caps)
    check_installation(request, session, vcs, inst)
    return session.capabilities


def _caps_field(obj: dict[str, Any], name: str) -> list[Any] | None:
    value = obj.get(name)
    if value is None:
        return None
    try:
        return decode_caps(value)
    except CapabilityError as exc:
        raise EmulatorError(400, json_type=True) from exc


async def _write_body(request: Request) -> tuple[KVWrite, Any, Any]:
    text = await request.body()
    raw = require_object(json_body(request, text))
    plain = require_object(to_plain(raw))
    if "data" not in raw:
        raise RouteMismatch
    idx = field_int(plain, "idx")
    committed = field_bool(plain, "committed")
    version = field_int(plain, "version")
    return (
        KVWrite(
            data=raw["data"],
            idx=0 if idx is MISSING else idx,
            committed=True if committed is MISSING else committed,
            plain=b"\\" not in text,
        ),
        plain,
        version,
    )


async def kv_get(request: Request) -> Response:
    """``GET …/kv/{i}/key/{key…}``."""
    vcs, inst = _scope(request)
    key, _ = raw_path_tail(request, 6)
    q = Query.of(request)
    committed, idx, select = q.bool_or("committed", True), q.int_or("idx", 0), _select(q)
    caps = _authorise(request, vcs, inst, "kv_store_read")
    store = emulator_state(request).kv
    return json_raw(
        store.get(namespace(vcs, inst), key, idx=idx, committed=committed, caps=caps, select=select)
    )


async def kv_set(request: Request) -> Response:
    """``PUT …/kv/{i}/key/{key…}`` (upsert)."""
    vcs, inst = _scope(request)
    key, _ = raw_path_tail(request, 6)
    body, plain, _ = await _write_body(request)
    caps = _authorise(request, vcs, inst, "kv_store_write")
    body = KVWrite(
        body.data,
        body.idx,
        body.committed,
        _caps_field(plain, "read_caps"),
        _caps_field(plain, "write_caps"),
        body.plain,
    )
    return json_raw(emulator_state(request).kv.set(namespace(vcs, inst), key, body, caps=caps))


async def kv_cas(request: Request) -> Response:
    """``PUT …/kv/{i}/cas/key/{key…}``."""
    vcs, inst = _scope(request)
    key, _ = raw_path_tail(request, 7)
    body, plain, version = await _write_body(request)
    caps = _authorise(request, vcs, inst, "kv_store_read", "kv_store_write")
    body = KVWrite(
        body.data,
        body.idx,
        body.committed,
        _caps_field(plain, "read_caps"),
        _caps_field(plain, "write_caps"),
        body.plain,
    )
    store = emulator_state(request).kv
    return json_raw(
        store.cas(
            namespace(vcs, inst),
            key,
            body,
            version=None if version is MISSING else version,
            caps=caps,
        )
    )


async def kv_delete(request: Request) -> Response:
    """``DELETE …/kv/{i}/key/{key…}``."""
    vcs, inst = _scope(request)
    key, _ = raw_path_tail(request, 6)
    q = Query.of(request)
    idx, version = q.int("idx"), q.int("version")
    caps = _authorise(request, vcs, inst, "kv_store_read", "kv_store_write")
    result = emulator_state(request).kv.delete(
        namespace(vcs, inst), key, idx=idx, version=version, caps=caps
    )
    return json_response({"result": result})


async def kv_count(request: Request) -> Response:
    """``GET …/kv/{i}/count/key/{key}`` (single-segment key: a raw ``/`` does not match)."""
    vcs, inst = _scope(request)
    key, has_slash = raw_path_tail(request, 7)
    if has_slash:
        raise RouteMismatch
    committed = Query.of(request).bool_or("committed", True)
    caps = _authorise(request, vcs, inst, "kv_store_read")
    count, max_idx = emulator_state(request).kv.count(
        namespace(vcs, inst), key, committed=committed, caps=caps
    )
    return json_response({"count": count, "max_idx": max_idx})


async def kv_size(request: Request) -> Response:
    """``GET …/kv/{i}/size/key/{key…}``."""
    vcs, inst = _scope(request)
    key, _ = raw_path_tail(request, 7)
    q = Query.of(request)
    idx, committed = q.int("idx"), q.bool_or("committed", True)
    caps = _authorise(request, vcs, inst, "kv_store_read")
    size = emulator_state(request).kv.size(
        namespace(vcs, inst), key, idx=idx, committed=committed, caps=caps
    )
    return json_response({"size": size})


async def kv_iter(request: Request) -> Response:
    """``GET …/kv/{i}/iter/{key…}``."""
    vcs, inst = _scope(request)
    key, _ = raw_path_tail(request, 6)
    q = Query.of(request)
    select = _select(q)
    idx, inclusive = q.int("idx"), q.bool_or("inclusive", True)
    committed, prefix, limit = (
        q.bool_or("committed", True),
        q.bool_or("prefix", False),
        q.int_or("limit", 30),
    )
    caps = _authorise(request, vcs, inst, "kv_store_read")
    records = emulator_state(request).kv.iter(
        namespace(vcs, inst),
        key,
        idx=idx,
        inclusive=inclusive,
        committed=committed,
        prefix=prefix,
        limit=limit,
        caps=caps,
        select=select,
    )
    return json_raw('{"results":[' + ",".join(records) + "]}")


async def kv_commit(request: Request) -> Response:
    """``POST …/kv/{i}/commit``."""
    vcs, inst = _scope(request)
    body = require_object(to_plain(json_body(request, await request.body())))
    items = body.get("keys")
    if not isinstance(items, list):
        raise RouteMismatch
    keys: list[tuple[str, int | None]] = []
    for item in items:
        obj = require_object(item)
        key = field_str(obj, "key", required=True)
        idx = field_int(obj, "idx")
        keys.append((key, None if idx is MISSING else idx))
    caps = _authorise(request, vcs, inst, "kv_store_write")
    flipped = emulator_state(request).kv.commit(namespace(vcs, inst), keys, caps=caps)
    return json_response({"keys": [{"idx": i, "key": k} for i, k in flipped]})


router.add_route(_PREFIX + "/key/{key:path}", kv_get, methods=["GET"])
router.add_route(_PREFIX + "/key/{key:path}", kv_set, methods=["PUT"])
router.add_route(_PREFIX + "/cas/key/{key:path}", kv_cas, methods=["PUT"])
router.add_route(_PREFIX + "/key/{key:path}", kv_delete, methods=["DELETE"])
router.add_route(_PREFIX + "/count/key/{key:path}", kv_count, methods=["GET"])
router.add_route(_PREFIX + "/size/key/{key:path}", kv_size, methods=["GET"])
router.add_route(_PREFIX + "/iter/{key:path}", kv_iter, methods=["GET"])
router.add_route(_PREFIX + "/commit", kv_commit, methods=["POST"])
