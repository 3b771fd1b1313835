"""The `changes` and `snapshot` queries over HTTP: paging, roles, codes, and no personal data anywhere."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from domain import feed
from tests import graphql_support
from tests.graphql_support import Api, World


@pytest.fixture
async def feed_api(database_url: str) -> AsyncIterator[Api]:
    async for client in graphql_support.open_api(graphql_support.make_settings(database_url)):
        yield client


@pytest.fixture
async def registry(feed_api: Api, sessionmaker) -> World:
    """Three jurisdictions' agencies, addresses (one unpublished) and enterprises with personal data."""
    built = await graphql_support.build_world(sessionmaker)
    await graphql_support.issue_keys(sessionmaker, built, feed_api)
    return built


CHANGES = """
query ($after: String, $first: Int!, $kinds: [String!], $types: [String!], $codes: [String!]) {
  changes(after: $after, first: $first, entityKinds: $kinds, types: $types, jurisdictionCodes: $codes) {
    edges { cursor node { seq } }
    nodes { cursor seq type entityKind entityId jurisdictionCode occurredAt changedFields deleted entity }
    pageInfo { hasNextPage endCursor }
    headCursor
  }
}"""

SNAPSHOT = """
query ($after: String, $first: Int!, $kinds: [String!]) {
  snapshot(after: $after, first: $first, entityKinds: $kinds) {
    changeCursor
    edges { cursor node { kind id } }
    nodes { kind id jurisdictionCode entity }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def _all_changes(api: Api, as_: str | None = None, **variables) -> tuple[list[dict], str]:
    events, after = [], None
    while True:
        page = (await api.data(CHANGES, {"first": 7, **variables, "after": after}, as_=as_))["changes"]
        assert [e["node"]["seq"] for e in page["edges"]] == [n["seq"] for n in page["nodes"]]
        events += page["nodes"]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            assert after == page["headCursor"]
            return events, after


async def test_changes_page_in_commit_order_and_hide_unpublished_addresses(feed_api: Api, registry: World):
    for role in ("anonymous", "partner"):
        events, _ = await _all_changes(feed_api, as_=role)
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(set(seqs))
        assert all(e["cursor"] == feed.encode_cursor(e["seq"]) for e in events)
        pending = registry.gid("Address", "daxing-pending")
        assert pending not in {e["entityId"] for e in events}
        assert all(e["entity"]["publishedOn"] for e in events if e["entityKind"] == "Address")
        assert {"Agency", "Address", "Enterprise", "Notice"} <= {e["entityKind"] for e in events}
    regulator, _ = await _all_changes(feed_api, as_="regulator-beijing")
    assert registry.gid("Address", "daxing-pending") in {e["entityId"] for e in regulator}
    wuxi_regulator, _ = await _all_changes(feed_api, as_="regulator-wuxi")
    assert registry.gid("Address", "daxing-pending") not in {e["entityId"] for e in wuxi_regulator}
    assert feed_api.public_responses > 0  # every anonymous and partner page was scanned for personal data


async def test_changes_filters(feed_api: Api, registry: World):
    wuxi, _ = await _all_changes(feed_api, codes=["320200"])
    assert wuxi and {e["jurisdictionCode"] for e in wuxi} == {"320205"}
    enterprises, _ = await _all_changes(feed_api, kinds=["Enterprise"], types=["enterprise.registered"])
    assert len(enterprises) == len(registry.enterprises)


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"first": 0}, "BAD_USER_INPUT"),
        ({"first": 1001}, "BAD_USER_INPUT"),
        ({"first": 10, "after": "bogus"}, "CURSOR_INVALID"),
        ({"first": 10, "after": feed.encode_cursor(10**9)}, "CURSOR_UNKNOWN"),
        ({"first": 10, "kinds": ["Person"]}, "BAD_USER_INPUT"),
        ({"first": 10, "codes": ["110101"]}, "BAD_USER_INPUT"),
    ],
)
async def test_bad_arguments_get_a_code_and_no_data(feed_api: Api, variables, code):
    body = await feed_api.run(CHANGES, variables)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code


async def test_an_expired_cursor_tells_the_client_to_reload_the_snapshot(feed_api: Api, registry: World, sessionmaker):
    async with sessionmaker() as session:
        await feed.prune_log(session, through_seq=5)
        await session.commit()
    body = await feed_api.run(CHANGES, {"first": 10, "after": feed.encode_cursor(2)})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "CURSOR_EXPIRED"
    assert "snapshot" in error["message"] and error["extensions"]["messageZh"]
    assert (await feed_api.data(CHANGES, {"first": 10, "after": feed.encode_cursor(5)}))["changes"]["nodes"][0][
        "seq"
    ] == 6


async def test_the_snapshot_is_the_public_state_at_its_change_cursor(feed_api: Api, registry: World):
    nodes, after, cursors = [], None, []
    while True:
        page = (await feed_api.data(SNAPSHOT, {"first": 9, "after": after}))["snapshot"]
        cursors.append(page["changeCursor"])
        nodes += page["nodes"]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    _, head = await _all_changes(feed_api, as_="anonymous")
    assert set(cursors) == {head}  # nothing changed while paging
    ids = [n["id"] for n in nodes]
    assert len(ids) == len(set(ids))
    addresses = {n["id"] for n in nodes if n["kind"] == "Address"}
    assert addresses == {registry.gid("Address", k) for k in registry.addresses if k != "daxing-pending"}
    assert {n["id"] for n in nodes if n["kind"] == "Enterprise"} == {
        registry.gid("Enterprise", k) for k in registry.enterprises
    }
    only = (await feed_api.data(SNAPSHOT, {"first": 100, "kinds": ["Agency"]}))["snapshot"]["nodes"]
    assert {n["kind"] for n in only} == {"Agency"} and len(only) == len(registry.agencies)
