"""Measure any Terrateam server — this emulator or the real service — against the contract.

``terrateam-emulator conformance --base-url URL --api-key KEY [--installation-id N] [--writes]``
runs the rules of docs/contract.md that can be checked from outside and prints, per rule,
``pass``, ``differs`` (with the expected and the actual answer) or ``skipped`` (and why).
Exit status: 0 when nothing differs, 1 when something does, 2 for bad usage.

Safe by default (docs/conformance.md):

* read-only unless ``--writes``; then it writes only KV keys under a prefix unique to the run
  (``conformance-<random>-``) and deletes each of them afterwards;
* it never prints a secret: answers are shown with every JWT and the API key replaced by
  ``<redacted>``; the API key travels only in Authorization headers;
* every request goes through ``terrateam_core``'s client (deadlines, retries of 429/5xx-gateway
  answers), with ``authenticate=False`` where a rule needs a hand-made credential.

The expired-token rule needs a token older than its lifetime: against the emulator (it answers
``GET /_emulator/info``) the runner advances the emulator's clock; against another server it
waits 61 s only with ``--slow``, else the rule is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

import httpx

from terrateam_core import TerrateamClient
from terrateam_core.errors import TerrateamError

__all__ = ["RULES", "Answer", "Outcome", "Rule", "main", "run"]

Verdict = Literal["pass", "differs", "skipped"]
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")

# The parse-error texts (docs/contract.md §6.3; upstream terrateamio/terrateam
# code/src/terrat_tag_query_parser/terrat_tag_query_parser_errors.messages, trimmed, and
# code/src/terrat_tag_query_ast/terrat_tag_query_ast.ml).
_START = (
    "This query could not be parsed.  This could be for a few reasons:\n"
    "- There are too many closing right parantheses.\n"
    "- There is an `and` or `or` that is missing both sides to its expression.  If you have a "
    "tag named `or`, `and`, or `not`, then wrap it in quotes to treat it like a tag name rather "
    'than an operator, for example `"and"`.'
)
_AND = (
    "An `and` expression with a closing parenthesis where a tag was expected.  In order to "
    'treat the `and` as a tag, wrap it in quotes, for example `"and"`.'
)


@dataclass(frozen=True)
class Answer:
    """What a server answered, reduced to what the contract rules compare."""

    status: int
    content_type: str | None
    body: bytes
    link: str | None = None

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        return cls(
            response.status_code,
            response.headers.get("content-type"),
            response.content,
            response.headers.get("link"),
        )

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Outcome:
    """The verdict on one rule."""

    rule: Rule
    verdict: Verdict
    expected: str = ""
    actual: str = ""
    reason: str = ""


@dataclass
class Context:
    """What the rules share: the clients, the options, the state built along the way."""

    base_url: str
    api_key: str
    installation_id: int | None
    vcs: str
    writes: bool
    slow: bool
    client: TerrateamClient
    prefix: str = field(default_factory=lambda: f"conformance-{secrets.token_hex(6)}-")
    created_keys: list[str] = field(default_factory=list)
    _emulator: bool | None = None

    def raw(self, method: str, path: str, *, token: str | None = None, **kw: Any) -> Answer:
        """A request without the client's credentials, with ``token`` as Bearer if given."""
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return Answer.of(
            self.client.request(method, path, headers=headers, authenticate=False, **kw)
        )

    def call(self, method: str, path: str, **kw: Any) -> Answer:
        """A request with the client's access token (refreshed from the API key)."""
        return Answer.of(self.client.request(method, path, **kw))

    def inst(self, suffix: str) -> str:
        assert self.installation_id is not None
        return f"/api/v1/{self.vcs}/installations/{self.installation_id}/{suffix}"

    def kv(self, op: str, key: str) -> str:
        assert self.installation_id is not None
        middle = {"get": "key", "count": "count/key", "size": "size/key", "cas": "cas/key"}
        return f"/api/v1/{self.vcs}/kv/{self.installation_id}/{middle.get(op, op)}/{key}"

    def is_emulator(self) -> bool:
        if self._emulator is None:
            info = self.raw("GET", "/_emulator/info")
            self._emulator = info.status == 200 and b"token_ttl" in info.body
        return self._emulator

    def redact(self, text: str) -> str:
        text = _JWT_RE.sub("<redacted>", text)
        return text.replace(self.api_key, "<redacted>") if self.api_key else text


