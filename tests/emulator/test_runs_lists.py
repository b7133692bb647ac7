"""§6.3 lists over real HTTP: keyset paging via the Link header, `q`, and the error answers."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from terrateam_emulator.resources.runs.seed import demo_runs_seed

GH = "/api/v1/github/installations/12345"
LEGACY = "/api/v1/installations/12345"
GL = "/api/v1/gitlab/installations/678"

SEED = demo_runs_seed()
GH_REPOS = {r["id"] for r in SEED["repos"] if r.get("vcs", "github") == "github"}
GH_WMS = [
    w for w in SEED["work_manifests"] if w["repo_id"] in GH_REPOS and w.get("vcs") != "gitlab"
]
BIG_WM = max(GH_WMS, key=lambda w: len(w.get("outputs", [])))


def _links(response: httpx.Response) -> dict[str, str]:
    assert "link" in response.headers  # always present, possibly empty
    return {
        rel: url for url, rel in re.findall(r'<([^>]*)>; rel="(\w+)"', response.headers["link"])
    }


def _walk(client: httpx.Client, url: str, envelope: str, rel: str) -> tuple[list[Any], list[str]]:
    """Follow ``rel`` links from ``url``; return every page's items and the URLs fetched."""
    pages, urls = [], []
    for _ in range(200):
        r = client.get(url)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/json"
        pages.append(r.json()[envelope])
        urls.append(url)
        nxt = _links(r).get(rel)
        if nxt is None:
            return pages, urls
        url = nxt
    raise AssertionError("pagination did not end")


def _keys(items: list[dict[str, Any]], fields: tuple[str, ...]) -> list[tuple[Any, ...]]:
    return [tuple(i[f] for f in fields) for i in items]


LISTS = [
    (GH + "/work-manifests", "work_manifests", ("id",), {(w["id"],) for w in GH_WMS}),
    (
        LEGACY + "/dirspaces",
        "dirspaces",
        ("id", "dir", "workspace"),
        {(w["id"], d["dir"], d["workspace"]) for w in GH_WMS for d in w["dirspaces"]},
    ),
    (
        GH + f"/work-manifests/{BIG_WM['id']}/outputs",
        "steps",
        ("idx",),
        {(o["idx"],) for o in BIG_WM["outputs"]},
    ),
    (
        GH + "/pull-requests",
        "pull_requests",
        ("repository", "pull_number"),
        {
            (p["repo_id"], p["pull_number"])
            for p in SEED["pull_requests"]
            if p.get("vcs") != "gitlab"
        },
    ),
    (
        GH + "/repos",
        "repositories",
        ("name",),
        {(r["name"],) for r in SEED["repos"] if r["id"] in GH_REPOS},
    ),
]


@pytest.mark.parametrize(
    ("path", "envelope", "fields", "expected"), LISTS, ids=[envelope for _, envelope, _, _ in LISTS]
)
def test_list__pages_forward_and_back_without_gaps_or_duplicates(
    emulator: Any, path: str, envelope: str, fields: tuple[str, ...], expected: set[Any]
) -> None:
    with httpx.Client(headers={"authorization": f"Bearer {emulator.api_key}"}, timeout=30) as c:
        limit = {"repositories": 3, "dirspaces": 20}.get(envelope, 7)
        pages, urls = _walk(c, f"{emulator.url}{path}?limit={limit}", envelope, "next")
        flat = [k for p in pages for k in _keys(p, fields)]
        assert len(flat) == len(set(flat))
        assert set(flat) == expected
        assert len(pages) > 1
        assert all(len(p) == limit for p in pages[:-1])
        # Walk back from the last page: the earlier pages come back in the same order.
        last = c.get(urls[-1])
        back_pages, _ = _walk(c, _links(last)["prev"], envelope, "prev")
        back = [k for p in reversed(back_pages) for k in _keys(p, fields)]
        assert back == flat[: len(flat) - len(pages[-1])]
        assert "prev" not in _links(c.get(_links(last)["prev"])) or len(pages) > 2


def test_pull_requests__number_desc_and_pr_filter(api: httpx.Client) -> None:
    prs = api.get(GH + "/pull-requests?limit=100").json()["pull_requests"]
    numbers = [p["pull_number"] for p in prs]
    assert numbers == sorted(numbers, reverse=True)
    only = api.get(GH + "/pull-requests?pr=12").json()["pull_requests"]
    assert [(p["pull_number"], p["name"]) for p in only] == [(12, "platform-modules")]
    assert api.get(GH + "/pull-requests?pr=0x0C").json()["pull_requests"] == only
    assert api.get(GH + "/pull-requests?pr=999").json() == {"pull_requests": []}


def test_work_manifests__default_order_and_limits(api: httpx.Client) -> None:
    r = api.get(GH + "/work-manifests")
    items = r.json()["work_manifests"]
    assert len(items) == 20  # default limit
    keys = [(w["created_at"], w["id"]) for w in items]
    assert keys == sorted(keys, reverse=True)
    assert "prev" not in _links(r)
    assert len(api.get(GH + "/work-manifests?limit=500").json()["work_manifests"]) == 100
    assert len(api.get(GH + "/work-manifests?limit=0x3").json()["work_manifests"]) == 3


