"""The planned queries run one SQL statement per covered root field, whatever the page size, and the
same queries with the planner off run more (so the count shows the planner answered).

Counted on the API's own engine (SQLAlchemy's ``before_cursor_execute``), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.graphql_support import StatementCounter
from tests.planner_support import Pair, open_pair

ENTERPRISES = """query E($n: Int!) { enterprises(first: $n) {
  totalCount edges { cursor node { id uscc name registeredOn status } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
AGENCIES = """query A($n: Int!) { agencies(first: $n) {
  edges { cursor node { id uscc name kind jurisdictionCode latestGrade latestGradeYear } } } }"""
ADDRESS = """query P($n: Int!, $code: String!) { address(code: $code) {
  id code capacity occupied freePlaces status publishedOn agency { name latestGrade }
  enterprises(first: $n) { totalCount edges { cursor node { id uscc name registeredOn status } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"""
NODES = """query N($ids: [ID!]!) { nodes(ids: $ids) {
  ... on Enterprise { id uscc name registeredOn status } ... on Agency { id name latestGrade } } }"""
SEARCH = """query S($n: Int!) { addresses(first: $n, filter: {minFreePlaces: 1,
  near: {latitude: 39.75, longitude: 116.4, radiusKm: 100}}) { totalCount
  edges { cursor distanceKm node { id code addressText freePlaces agency { name latestGrade latestGradeYear } } } } }"""
BOTH = """query B($n: Int!) { enterprises(first: $n) { nodes { id name } }
  agencies(last: $n) { nodes { id name } pageInfo { hasPreviousPage } } }"""


@pytest.fixture
async def pair(database_url: str, sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[Pair]:
    async with open_pair(database_url, sessionmaker) as opened:
        yield opened


def _engine(api: Any) -> Any:
    return api.client._transport.app.state.services.engine


async def _count(pair: Pair, planned: bool, query: str, variables: dict[str, Any], as_: str | None = None) -> int:
    api = pair.planned if planned else pair.reference
    counter = StatementCounter(_engine(api))
    try:
        response = await api.post(query, variables, as_=as_)
    finally:
        counter.close()
    body = response.json()
    assert "errors" not in body, body
    return counter.queries - await _caller_statements(api, as_)


async def _caller_statements(api: Any, as_: str | None) -> int:
    """What finding the caller costs (its key, a regulator's districts): the statements of ``__typename``."""
    counter = StatementCounter(_engine(api))
    try:
        await api.post("{ __typename }", as_=as_)
    finally:
        counter.close()
    return counter.queries


@pytest.mark.parametrize(
    ("query", "statements"), [(ENTERPRISES, 1), (AGENCIES, 1), (BOTH, 2), (ADDRESS, 1), (NODES, 1), (SEARCH, 1)]
)
async def test_one_statement_per_root_field(pair: Pair, query: str, statements: int) -> None:
    first = await pair.reference.post("{ addresses(first: 1) { nodes { code } } }")
    code = first.json()["data"]["addresses"]["nodes"][0]["code"]
    for n in (1, 5, 100):
        variables: dict[str, Any] = {"n": n, "code": code} if "$code" in query else {"n": n}
        if "$ids" in query:  # n ids of enterprises and agencies, some repeated
            ids = [pair.world.gid("Enterprise", k) for k in pair.world.enterprises]
            ids += [pair.world.gid("Agency", k) for k in pair.world.agencies]
            variables = {"ids": (ids * 10)[:n]}
        for who in (None, "regulator"):
            assert await _count(pair, True, query, variables, who) == statements
        # The resolvers, for comparison: a page and its count are separate statements, and so on.
        reference = await _count(pair, False, query, variables)
        assert reference > statements if "totalCount" in query else reference >= statements
