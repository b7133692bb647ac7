"""The send loop over a fake server: retries, request encoding, validation, errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from core.fakes import API_KEY, BASE, FakeTerrateam, json_route
from terrateam_core import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    KVConflictError,
    KVNotFoundError,
    NotFoundError,
    RateLimitError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
    TerrateamClient,
    TerrateamError,
)

KV = "/api/v1/github/kv/12345"
RECORD = {"key": "k", "idx": 0, "data": None, "committed": True, "size": 4, "version": 0}


class Sleeps(list[float]):
    """Records the delays the retry loop asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _client(fake: FakeTerrateam, sleeps: Sleeps | None = None, **kw: Any) -> TerrateamClient:
    return TerrateamClient(
        API_KEY,
        base_url=BASE,
        installation_id=12345,
        transport=fake.transport(),
        retry_policy=RetryPolicy(sleep=sleeps if sleeps is not None else (lambda _s: None)),
        **kw,
    )


def _sequence(*responses: httpx.Response) -> Any:
    remaining = list(responses)

    def handler(_r: httpx.Request) -> httpx.Response:
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return handler


def test_kv_get__429_then_503_recovered_with_retry_after() -> None:
    """429 (Retry-After: 2) then 503 then 200: the call succeeds and honours the hint."""
    fake = FakeTerrateam()
    fake.routes[("GET", f"{KV}/key/k")] = _sequence(
        httpx.Response(429, headers={"Retry-After": "2"}, text="<html>slow down</html>"),
        httpx.Response(503),
        httpx.Response(200, json=RECORD),
    )
    sleeps = Sleeps()
    with _client(fake, sleeps) as client:
        assert client.kv.get("k").key == "k"
    assert len(sleeps) == 2
    assert sleeps[0] >= 2.0


def test_kv_get__persistent_503_gives_up_after_4_attempts() -> None:
    """Four attempts by default, then ServerError."""
    fake = FakeTerrateam()
    fake.routes[("GET", f"{KV}/key/k")] = json_route({}, status=503)
    with _client(fake) as client, pytest.raises(ServerError) as info:
        client.kv.get("k")
    assert info.value.status_code == 503
    gets = [r for r in fake.requests if r.url.path.endswith("/key/k")]
    assert len(gets) == 4


def test_kv_get__429_exhausted_is_rate_limit_error_with_retry_after() -> None:
    """A persistent 429 surfaces as RateLimitError carrying retry_after."""
    fake = FakeTerrateam()
    fake.routes[("GET", f"{KV}/key/k")] = lambda _r: httpx.Response(
        429, headers={"Retry-After": "1"}
    )
    with _client(fake, max_retries=1) as client, pytest.raises(RateLimitError) as info:
        client.kv.get("k")
    assert info.value.retry_after == 1.0


def test_repos_refresh__post_not_retried_on_503() -> None:
    """A non-idempotent POST is sent once even when the answer is 503."""
    fake = FakeTerrateam()
    path = "/api/v1/github/installations/12345/repos/refresh"
    fake.routes[("POST", path)] = json_route({}, status=503)
    with _client(fake) as client, pytest.raises(ServerError):
        client.repos.refresh()
    assert sum(1 for r in fake.requests if r.url.path == path) == 1


def test_repos_refresh__post_retried_on_429() -> None:
    """429 means 'not processed', so even a POST is retried."""
    fake = FakeTerrateam()
    path = "/api/v1/github/installations/12345/repos/refresh"
    fake.routes[("POST", path)] = _sequence(
        httpx.Response(429), httpx.Response(200, json={"id": "t-1"})
    )
    with _client(fake) as client:
        assert client.repos.refresh() == "t-1"


def test_post_not_retried_after_read_timeout() -> None:
    """A POST whose response was lost (read timeout) is not repeated."""
    fake = FakeTerrateam()
    path = "/api/v1/github/installations/12345/repos/refresh"
    count = {"n": 0}

    def boom(request: httpx.Request) -> httpx.Response:
        count["n"] += 1
        raise httpx.ReadTimeout("lost", request=request)

    fake.routes[("POST", path)] = boom
    with _client(fake) as client, pytest.raises(APITimeoutError):
        client.repos.refresh()
    assert count["n"] == 1