def test_work_manifests__first_page_link_rebuilds_query(api: httpx.Client) -> None:
    r = api.get(
        GH + "/work-manifests", params={"limit": "2", "q": "type:plan sort:asc", "d": "desc"}
    )
    nxt = _links(r)["next"]
    assert re.search(
        r"\?page=n,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,[0-9a-f-]{36}&limit=2&q=type:plan%20sort:asc&d=desc$",
        nxt,
    )
    r2 = api.get(
        GH + "/work-manifests",
        headers={"x-forwarded-base": "https://tt.example/base/"},
        params={"limit": 1},
    )
    assert _links(r2)["next"].startswith(
        "https://tt.example/base/api/v1/github/installations/12345/work-manifests?page=n,"
    )
    r3 = api.get(
        GH + "/work-manifests", headers={"x-forwarded-proto": "https"}, params={"limit": 1}
    )
    assert _links(r3)["next"].startswith("https://127.0.0.1:")


def test_work_manifests__q_filters_and_sort(api: httpx.Client) -> None:
    def get(q: str, **kw: Any) -> list[dict[str, Any]]:
        r = api.get(GH + "/work-manifests", params={"q": q, "limit": 100, **kw})
        assert r.status_code == 200, r.text
        return r.json()["work_manifests"]

    applies = get("type:apply")
    assert applies
    assert all(w["run_type"] == "apply" for w in applies)
    asc = get("sort:asc")
    assert [w["created_at"] for w in asc] == sorted(w["created_at"] for w in asc)
    assert asc[0]["created_at"] == min(w["created_at"] for w in GH_WMS)
    drift_or_index = get("kind:drift or kind:index")
    assert {w["kind"] for w in drift_or_index} == {"drift", "index"}
    prs = get("kind:pr and not type:plan")
    assert all(isinstance(w["kind"], dict) and w["run_type"] != "plan" for w in prs)
    one = GH_WMS[10]
    assert [w["id"] for w in get("id:" + one["id"])] == [one["id"]]
    day = one["created_at"][:10]
    assert all(w["created_at"].startswith(day) for w in get(f"created_at:{day}"))
    assert get("dir:ec2")
    assert all(any(d["dir"] == "ec2" for d in w["dirspaces"]) for w in get("dir:ec2"))
    assert get("state:queued") or get("state:running")


def test_work_manifests__unencoded_comma_truncates_q(api: httpx.Client) -> None:
    r = api.get(GH + "/work-manifests?limit=100&q=type:apply,type:plan")
    assert {w["run_type"] for w in r.json()["work_manifests"]} == {"apply"}


def test_dirspaces__state_tag(api: httpx.Client) -> None:
    r = api.get(GH + "/dirspaces", params={"q": "state:failure", "limit": 100})
    assert r.status_code == 200
    assert r.json()["dirspaces"]
    assert {d["state"] for d in r.json()["dirspaces"]} == {"failure"}
    bad = api.get(GH + "/dirspaces", params={"q": "state:done"})
    assert (bad.status_code, bad.json()) == (400, {"id": "Invalid state: done"})


def test_outputs__lite_and_q(api: httpx.Client) -> None:
    path = f"{GH}/work-manifests/{BIG_WM['id']}/outputs"
    full = api.get(path).json()["steps"]
    assert all("payload" in s for s in full)
    lite = api.get(path + "?lite=true").json()["steps"]
    assert lite
    assert all("payload" not in s for s in lite)
    assert [s["idx"] for s in full] == sorted(s["idx"] for s in full)  # idx asc by default
    runs = api.get(path, params={"q": "scope:run"}).json()["steps"]
    assert runs
    assert all(s["scope"]["type"] == "run" for s in runs)
    assert [
        s["ignore_errors"] for s in api.get(path, params={"q": "ignore_errors"}).json()["steps"]
    ] == [True]
    assert api.get(path, params={"q": "idx:x"}).json() == {"id": "x"}
    unknown = api.get(f"{GH}/work-manifests/00000000-0000-4000-8000-000000000000/outputs")
    assert (unknown.status_code, unknown.json()) == (200, {"steps": []})


@pytest.mark.parametrize(
    ("q", "body"),
    [
        ("foo:bar", {"data": "foo", "id": "UNKNOWN_TAG"}),
        ("x in dir", {"id": "IN_DIR_NOT_SUPPORTED"}),
        ("created_at:..", {"data": "..", "id": "BAD_DATE_FORMAT"}),
        ("pr:abc", {"id": "abc"}),
    ],
)
def test_q__400_answers(api: httpx.Client, q: str, body: dict[str, str]) -> None:
    r = api.get(GH + "/work-manifests", params={"q": q})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/json"
    assert r.content == json.dumps(body, separators=(",", ":")).encode()  # compact, data first
    assert r.json() == body


