"""Speed by construction: the SQL statements a query needs depend on its shape, not on its page size.

Counted with SQLAlchemy's ``before_cursor_execute`` event on the API's own engine, on SQLite and on
PostgreSQL, for the investment-promotion search and for an address page with its enterprises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain import commands
from domain.actor import SYSTEM
from domain.unit_of_work import UnitOfWork
from tests import factories
from tests.graphql_support import Api, StatementCounter, make_settings, open_api

ADDRESSES = 110
AGENCIES = 11
CROWDED = 55  # enterprises at the first address, more than one page of 50

PROMOTION = """query($n: Int!) {
  addresses(first: $n, filter: {jurisdictionCode: "110000", status: [PUBLISHED], keyIndustry: DIGITAL_ECONOMY,
                                minFreePlaces: 1, near: {latitude: 39.75, longitude: 116.35, radiusKm: 50}}) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { distanceKm node { code addressText freePlaces keyIndustries
      agency { name latestGrade } jurisdiction { nameZh } } }
  }
}"""

WITH_ENTERPRISES = """query($n: Int!) {
  addresses(first: $n) {
    nodes { code agency { name } enterprises(first: 50) { totalCount nodes { uscc name status } } }
  }
}"""


async def _seed(sessionmaker: Any) -> None:
    today = dt.date(2026, 3, 2)
    async with UnitOfWork(sessionmaker, SYSTEM, today=today) as u:
        agencies = [
            await commands.register_agency(
                u, **{**factories.AGENCY_DEFAULTS, "uscc": factories.make_uscc(), "name": f"北京第{i}众创空间有限公司"}
            )
            for i in range(AGENCIES)
        ]
        address_ids = []
        for i in range(ADDRESSES):
            a = await commands.file_address(
                u,
                **{
                    **factories.ADDRESS_DEFAULTS,
                    "agency_id": agencies[i % AGENCIES].id,
                    "address_text": f"北京市大兴区兴华大街{i + 1}号",
                    "capacity": 100,
                    "latitude": 39.70 + i * 0.001,
                    "longitude": 116.30 + i * 0.001,
                },
            )
            await commands.approve_address(u, a.id, expected_version=None)
            await commands.publish_address(u, a.id, expected_version=None)
            address_ids.append(a.id)
        for i, address_id in enumerate(address_ids[:10]):
            for _ in range(CROWDED if i == 0 else 3):
                await commands.register_enterprise(
                    u, **{**factories.ENTERPRISE_DEFAULTS, "uscc": factories.make_uscc(), "address_id": address_id}
                )
        await u.commit()


@pytest.fixture
async def crowded_api(database_url: str, sessionmaker: Any) -> AsyncIterator[Api]:
    await _seed(sessionmaker)
    # The statements of executing a query are counted here: without the response cache, which would
    # answer a repeated query with the one statement of its stamp.
    async for api in open_api(make_settings(database_url, response_cache_entries=0)):
        yield api


async def _statements(api: Api, query: str, n: int) -> tuple[int, dict[str, Any]]:
    transport = api.client._transport
    counter = StatementCounter(transport.app.state.services.engine)  # type: ignore[attr-defined]
    try:
        data = await api.data(query, {"n": n})
    finally:
        counter.close()
    return counter.count, data


async def test_statements_do_not_grow_with_the_page_size(crowded_api: Api, database_url: str) -> None:
    small, small_data = await _statements(crowded_api, PROMOTION, 10)
    large, large_data = await _statements(crowded_api, PROMOTION, 100)
    assert len(small_data["addresses"]["edges"]) == 10
    assert len(large_data["addresses"]["edges"]) == 100
    assert large_data["addresses"]["totalCount"] == ADDRESSES
    assert all(e["node"]["agency"]["name"] for e in large_data["addresses"]["edges"])
    assert small == large, (small, large)

    nested_small, nested_small_data = await _statements(crowded_api, WITH_ENTERPRISES, 10)
    nested_large, nested_large_data = await _statements(crowded_api, WITH_ENTERPRISES, 100)
    first = nested_large_data["addresses"]["nodes"][0]["enterprises"]
    assert first["totalCount"] == CROWDED and len(first["nodes"]) == 50
    assert len(nested_large_data["addresses"]["nodes"]) == 100
    assert sum(len(n["enterprises"]["nodes"]) for n in nested_small_data["addresses"]["nodes"]) == 50 + 9 * 3
    assert nested_small == nested_large, (nested_small, nested_large)
    # Small absolute numbers: one statement per kind of row, plus the transaction's own.
    assert large <= 8 and nested_large <= 8, (large, nested_large)
    backend = database_url.split(":")[0]
    print(f"\n[{backend}] statements: promotion {small}/{large}, with enterprises {nested_small}/{nested_large}")


async def test_a_read_sends_postgresql_its_statements_and_nothing_else(
    crowded_api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No BEGIN (and so no ROLLBACK) around a request's reads and no ping of a connection in use moments
    ago: the only round trips are the statements themselves. Counted where SQLAlchemy's asyncpg adapter
    sends BEGIN and pings."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection as Adapted

    sent: list[str] = []
    start, ping = Adapted._start_transaction, Adapted._async_ping

    async def counted_start(self: Any) -> None:
        if self.isolation_level != "autocommit":
            sent.append("BEGIN")
        await start(self)

    async def counted_ping(self: Any) -> None:
        sent.append("ping")
        await ping(self)

    await _statements(crowded_api, WITH_ENTERPRISES, 10)  # the pool's first connection is set up once
    monkeypatch.setattr(Adapted, "_start_transaction", counted_start)
    monkeypatch.setattr(Adapted, "_async_ping", counted_ping)
    counts = [(await _statements(crowded_api, WITH_ENTERPRISES, 10))[0] for _ in range(3)]
    assert sent == [], sent
    assert counts[0] == counts[1] == counts[2] > 0, counts


@pytest.mark.parametrize("idle_ping_s", [0.0, None])
async def test_a_connection_that_died_while_idle_is_replaced(
    crowded_api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch, idle_ping_s: float | None
) -> None:
    """Connections the server closed while they lay in the pool (a restart, an idle timeout) are pinged
    when they come out after :data:`domain.db.IDLE_PING_S` and replaced, so the request succeeds. Without
    the ping (``None``) the request meets the dead connection: the same test shows it failing."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    from sqlalchemy import text

    from domain import db

    await _statements(crowded_api, WITH_ENTERPRISES, 3)
    monkeypatch.setattr(db, "IDLE_PING_S", 1e9 if idle_ping_s is None else idle_ping_s)
    engine = crowded_api.client._transport.app.state.services.engine  # type: ignore[attr-defined]
    killer = db.create_engine(database_url)
    try:
        async with killer.connect() as conn:
            ours = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = 'jiqun' AND pid <> :ours"
                ),
                {"ours": ours},
            )
    finally:
        await killer.dispose()
    assert engine.sync_engine.pool.checkedin() >= 1
    response = await crowded_api.post(WITH_ENTERPRISES, {"n": 3})
    body = response.json()
    if idle_ping_s is None:
        assert body.get("errors"), body
    else:
        assert "errors" not in body, body
        assert len(body["data"]["addresses"]["nodes"]) == 3