def test_connect_error_retried_then_wrapped() -> None:
    """Connection errors are retried, then raised as APIConnectionError (never raw httpx)."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    sleeps = Sleeps()
    with (
        TerrateamClient(
            API_KEY,
            base_url=BASE,
            transport=httpx.MockTransport(refuse),
            retry_policy=RetryPolicy(sleep=sleeps),
        ) as client,
        pytest.raises(APIConnectionError) as info,
    ):
        client.whoami()
    assert not isinstance(info.value, httpx.HTTPError)
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert len(sleeps) == 3


def test_total_deadline_stops_retries() -> None:
    """When the total deadline is spent, the loop stops instead of sleeping past it."""
    now = [0.0]
    fake = FakeTerrateam()
    fake.routes[("GET", f"{KV}/key/k")] = lambda _r: httpx.Response(
        503, headers={"Retry-After": "5"}
    )

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with (
        TerrateamClient(
            API_KEY,
            base_url=BASE,
            installation_id=12345,
            transport=fake.transport(),
            retry_policy=RetryPolicy(sleep=sleep, max_retries=10),
            max_retries=10,
            total_timeout=12.0,
            monotonic=lambda: now[0],
        ) as client,
        pytest.raises(ServerError),
    ):
        client.kv.get("k")
    assert now[0] <= 12.0


def test_kv_key_encoding_and_exact_content_type() -> None:
    """'/' travels as %2F, commas and '+' are encoded; bodies are exactly application/json."""
    fake = FakeTerrateam()
    seen: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=RECORD)

    fake.routes[("PUT", f"{KV}/key/a/b c,+")] = capture
    with _client(fake) as client:
        client.kv.set("a/b c,+", {"x": [1, 2]}, idx=3, committed=False)
    request = seen[0]
    assert request.url.raw_path == b"/api/v1/github/kv/12345/key/a%2Fb%20c%2C%2B"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"data": {"x": [1, 2]}, "idx": 3, "committed": False}


def test_query_values_with_commas_are_encoded() -> None:
    """A q value containing a comma is sent as %2C so the server does not split it."""
    fake = FakeTerrateam()
    seen: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"work_manifests": []}, headers={"link": ""})

    fake.routes[("GET", "/api/v1/github/installations/12345/work-manifests")] = capture
    with _client(fake) as client:
        assert list(client.work_manifests.list(q="repo:a,b and state:queued")) == []
    assert b"q=repo:a%2Cb%20and%20state:queued" in seen[0].url.raw_path


@pytest.mark.parametrize("bad", [32768, -32769, 70000])
def test_out_of_range_idx_is_rejected_client_side(bad: int) -> None:
    """idx outside the server's smallint never reaches the server (it would wrap silently)."""
    fake = FakeTerrateam()
    with _client(fake) as client, pytest.raises(ValueError, match="32767"):
        client.kv.get("k", idx=bad)
    assert fake.requests == []


def test_dot_keys_are_rejected_client_side() -> None:
    """Keys '.' and '..' cannot be addressed over HTTP; the client says so."""
    with _client(FakeTerrateam()) as client, pytest.raises(ValueError, match="cannot be"):
        client.kv.get("..")


def test_cas_400_is_kv_conflict() -> None:
    """A 400 from the CAS route is KVConflictError (a BadRequestError)."""
    fake = FakeTerrateam()
    fake.routes[("PUT", f"{KV}/cas/key/k")] = lambda _r: httpx.Response(400)
    with _client(fake) as client, pytest.raises(KVConflictError) as info:
        client.kv.cas("k", 1, version=3)
    assert info.value.status_code == 400
    assert info.value.method == "PUT"


def test_kv_get_404_is_kv_not_found_and_get_or_none_is_none() -> None:
    """404 on get → KVNotFoundError (a NotFoundError); get_or_none → None."""
    fake = FakeTerrateam()
    fake.routes[("GET", f"{KV}/key/k")] = lambda _r: httpx.Response(404)
    with _client(fake) as client:
        with pytest.raises(NotFoundError) as info:
            client.kv.get("k")
        assert isinstance(info.value, KVNotFoundError)
        assert client.kv.get_or_none("k") is None


def test_count_zero_rows_and_size_missing() -> None:
    """count's 404 is KVCount(0, None); size's bare 500 on a missing key is 0."""
    fake = FakeTerrateam()
    fake.routes[("GET", f"{KV}/count/key/k")] = lambda _r: httpx.Response(404)
    fake.routes[("GET", f"{KV}/size/key/k")] = lambda _r: httpx.Response(500)
    with _client(fake) as client:
        count = client.kv.count("k")
        assert (count.count, count.max_idx) == (0, None)
        assert client.kv.size("k") == 0


def test_malformed_success_body_is_response_validation_error() -> None:
    """A 200 whose body does not fit the model raises ResponseValidationError."""
    fake = FakeTerrateam()
    fake.routes[("GET", "/api/v1/whoami")] = lambda _r: httpx.Response(200, text="<html>")
    with _client(fake) as client, pytest.raises(ResponseValidationError):
        client.whoami()


def test_unknown_fields_and_enum_values_are_accepted() -> None:
    """Response models ignore new fields and accept new enum values."""
    fake = FakeTerrateam()
    task_id = "7d1f2c5e-0000-4000-8000-000000000001"
    fake.routes[("GET", f"/api/v1/tasks/{task_id}")] = json_route(
        {"id": task_id, "name": "n", "state": "brand-new-state", "future": {"x": 1}}
    )
    with _client(fake) as client:
        assert client.tasks.get(task_id).state == "brand-new-state"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.tasks.get("t1"),
        lambda c: c.work_manifests.get("nope"),
        lambda c: list(c.work_manifests.outputs("x/../y")),
        lambda c: c.access_tokens.delete("123"),
    ],
)
def test_malformed_ids_are_rejected_client_side(call: Any) -> None:
    """Ids the server would answer with an empty 404 (or a 500) fail locally, clearly."""
    fake = FakeTerrateam()
    with _client(fake) as client, pytest.raises(ValueError, match="must be a UUID"):
        call(client)
    assert fake.requests == []