class Skip(Exception):
    """The rule cannot be checked here; the message says why."""


Check = Callable[[Context], tuple[str, str] | None]


@dataclass(frozen=True)
class Rule:
    """One checkable rule: ``check`` returns ``None`` (pass) or ``(expected, actual)``."""

    section: str
    title: str
    check: Check
    needs_installation: bool = False
    writes: bool = False


def _show(ctx: Context, a: Answer) -> str:
    body = a.body.decode("utf-8", "replace")
    if len(body) > 400:
        body = body[:400] + "…"
    ctype = a.content_type if a.content_type is not None else "no Content-Type"
    return ctx.redact(f"{a.status}, {ctype}, body {body!r}")


def _expect(
    ctx: Context,
    a: Answer,
    status: int,
    ctype: str | Literal["any"] | None = "any",
    body: bytes | None = None,
) -> tuple[str, str] | None:
    """Compare status, Content-Type (``None`` = absent) and the exact body (if given)."""
    ok = a.status == status and (ctype == "any" or a.content_type == ctype)
    ok = ok and (body is None or a.body == body)
    if ok:
        return None
    want_ctype = "any Content-Type" if ctype == "any" else (ctype or "no Content-Type")
    want_body = "any body" if body is None else f"body {body.decode()!r}"
    return f"{status}, {want_ctype}, {want_body}", _show(ctx, a)