def test_q__parse_error(api: httpx.Client) -> None:
    r = api.get(GH + "/work-manifests", params={"q": "(repo:x"})
    assert r.status_code == 400
    assert r.json()["id"] == "PARSE_ERROR"
    assert isinstance(r.json()["data"], str)


@pytest.mark.parametrize(
    ("params", "content_type"),
    [
        ({"q": "id:not-a-uuid"}, "application/json"),
        ({"q": "branch:"}, "application/json"),
        ({"q": "created_at:someday"}, "application/json"),
        ({"q": "created_at:2026-01-01", "tz": "Mars/Olympus"}, "application/json"),
        ({"limit": "0"}, None),
        ({"limit": "-5"}, None),
    ],
)
def test_q_and_limit__documented_500s(
    api: httpx.Client, params: dict[str, str], content_type: str | None
) -> None:
    r = api.get(GH + "/work-manifests", params=params)
    assert r.status_code == 500
    assert r.content == b""
    assert r.headers.get("content-type") == content_type


def test_outputs__ignore_errors_with_value_is_500(api: httpx.Client) -> None:
    r = api.get(f"{GH}/work-manifests/{BIG_WM['id']}/outputs", params={"q": "ignore_errors:true"})
    assert (r.status_code, r.content, r.headers.get("content-type")) == (500, b"", None)


def test_q__unknown_tz_is_fine_without_dates(api: httpx.Client) -> None:
    r = api.get(GH + "/work-manifests", params={"q": "type:plan", "tz": "Mars/Olympus"})
    assert r.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        GH + "/work-manifests?limit=x",
        GH + "/work-manifests?limit=1.0",
        GH + "/work-manifests?limit",
        GH + "/work-manifests?q",
        GH + "/work-manifests?page=x,1,2",
        GH + "/work-manifests?page=n,2026-01-01T00:00:00Z",
        GH + "/work-manifests?page=n,2026-01-01T00:00:00Z,not-a-uuid",
        GH + "/work-manifests?page=n&page=a&page=b&page=c",
        GH + "/work-manifests?page",
        GH + "/dirspaces?page=n,a,b,00000000-0000-4000-8000-000000000000,extra",
        GH + "/repos?page=n",
        GH + "/pull-requests?page=n,abc",
        GH + "/pull-requests?pr=x",
        GH + f"/work-manifests/{BIG_WM['id']}/outputs?lite=True",
        GH + f"/work-manifests/{BIG_WM['id']}/outputs?lite=1",
        GH + "/work-manifests/not-a-uuid/outputs",
        GH + f"/work-manifests/{BIG_WM['id']}",
        GH + "/work-manifests/",
        "/api/v1/github/installations/abc/work-manifests",
        GL + "/pull-requests",
        "/api/v1/github/installations",
    ],
)
def test_route_mismatch__404_text_html(api: httpx.Client, path: str) -> None:
    r = api.get(path)
    assert (r.status_code, r.content, r.headers.get("content-type")) == (404, b"", "text/html")


def test_route_mismatch__wrong_methods(api: httpx.Client) -> None:
    assert api.post(GH + "/work-manifests").status_code == 404
    assert api.get(GH + "/repos/refresh").status_code == 404
    assert api.post(GL + "/repos/refresh").status_code == 404


def test_page_token__one_column_cursor_ignores_extra_values(api: httpx.Client) -> None:
    plain = api.get(GH + "/repos?limit=2&page=n,infrastructure").json()
    extra = api.get(GH + "/repos?limit=2&page=n,infrastructure,whatever").json()
    assert plain == extra
    assert [r["name"] for r in plain["repositories"]] == ["networking", "platform-modules"]


def test_page_token__comma_joined_equals_repeated(api: httpx.Client) -> None:
    first = api.get(GH + "/work-manifests?limit=2")
    w = first.json()["work_manifests"][-1]
    joined = api.get(f"{GH}/work-manifests?limit=2&page=n,{w['created_at']},{w['id']}")
    repeated = api.get(
        f"{GH}/work-manifests?limit=2&page=n&page={w['created_at']}&page={w['id'].upper()}"
    )
    assert joined.json() == repeated.json()
    assert joined.json()["work_manifests"][0]["id"] != w["id"]


def test_integer_installation_ids_are_normalised(api: httpx.Client) -> None:
    r = api.get("/api/v1/github/installations/0x3039/repos")  # 12345
    assert r.status_code == 200
    assert r.json()["repositories"]


def test_gitlab_twins(api: httpx.Client) -> None:
    wms = api.get(GL + "/work-manifests?limit=100").json()["work_manifests"]
    assert len(wms) == len([w for w in SEED["work_manifests"] if w.get("vcs") == "gitlab"])
    assert api.get(GL + "/repos").json()["repositories"][0]["installation_id"] == "678"
    assert api.get(GL + "/dirspaces").status_code == 200
