"""The response cache (api/response_cache.py): a repeated public query costs the one statement of its
stamp, and no answer is ever older than a change the client was told had committed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api import http
from api.response_cache import ResponseCache, Stamp
from domain import feed
from domain.enums import Role
from tests.graphql_support import Api, StatementCounter, World

NOTICES = "{ notices(first: 50) { totalCount nodes { title } } }"
CREATE = """mutation($input: CreateNoticeInput!) { createNotice(input: $input) {
  notice { id } userErrors { code } } }"""


def _notice(title: str) -> dict[str, Any]:
    return {
        "kind": "OTHER",
        "jurisdictionCode": "110115",
        "title": title,
        "titleEn": "Notice",
        "body": "请各托管机构按期报送季度报告。",
        "bodyEn": "Report every quarter.",
        "legalBasis": "DX Art.13",
    }


async def _counted(api: Api, call: Any) -> tuple[int, httpx.Response]:
    counter = StatementCounter(api.client._transport.app.state.services.engine)  # type: ignore[attr-defined]
    try:
        response = await call()
    finally:
        counter.close()
    return counter.queries, response


async def test_a_repeated_query_costs_one_statement_until_a_change_commits(api: Api, world: World) -> None:
    first_cost, first = await _counted(api, lambda: api.post(NOTICES))
    again_cost, again = await _counted(api, lambda: api.post(NOTICES))
    assert first_cost > 1 and again_cost == 1, (first_cost, again_cost)
    assert again.json()["data"] == first.json()["data"]
    assert again.json()["extensions"]["cost"] == first.json()["extensions"]["cost"]
    assert again.json()["extensions"]["requestId"] != first.json()["extensions"]["requestId"]

    created = await api.data(CREATE, {"input": _notice("缓存后的新公告")}, as_="regulator")
    assert created["createNotice"]["notice"], created
    after_cost, after = await _counted(api, lambda: api.post(NOTICES))  # at once, told it committed
    assert after_cost > 1
    total = after.json()["data"]["notices"]["totalCount"]
    assert total == first.json()["data"]["notices"]["totalCount"] + 1
    assert "缓存后的新公告" in {n["title"] for n in after.json()["data"]["notices"]["nodes"]}


async def test_no_cache_computes_afresh(api: Api, world: World) -> None:
    await api.post(NOTICES)
    cost, fresh = await _counted(api, lambda: api.post(NOTICES, headers={"Cache-Control": "no-cache"}))
    assert cost > 1 and "errors" not in fresh.json()
    cost, _ = await _counted(api, lambda: api.post(NOTICES))  # stored by the fresh computation
    assert cost == 1


async def test_only_public_roles_share_answers_and_each_role_its_own(api: Api, world: World) -> None:
    await api.post(NOTICES)
    partner_cost, _ = await _counted(api, lambda: api.post(NOTICES, as_="partner"))
    assert partner_cost > 1, "a partner's answer is not taken from the anonymous one"
    assert (await _counted(api, lambda: api.post(NOTICES, as_="partner")))[0] == 2  # its key, the stamp
    for role in ("regulator", "agency"):
        await api.post(NOTICES, as_=role)
        cost, _ = await _counted(api, lambda role=role: api.post(NOTICES, as_=role))
        assert cost > 1, f"{role} answers depend on who asks and are never cached"


async def test_errors_are_not_stored(api: Api, world: World) -> None:
    missing = '{ address(code: "nope") { code } }'
    await api.post(missing)
    cost, _ = await _counted(api, lambda: api.post(missing))
    assert cost > 1


async def test_a_mutation_is_never_answered_from_the_cache(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Public roles may make no mutation today. Were the regulator's answers cached, its mutations would
    still run each time: a refusal in ``userErrors`` (no error, and no change to move the stamp) too."""
    monkeypatch.setattr(http, "CACHED_ROLES", frozenset({Role.ANONYMOUS, Role.PARTNER, Role.REGULATOR}))
    runs = []
    run = http.GraphQLHTTP._run

    async def counted(self: http.GraphQLHTTP, *args: Any) -> Any:
        runs.append(args)
        return await run(self, *args)

    monkeypatch.setattr(http.GraphQLHTTP, "_run", counted)
    refused = {"input": {**_notice("正文为空的公告"), "body": " "}}
    for _ in range(2):
        answer = await api.data(CREATE, refused, as_="regulator")
        assert answer["createNotice"]["userErrors"][0]["code"] == "INVALID_INPUT"
    assert len(runs) == 2
    await api.post(NOTICES, as_="regulator")
    await api.post(NOTICES, as_="regulator")
    assert len(runs) == 3, "the query, by contrast, was answered from the cache the second time"