def _json_bytes(value: Any) -> bytes:
    """Compact JSON, as upstream's Yojson output."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _forbidden(ctx: Context, a: Answer) -> tuple[str, str] | None:
    return _expect(ctx, a, 403, None, b"")  # §1.2 / §0.5 "Error path"


def _token(ctx: Context) -> str:
    return ctx.client.get_access_token()


# --------------------------------------------------------------------------- rules: auth


def _refresh(ctx: Context) -> tuple[str, str] | None:
    a = ctx.raw("POST", "/api/v1/access-token/refresh", token=ctx.api_key)
    if a.status == 200 and a.content_type == "application/json":
        body = a.json()
        if isinstance(body, dict) and list(body) == ["token"] and isinstance(body["token"], str):
            return None
    return '200, application/json, body {"token":"<jwt>"}', _show(ctx, a)


def _no_credentials(ctx: Context) -> tuple[str, str] | None:
    return _forbidden(ctx, ctx.raw("GET", "/api/v1/whoami"))


def _garbage(ctx: Context) -> tuple[str, str] | None:
    return _forbidden(ctx, ctx.raw("GET", "/api/v1/whoami", token="not-a-jwt"))


def _api_key_on_whoami(ctx: Context) -> tuple[str, str] | None:
    a = ctx.raw("GET", "/api/v1/whoami", token=ctx.api_key)
    if a.status == 200 and "id" in a.json():
        return None
    return '200, body {"id":…,"vcs":[…]}', _show(ctx, a)


def _whoami(ctx: Context) -> tuple[str, str] | None:
    a = ctx.raw("GET", "/api/v1/whoami", token=_token(ctx))
    if a.status == 200 and a.content_type == "application/json":
        body = a.json()
        if list(body) == ["id", "vcs"] and a.body == _json_bytes(body):
            return None
    return '200, application/json, compact {"id":"<uuid>","vcs":[…]}', _show(ctx, a)


def _refresh_with_access_token(ctx: Context) -> tuple[str, str] | None:
    return _forbidden(ctx, ctx.raw("POST", "/api/v1/access-token/refresh", token=_token(ctx)))


def _expired(ctx: Context) -> tuple[str, str] | None:
    refreshed = ctx.raw("POST", "/api/v1/access-token/refresh", token=ctx.api_key)
    if refreshed.status != 200:
        raise Skip("the API key cannot be refreshed")
    token = refreshed.json()["token"]
    if ctx.is_emulator():
        ttl = float(ctx.raw("GET", "/_emulator/info").json().get("token_ttl", 60))
        advanced = ctx.client.request(
            "POST", "/_emulator/clock/advance", json={"seconds": ttl + 1}, authenticate=False
        )
        if advanced.status_code != 200:
            raise Skip(f"the emulator refused to advance its clock ({advanced.status_code})")
    elif ctx.slow:
        time.sleep(61.5)
    else:
        raise Skip("needs --slow (waits 61 s for an access token to expire)")
    return _forbidden(ctx, ctx.raw("GET", "/api/v1/whoami", token=token))


def _unknown_route(ctx: Context) -> tuple[str, str] | None:
    return _expect(ctx, ctx.raw("GET", "/api/v1/conformance-no-such-route"), 404, "text/html", b"")


def _wrong_method(ctx: Context) -> tuple[str, str] | None:
    return _expect(ctx, ctx.call("POST", "/api/v1/whoami"), 404, "text/html", b"")


# --------------------------------------------------------------------------- rules: lists


def _list(ctx: Context, what: str, params: dict[str, str]) -> Answer:
    return ctx.call("GET", ctx.inst(what), params=params)


def _ordered(ctx: Context, q: str, descending: bool) -> tuple[str, str] | None:
    a = _list(ctx, "work-manifests", {"limit": "10", **({"q": q} if q else {})})
    if a.status != 200 or a.content_type != "application/json" or a.link is None:
        return "200, application/json, a Link header (possibly empty)", _show(ctx, a)
    stamps = [wm["created_at"] for wm in a.json()["work_manifests"]]
    if len(stamps) < 2:
        raise Skip("fewer than two runs in the installation")
    if stamps == sorted(stamps, reverse=descending):
        return None
    order = "descending" if descending else "ascending"
    return f"created_at {order}", f"created_at {stamps}"


def _wm_default_order(ctx: Context) -> tuple[str, str] | None:
    return _ordered(ctx, "", descending=True)


def _wm_sort_asc(ctx: Context) -> tuple[str, str] | None:
    return _ordered(ctx, "sort:asc", descending=False)


def _dirspace_states(ctx: Context) -> tuple[str, str] | None:
    a = _list(ctx, "dirspaces", {"limit": "50"})
    if a.status != 200 or a.link is None:
        return "200 with a Link header", _show(ctx, a)
    states = {d["state"] for d in a.json()["dirspaces"]}
    allowed = {"success", "failure", "aborted", "queued", "running"}
    if states <= allowed:
        return None
    return f"states within {sorted(allowed)}", f"states {sorted(states)}"


def _limit_zero(ctx: Context) -> tuple[str, str] | None:
    return _expect(ctx, _list(ctx, "work-manifests", {"limit": "0"}), 500, "any", b"")


def _limit_garbage(ctx: Context) -> tuple[str, str] | None:
    return _expect(ctx, _list(ctx, "work-manifests", {"limit": "x"}), 404, "text/html", b"")


def _q_rule(what: str, q: str, status: int, body: Any, tz: str | None = None) -> Check:
    def check(ctx: Context) -> tuple[str, str] | None:
        params = {"q": q, "limit": "1", **({"tz": tz} if tz is not None else {})}
        a = _list(ctx, what, params)
        if status == 200:
            return _expect(ctx, a, 200, "application/json")
        return _expect(
            ctx, a, status, "application/json", b"" if body is None else _json_bytes(body)
        )

    return check


def _parse_error(text: str) -> dict[str, str]:
    return {"data": text, "id": "PARSE_ERROR"}


# --------------------------------------------------------------------------- rules: KV


def _kv_read(ctx: Context, op: str, status: int, ctype: str | None) -> tuple[str, str] | None:
    a = ctx.call("GET", ctx.kv(op, ctx.prefix + "absent"))
    if a.status == 403:
        raise Skip("the API key lacks kv_store_read on this installation")
    return _expect(ctx, a, status, ctype, b"")


def _kv_get_missing(ctx: Context) -> tuple[str, str] | None:
    return _kv_read(ctx, "get", 404, "application/json")


def _kv_count_missing(ctx: Context) -> tuple[str, str] | None:
    return _kv_read(ctx, "count", 404, "application/json")


def _kv_size_missing(ctx: Context) -> tuple[str, str] | None:
    return _kv_read(ctx, "size", 500, None)


def _kv_api_key_directly(ctx: Context) -> tuple[str, str] | None:
    return _forbidden(ctx, ctx.raw("GET", ctx.kv("get", ctx.prefix + "absent"), token=ctx.api_key))


def _kv_set(ctx: Context, key: str, data: Any) -> Answer:
    a = ctx.call("PUT", ctx.kv("get", key), json={"data": data})
    if a.status == 403:
        raise Skip("the API key lacks kv_store_write on this installation")
    if key not in ctx.created_keys:
        ctx.created_keys.append(key)
    return a


def _record_fields(a: Answer) -> list[str]:
    return list(a.json()) if a.status == 200 else []


def _kv_set_new(ctx: Context) -> tuple[str, str] | None:
    a = _kv_set(ctx, ctx.prefix + "a", {"n": 1})
    body = a.json() if a.status == 200 else {}
    if body.get("data", 0) is None and body.get("version") == 0 and body.get("committed"):
        return None
    return "200, a record with data null, version 0, committed true", _show(ctx, a)


def _kv_set_again(ctx: Context) -> tuple[str, str] | None:
    _kv_set(ctx, ctx.prefix + "b", 1)
    a = _kv_set(ctx, ctx.prefix + "b", 2)
    if a.status == 200 and a.json().get("version") == 1:
        return None
    return "200, version 1", _show(ctx, a)


def _kv_get_round_trip(ctx: Context) -> tuple[str, str] | None:
    _kv_set(ctx, ctx.prefix + "c", {"b": [1, "x"], "a": None})
    a = ctx.call("GET", ctx.kv("get", ctx.prefix + "c"))
    fields = ["committed", "created_at", "data", "idx", "key", "size", "version"]
    data = {"b": [1, "x"], "a": None}
    if a.status == 200 and _record_fields(a) == fields and a.json()["data"] == data:
        return None
    return f"200, a record with fields {fields} and the data written", _show(ctx, a)


def _kv_cas_insert_existing(ctx: Context) -> tuple[str, str] | None:
    _kv_set(ctx, ctx.prefix + "d", 1)
    a = ctx.call("PUT", ctx.kv("cas", ctx.prefix + "d"), json={"data": 2})
    return _expect(ctx, a, 400, "application/json", b"")


def _kv_cas_wrong_version(ctx: Context) -> tuple[str, str] | None:
    _kv_set(ctx, ctx.prefix + "e", 1)
    a = ctx.call("PUT", ctx.kv("cas", ctx.prefix + "e"), json={"data": 2, "version": 7})
    return _expect(ctx, a, 400, "application/json", b"")


def _kv_delete_missing(ctx: Context) -> tuple[str, str] | None:
    a = ctx.call("DELETE", ctx.kv("get", ctx.prefix + "absent"))
    return _expect(ctx, a, 200, "application/json", b'{"result":false}')


def _kv_count(ctx: Context) -> tuple[str, str] | None:
    _kv_set(ctx, ctx.prefix + "f", 1)
    a = ctx.call("GET", ctx.kv("count", ctx.prefix + "f"))
    return _expect(ctx, a, 200, "application/json", b'{"count":1,"max_idx":0}')


def _kv_iter_prefix(ctx: Context) -> tuple[str, str] | None:
    _kv_set(ctx, ctx.prefix + "g", 1)
    a = ctx.call("GET", ctx.kv("iter", ctx.prefix), params={"prefix": "true"})
    if a.status == 200:
        keys = [r["key"] for r in a.json()["results"]]
        if keys == sorted(ctx.created_keys):
            return None
    return f"200, results with keys {sorted(ctx.created_keys)} in key order", _show(ctx, a)


# --------------------------------------------------------------------------- the rule table

_IN_Y = "The `in` operator only accepts `dir` on the right hand side, got `y`."
# (section, title, list, q, status, body, tz) of the `q` and `tz` rules.
_Q_CASES: list[tuple[str, str, str, str, int, Any, str | None]] = [
    ("§6.3 q", "`)` → PARSE_ERROR", "work-manifests", ")", 400, _parse_error(_START), None),
    ("§6.3 q", "`a and )` → PARSE_ERROR", "work-manifests", "a and )", 400,
     _parse_error(_AND), None),
    ("§6.3 q", "`(repo:x` → PARSE_ERROR", "dirspaces", "(repo:x", 400,
     _parse_error("Missing closing parentheses."), None),
    ("§6.3 q", "`repo:x)` → PARSE_ERROR", "work-manifests", "repo:x)", 400,
     _parse_error("Missing opening parentheses."), None),
    ("§6.3 q", "unclosed string → PARSE_ERROR", "work-manifests", "'open", 400,
     _parse_error("Premature end of string in `open`."), None),
    ("§6.3 q", "`x in y` → PARSE_ERROR", "work-manifests", "x in y", 400,
     _parse_error(_IN_Y), None),
    ("§6.3 q", "unknown tag → UNKNOWN_TAG", "work-manifests", "foo:bar", 400,
     {"data": "foo", "id": "UNKNOWN_TAG"}, None),
    ("§6.3 q", "`x in dir` → IN_DIR_NOT_SUPPORTED", "work-manifests", "x in dir", 400,
     {"id": "IN_DIR_NOT_SUPPORTED"}, None),
    ("§6.3 q", "`created_at:..` → BAD_DATE_FORMAT", "work-manifests", "created_at:..", 400,
     {"data": "..", "id": "BAD_DATE_FORMAT"}, None),
    ("§6.3 q", "`pr:abc` → the raw value as id", "work-manifests", "pr:abc", 400, {"id": "abc"},
     None),
    ("§6.3 q", "dirspaces `state:bogus` → Invalid state", "dirspaces", "state:bogus", 400,
     {"id": "Invalid state: bogus"}, None),
    ("§6.3 q", "`id:nope` → 500 (PostgreSQL)", "work-manifests", "id:nope", 500, None, None),
    ("§6.3 q", "UNKNOWN_TAG wins over a bad uuid", "work-manifests", "id:nope foo:bar", 400,
     {"data": "foo", "id": "UNKNOWN_TAG"}, None),
    ("§6.3 tz", "tz=UTC+5 (POSIX offset) accepted", "work-manifests", "created_at:2026-01-01",
     200, None, "UTC+5"),
    ("§6.3 tz", "tz=+05:30 accepted", "work-manifests", "created_at:2026-01-01..", 200, None,
     "+05:30"),
    ("§6.3 tz", "unknown tz with a datetime term → 500", "work-manifests",
     "created_at:2026-01-01", 500, None, "Mars/Olympus"),
    ("§6.3 tz", "unknown tz without a datetime term → 200", "work-manifests", "repo:x", 200,
     None, "Mars/Olympus"),
]  # fmt: skip

RULES: list[Rule] = [
    Rule("§1.4", 'refresh with the API key → 200 {"token"}', _refresh),
    Rule("§1.2", "no credentials → 403, empty, no Content-Type", _no_credentials),
    Rule("§1.2", "garbage Bearer token → 403", _garbage),
    Rule("§1.3", "expired access token → 403 (never 401)", _expired),
    Rule("§1.4", "refresh with an access token → 403", _refresh_with_access_token),
    Rule("§1.5", "the API key works directly on whoami", _api_key_on_whoami),
    Rule("§6.1", 'whoami → compact {"id","vcs"}', _whoami),
    Rule("§0.1", "unknown route under /api → 404 text/html", _unknown_route),
    Rule("§0.1", "wrong method → 404 text/html", _wrong_method),
    Rule("§6.3", "work manifests: created_at descending, Link header", _wm_default_order, True),
    Rule("§6.3", "q sort:asc → created_at ascending", _wm_sort_asc, True),
    Rule("§6.3", "dirspace states within the enum", _dirspace_states, True),
    Rule("§6.3", "limit=0 → 500, empty body", _limit_zero, True),
    Rule("§0.3", "limit=x → 404 text/html", _limit_garbage, True),
    *(
        Rule(section, title, _q_rule(what, q, status, body, tz), True)
        for section, title, what, q, status, body, tz in _Q_CASES
    ),
    Rule("§4.4.1", "KV get of a missing key → 404, empty, JSON type", _kv_get_missing, True),
    Rule("§4.4.5", "KV count of a missing key → 404", _kv_count_missing, True),
    Rule("§4.4.6", "KV size of a missing key → 500, no Content-Type", _kv_size_missing, True),
    Rule("§2.6", "the API key directly on KV → 403", _kv_api_key_directly, True),
    Rule("§4.4.2", "KV set of a new key → data null, version 0", _kv_set_new, True, True),
    Rule("§4.4.2", "KV set over a key → version + 1", _kv_set_again, True, True),
    Rule(
        "§4.3", "KV get → record fields in order, data round trip", _kv_get_round_trip, True, True
    ),
    Rule("§4.4.3", "KV cas insert over an existing key → 400", _kv_cas_insert_existing, True, True),
    Rule("§4.4.3", "KV cas with a wrong version → 400", _kv_cas_wrong_version, True, True),
    Rule("§4.4.4", 'KV delete of a missing key → {"result":false}', _kv_delete_missing, True, True),
    Rule("§4.4.5", 'KV count → {"count":1,"max_idx":0}', _kv_count, True, True),
    Rule("§4.4.7", "KV iter prefix=true → the run's keys in order", _kv_iter_prefix, True, True),
]


def _evaluate(ctx: Context, rule: Rule) -> Outcome:
    if rule.needs_installation and ctx.installation_id is None:
        return Outcome(rule, "skipped", reason="needs --installation-id")
    if rule.writes and not ctx.writes:
        return Outcome(rule, "skipped", reason="writes: run with --writes")
    try:
        diff = rule.check(ctx)
    except Skip as exc:
        return Outcome(rule, "skipped", reason=str(exc))
    except (TerrateamError, httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        # A transport failure or an answer of the wrong shape: the rule did not hold.
        return Outcome(rule, "differs", "an answer", ctx.redact(f"{type(exc).__name__}: {exc}"))
    if diff is None:
        return Outcome(rule, "pass")
    return Outcome(rule, "differs", diff[0], diff[1])


def _cleanup(ctx: Context) -> list[str]:
    """Delete every key this run wrote; return the keys that could not be deleted."""
    left = []
    for key in ctx.created_keys:
        try:
            a = ctx.call("DELETE", ctx.kv("get", key))
            if a.status != 200:
                left.append(key)
        except (TerrateamError, httpx.HTTPError):
            left.append(key)
    return left


def run(ctx: Context, out: TextIO) -> int:
    """Run every rule, print one line per rule (plus the two answers when one differs)."""
    counts = {"pass": 0, "differs": 0, "skipped": 0}
    try:
        for outcome in (_evaluate(ctx, rule) for rule in RULES):
            counts[outcome.verdict] += 1
            rule = outcome.rule
            line = f"{outcome.verdict:<8} {rule.section:<8} {rule.title}"
            if outcome.verdict == "skipped":
                line += f" ({outcome.reason})"
            print(line, file=out)
            if outcome.verdict == "differs":
                print(f"{'':17}expected: {outcome.expected}", file=out)
                print(f"{'':17}actual:   {outcome.actual}", file=out)
    finally:
        left = _cleanup(ctx) if ctx.created_keys else []
    if left:
        print(f"cleanup: could not delete {len(left)} key(s): {', '.join(left)}", file=out)
    print(
        f"conformance of {ctx.base_url}: {counts['pass']} pass, {counts['differs']} differ, "
        f"{counts['skipped']} skipped",
        file=out,
    )
    return 1 if counts["differs"] or left else 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``conformance`` sub-command's options."""
    p.add_argument("--base-url", required=True, help="the server, e.g. https://app.terrateam.io")
    p.add_argument(
        "--api-key",
        help="an API key (default: $TERRATEAM_API_KEY); never printed",
    )
    p.add_argument("--installation-id", type=int, help="an installation the key's user belongs to")
    p.add_argument("--vcs", choices=["github", "gitlab"], default="github", help="default github")
    p.add_argument(
        "--writes",
        action="store_true",
        help="also check KV writes, under a unique key prefix deleted afterwards",
    )
    p.add_argument("--slow", action="store_true", help="wait 61 s to check an expired token")
    p.add_argument("--timeout", type=float, default=30.0, help="per-request deadline (s)")


def main(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run from parsed arguments; the exit status of ``terrateam-emulator conformance``."""
    api_key = args.api_key or os.environ.get("TERRATEAM_API_KEY")
    if not api_key:
        print(
            "terrateam-emulator conformance: --api-key (or TERRATEAM_API_KEY) is required",
            file=sys.stderr,
        )
        return 2
    if not re.match(r"^https?://", args.base_url):
        print(
            "terrateam-emulator conformance: --base-url must start with http:// or https://",
            file=sys.stderr,
        )
        return 2
    previous = None
    if threading.current_thread() is threading.main_thread():
        # SIGTERM stops like Ctrl-C does: through `run`'s finally, which deletes written keys.
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _main(args, api_key, out or sys.stdout)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _main(args: argparse.Namespace, api_key: str, out: TextIO) -> int:
    with TerrateamClient(
        api_key=api_key,
        base_url=args.base_url,
        vcs=args.vcs,
        installation_id=args.installation_id,
        timeout=args.timeout,
    ) as client:
        ctx = Context(
            base_url=args.base_url,
            api_key=api_key,
            installation_id=args.installation_id,
            vcs=args.vcs,
            writes=args.writes,
            slow=args.slow,
            client=client,
        )
        return run(ctx, out)
