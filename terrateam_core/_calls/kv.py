"""KV calls (no I/O): URLs, validation and parsing for the ``kv`` namespace of both clients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from terrateam_core._call import Call, check_smallint, json_body, model_parser, quote_segment
from terrateam_core._codec import RawJSON
from terrateam_core.errors import (
    InvalidArgumentError,
    KVConflictError,
    KVKeyExistsError,
    KVNotFoundError,
)
from terrateam_core.models import (
    KVCount,
    KVKeyRef,
    KVRecord,
    capabilities_to_json,
    parse_capability,
)

__all__ = [
    "CapsArg",
    "KVCalls",
    "KeyArg",
    "SelectArg",
    "check_page_size",
    "in_scope",
    "same_value",
]


CapsArg = Sequence[Any] | None
KeyArg = str | tuple[str, int | None]
SelectArg = Sequence[str] | dict[str, str] | None


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _check_key(key: str) -> str:
    if not isinstance(key, str):
        raise TypeError(f"KV key must be a str, got {type(key).__name__}")
    if key in (".", ".."):
        # The server resolves dot segments even when percent-encoded (docs/contract.md §0.4).
        raise InvalidArgumentError(f"KV key {key!r} cannot be addressed over HTTP", argument="key")
    if "\x00" in key:
        raise InvalidArgumentError("KV keys cannot contain NUL characters", argument="key")
    return key


def _caps(value: CapsArg) -> list[Any] | None:
    if value is None:
        return None
    return capabilities_to_json([parse_capability(c) for c in value])


def _select(select: SelectArg) -> list[tuple[str, str]]:
    if not select:
        return []
    items = [f"{k}={v}" for k, v in select.items()] if isinstance(select, dict) else list(select)
    for item in items:
        if "=" not in item:
            raise InvalidArgumentError(
                f"select entries are 'name=path', got {item!r}", argument="select"
            )
    return [("select", item) for item in items]


class KVCalls:
    """Builds the KV calls for one namespace ``/api/v1/{vcs}/kv/{installation}``."""

    def __init__(self, vcs: str, installation_id: int) -> None:
        self.prefix = f"/api/v1/{quote_segment(vcs)}/kv/{int(installation_id)}"

    def get(self, key: str, *, idx: int, committed: bool, select: SelectArg) -> Call[KVRecord]:
        """``GET …/key/{key}``; 404 → :class:`KVNotFoundError`."""
        check_smallint("idx", idx)
        params: list[tuple[str, str]] = [("idx", str(idx))]
        if not committed:
            params.append(("committed", "false"))
        params += _select(select)
        return Call(
            "GET",
            f"{self.prefix}/key/{quote_segment(_check_key(key))}",
            model_parser(KVRecord),
            params=params,
            overrides={404: KVNotFoundError},
        )

    def write(
        self,
        key: str,
        data: Any,
        *,
        idx: int,
        committed: bool,
        read_caps: CapsArg,
        write_caps: CapsArg,
        cas: bool,
        version: int | None,
    ) -> Call[KVRecord]:
        """Set (``PUT …/key``) or compare-and-swap (``PUT …/cas/key``; 400 → conflict)."""
        check_smallint("idx", idx)
        check_smallint("version", version)
        body: dict[str, Any] = {"data": data, "idx": idx, "committed": committed}
        raw = body.pop("data") if isinstance(data, RawJSON) else None
        rc, wc = _caps(read_caps), _caps(write_caps)
        if rc is not None:
            body["read_caps"] = rc
        if wc is not None:
            body["write_caps"] = wc
        if cas and version is not None:
            body["version"] = version
        where = "cas/key" if cas else "key"
        return Call(
            "PUT",
            f"{self.prefix}/{where}/{quote_segment(_check_key(key))}",
            model_parser(KVRecord),
            body=json_body(body) if raw is None else _with_raw_data(raw, body),
            # Without a version a cas only creates, so its conflict can only mean "exists".
            overrides={400: KVConflictError if version is not None else KVKeyExistsError}
            if cas
            else {},
        )

    def delete(self, key: str, *, idx: int | None, version: int | None) -> Call[bool]:
        """``DELETE …/key/{key}`` → whether a row was deleted."""
        check_smallint("idx", idx)
        check_smallint("version", version)
        params: list[tuple[str, str]] = []
        if idx is not None:
            params.append(("idx", str(idx)))
        if version is not None:
            params.append(("version", str(version)))
        return Call(
            "DELETE",
            f"{self.prefix}/key/{quote_segment(_check_key(key))}",
            model_parser(bool, key="result"),
            params=params,
        )

    def count(self, key: str, *, committed: bool) -> Call[KVCount]:
        """``GET …/count/key/{key}``; zero rows (404) → ``KVCount(0, None)``."""
        params = [] if committed else [("committed", "false")]
        return Call(
            "GET",
            f"{self.prefix}/count/key/{quote_segment(_check_key(key))}",
            model_parser(KVCount),
            params=params,
            on_status={404: lambda _r: KVCount(count=0, max_idx=None)},
        )

    def size(self, key: str, *, idx: int | None, committed: bool) -> Call[int]:
        """``GET …/size/key/{key}`` (the server answers 500 when nothing matches)."""
        check_smallint("idx", idx)
        params: list[tuple[str, str]] = []
        if idx is not None:
            params.append(("idx", str(idx)))
        if not committed:
            params.append(("committed", "false"))
        return Call(
            "GET",
            f"{self.prefix}/size/key/{quote_segment(_check_key(key))}",
            model_parser(int, key="size"),
            params=params,
        )

    def iter_page(
        self,
        key: str,
        *,
        prefix: bool,
        idx: int | None,
        inclusive: bool,
        committed: bool,
        select: SelectArg,
        limit: int,
    ) -> Call[list[KVRecord]]:
        """One ``GET …/iter/{key}`` page."""
        check_smallint("idx", idx)
        params: list[tuple[str, str]] = [
            ("inclusive", _bool(inclusive)),
            ("prefix", _bool(prefix)),
            ("committed", _bool(committed)),
            ("limit", str(limit)),
        ]
        if idx is not None:
            params.append(("idx", str(idx)))
        params += _select(select)
        return Call(
            "GET",
            f"{self.prefix}/iter/{quote_segment(_check_key(key))}",
            model_parser(list[KVRecord], key="results"),
            params=params,
        )

    def commit(self, keys: Sequence[KeyArg]) -> Call[list[KVKeyRef]]:
        """``POST …/commit``; flipping committed is repeatable, so the call is retried."""
        items: list[dict[str, Any]] = []
        for item in keys:
            key, idx = (item, None) if isinstance(item, str) else item
            check_smallint("idx", idx)
            entry: dict[str, Any] = {"key": _check_key(key)}
            if idx is not None:
                entry["idx"] = idx
            items.append(entry)
        return Call(
            "POST",
            f"{self.prefix}/commit",
            model_parser(list[KVKeyRef], key="keys"),
            body=json_body({"keys": items}),
            idempotent=True,
        )


def _with_raw_data(data: RawJSON, rest: dict[str, Any]) -> bytes:
    """The body ``json_body({"data": data, **rest})`` would give, ``data`` joined in as is."""
    return b"".join((b'{"data":', *data.parts, b",", json_body(rest)[1:]))


def in_scope(record: KVRecord, *, start_key: str, prefix: bool, exact_key: bool) -> bool:
    """Whether a continuation record still belongs to the iteration the caller asked for."""
    if prefix and not record.key.startswith(start_key):
        return False
    return not (exact_key and record.key != start_key)


def check_page_size(page_size: int) -> None:
    """Refuse a page size the server would answer with a 500."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1 (the server answers 500 otherwise)")


def same_value(found: KVRecord | None, data: Any, version: int | None) -> bool:
    """A CAS retried after a lost response finds its own write: data equal at version+1."""
    if found is None:
        return False
    expected = 0 if version is None else version + 1
    return found.version == expected and found.data == data