async def test_get_with_the_etag_is_not_modified_until_a_change(api: Api, world: World) -> None:
    params = {"query": NOTICES}
    first = await api.get(params)
    etag = first.headers["etag"]
    cost, same = await _counted(api, lambda: api.get(params, headers={"If-None-Match": etag}))
    assert same.status_code == 304 and cost == 1
    await api.data(CREATE, {"input": _notice("又一条公告")}, as_="regulator")
    changed = await api.get(params, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    partner = await api.get(params, as_="partner")
    assert partner.headers["etag"] != changed.headers["etag"], "the ETag names the role's answer"


def test_a_new_day_or_a_new_change_makes_an_answer_stale() -> None:
    cache = ResponseCache(max_entries=10, max_bytes=10_000)
    day = dt.date(2026, 3, 2)
    cache.put("k", Stamp(7, day), {"a": 1}, {}, size=7)
    assert cache.get("k", Stamp(7, day)) is not None
    assert cache.get("k", Stamp(7, day + dt.timedelta(days=1))) is None
    assert cache.get("k", Stamp(7, day)) is None, "a stale answer is dropped"
    cache.put("k", Stamp(7, day), {"a": 1}, {}, size=7)
    assert cache.get("k", Stamp(8, day)) is None


def test_the_cache_is_bounded_in_entries_and_bytes() -> None:
    cache = ResponseCache(max_entries=3, max_bytes=1_000)
    stamp = Stamp(1, dt.date(2026, 3, 2))
    for n in range(5):
        cache.put(f"k{n}", stamp, {"n": n}, {}, size=7)
    assert [k for k in ("k0", "k1", "k2", "k3", "k4") if cache.get(k, stamp)] == ["k2", "k3", "k4"]
    cache.put("big", stamp, {"x": "a" * 200}, {}, size=208)
    assert cache.bytes <= 1_000 and cache.get("big", stamp) is not None
    cache.put("huge", stamp, {"x": "a" * 600}, {}, size=608)  # over a quarter of the budget: not kept
    assert cache.get("huge", stamp) is None
    off = ResponseCache(max_entries=0, max_bytes=1_000)
    off.put("k", stamp, {"a": 1}, {}, size=7)
    assert not off.enabled and off.get("k", stamp) is None


async def test_the_change_feed_is_never_answered_from_the_cache(
    api: Api, world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Pruning expires cursors without moving the head: a page read before a prune must not be served
    after it, where the cursor has expired."""
    page = "query($after: String) { changes(after: $after, first: 2) { edges { cursor } } }"
    first = await api.data(page, {"after": None})
    cursor = first["changes"]["edges"][0]["cursor"]
    assert (await api.data(page, {"after": cursor}))["changes"]["edges"]
    cost, _ = await _counted(api, lambda: api.post(page, {"after": cursor}))
    assert cost > 1
    async with sessionmaker() as session:
        await feed.prune_log(session, through_seq=feed.decode_cursor(cursor) + 1)
        await session.commit()
    expired = (await api.post(page, {"after": cursor})).json()
    assert [e["extensions"]["code"] for e in expired["errors"]] == ["CURSOR_EXPIRED"]
    snapshot = "{ snapshot(first: 3) { nodes { id } } }"
    await api.post(snapshot)
    assert (await _counted(api, lambda: api.post(snapshot)))[0] > 1