def test_missing_installation_is_configuration_error() -> None:
    """An installation-scoped call without any installation id explains where to set one."""
    transport = FakeTerrateam().transport()
    with (
        TerrateamClient(API_KEY, base_url=BASE, transport=transport) as c,
        pytest.raises(ConfigurationError, match="TERRATEAM_INSTALLATION_ID"),
    ):
        c.kv.get("k")


def test_request_escape_hatch_returns_any_status() -> None:
    """client.request() applies auth and returns the response, whatever its status."""
    fake = FakeTerrateam()
    fake.routes[("GET", "/api/v1/custom")] = json_route({"ok": True}, status=418)
    with _client(fake) as client:
        response = client.request("GET", "/api/v1/custom", params={"a": [1, 2], "b": True})
    assert response.status_code == 418
    assert response.request.url.query == b"a=1&a=2&b=true"


def test_user_agent_is_extendable() -> None:
    """The User-Agent starts with terrateam-toolkit/<version> and carries adapter tokens."""
    fake = FakeTerrateam()
    fake.routes[("GET", "/api/v1/whoami")] = json_route({"id": "u", "vcs": []})
    with _client(fake, user_agent_extra=("terrateam-cli/9.9",)) as client:
        client.whoami()
    ua = fake.requests[-1].headers["user-agent"]
    assert ua.startswith("terrateam-toolkit/")
    assert ua.endswith("terrateam-cli/9.9")


def test_injected_http_client_is_not_closed() -> None:
    """A caller's httpx.Client survives the TerrateamClient's close()."""
    http = httpx.Client(transport=FakeTerrateam().transport())
    TerrateamClient(API_KEY, base_url=BASE, http_client=http).close()
    assert not http.is_closed
    http.close()


def test_every_error_is_a_terrateam_error() -> None:
    """Transport failures of any kind surface as TerrateamError subclasses."""

    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("bad", request=request)

    with (
        TerrateamClient(
            API_KEY,
            base_url=BASE,
            transport=httpx.MockTransport(broken),
            retry_policy=RetryPolicy(sleep=lambda _s: None),
        ) as client,
        pytest.raises(TerrateamError),
    ):
        client.whoami()


def test_size_real_server_error_is_not_hidden() -> None:
    """size's 500 becomes 0 only when the key really has no rows; otherwise it is raised."""
    fake = FakeTerrateam()
    fake.routes[("GET", f"{KV}/size/key/k")] = lambda _r: httpx.Response(500)
    fake.routes[("GET", f"{KV}/count/key/k")] = json_route({"count": 2, "max_idx": 1})
    with _client(fake) as client, pytest.raises(ServerError) as info:
        client.kv.size("k")
    assert info.value.status_code == 500


def test_import_reads_no_configuration(tmp_path: Any) -> None:
    """Importing the package reads no environment or file (a broken config is harmless), and
    loads the client (httpx) only on first use."""
    import subprocess
    import sys

    bad = tmp_path / "config.toml"
    bad.write_text("this is = = not toml")
    env = {"TERRATEAM_CONFIG_FILE": str(bad), "TERRATEAM_API_KEY": "", "PATH": "/usr/bin"}
    code = (
        "import sys, terrateam_core\n"
        "assert 'httpx' not in sys.modules, 'import terrateam_core must stay light'\n"
        "import terrateam_core.config, terrateam_core.models\n"
        "from terrateam_core import TerrateamClient, KVConflictError\n"
        "print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert out.stdout.strip() == "ok", out.stderr


def test_namespaces_are_discoverable() -> None:
    """help() names the namespaces, IDEs see their types, and reprs say what they offer."""
    import pydoc
    import typing

    hints = typing.get_type_hints(TerrateamClient)
    assert hints["work_manifests"].__name__ == "WorkManifests"
    assert hints["kv"].__name__ == "KV"
    text = pydoc.render_doc(TerrateamClient)
    for name in ("kv", "work_manifests", "access_tokens", "stacks"):
        assert f"``{name}``" in text
    with TerrateamClient(API_KEY, base_url=BASE, installation_id=1) as c:
        text = repr(c.work_manifests)
        assert text.startswith("<WorkManifests: ")
        offered = text.split(": ", 1)[1].split(" — ")[0].split(", ")
        assert {"get", "list", "outputs", "wait"} <= set(offered)
        assert "0x" not in repr(c.kv)
        assert "pages()" in repr(c.work_manifests.list())
        assert API_KEY not in repr(c.kv)
