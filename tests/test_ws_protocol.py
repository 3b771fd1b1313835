"""GraphQL over WebSocket against a real server: the graphql-transport-ws close codes, the legacy
graphql-ws protocol, API keys in ``connection_init``, keep-alive pings and subscription limits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from api.websocket import authorization
from domain import commands
from domain.actor import SYSTEM
from domain.db import create_engine, create_sessionmaker
from domain.feed import decode_cursor
from domain.keys import create_key
from domain.unit_of_work import UnitOfWork
from tests import factories
from tests.feed_support import FOLLOW, LEGACY_WS, TRANSPORT_WS, subscriber
from tests.server import Server, running_server

BOUND_S = 20.0


@dataclass
class Site:
    server: Server
    database_url: str

    @property
    def url(self) -> str:
        return self.server.websocket_url


@pytest.fixture(scope="module")
def site(sqlite_databases) -> Iterator[Site]:
    database_url = sqlite_databases.create()
    env = {
        "JIQUN_WS_INIT_TIMEOUT_S": "1",
        "JIQUN_WS_KEEPALIVE_S": "0.5",
        "JIQUN_MAX_SUBSCRIPTIONS_PER_CONNECTION": "2",
        "JIQUN_MAX_SUBSCRIPTIONS_PER_KEY": "3",
        "JIQUN_POLL_INTERVAL_S": "0.2",
    }
    with running_server(database_url, env=env) as server:
        yield Site(server, database_url)
    sqlite_databases.drop(database_url)


@pytest.fixture
async def sessionmaker_of_site(site: Site) -> AsyncIterator:
    engine = create_engine(site.database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def _key(sessionmaker, role: str = "partner", **scope) -> str:
    async with sessionmaker() as session:
        _, token = await create_key(session, name=f"{role} test", role=role, **scope)
        await session.commit()
    return token


async def _close_code(ws: ClientConnection) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), BOUND_S)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def _init(ws: ClientConnection, payload: dict | None = None) -> None:
    await ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), BOUND_S))["type"] == "connection_ack"


def _subscribe(op: str, after: str | None = None, **variables) -> str:
    payload = {"query": FOLLOW, "variables": {"after": after, **variables}}
    return json.dumps({"id": op, "type": "subscribe", "payload": payload})


async def test_no_init_within_the_timeout_closes_4408(site):
    async with connect(site.url, subprotocols=[TRANSPORT_WS]) as ws:
        assert await _close_code(ws) == 4408


async def test_a_second_init_closes_4429(site):
    async with connect(site.url, subprotocols=[TRANSPORT_WS]) as ws:
        await _init(ws)
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert await _close_code(ws) == 4429


async def test_subscribe_before_ack_closes_4401(site):
    async with connect(site.url, subprotocols=[TRANSPORT_WS]) as ws:
        await ws.send(_subscribe("1"))
        assert await _close_code(ws) == 4401


async def test_a_duplicate_operation_id_closes_4409(site):
    async with connect(site.url, subprotocols=[TRANSPORT_WS]) as ws:
        await _init(ws)
        await ws.send(_subscribe("same"))
        await ws.send(_subscribe("same"))
        assert await _close_code(ws) == 4409


@pytest.mark.parametrize(
    "message",
    [
        '{"type": "nonsense"}',
        "this is not json",
        '{"id": "1"}',
        b"\x00\x01",
        '{"type": "connection_init", "payload": 5}',
    ],
)
async def test_invalid_messages_close_4400(site, message):
    async with connect(site.url, subprotocols=[TRANSPORT_WS]) as ws:
        await ws.send(message)
        assert await _close_code(ws) == 4400


async def test_an_unknown_api_key_is_refused_4403(site):
    async with connect(site.url, subprotocols=[TRANSPORT_WS]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer jq_0000_nope"}}))
        assert await _close_code(ws) == 4403


async def test_the_server_pings_idle_connections(site):
    async with connect(site.url, subprotocols=[TRANSPORT_WS]) as ws:
        await _init(ws)
        for _ in range(2):
            assert json.loads(await asyncio.wait_for(ws.recv(), BOUND_S)) == {"type": "ping"}
            await ws.send(json.dumps({"type": "pong"}))


async def test_the_key_in_connection_init_decides_what_the_feed_shows(site, sessionmaker_of_site):
    sessionmaker = sessionmaker_of_site

    def uow() -> UnitOfWork:
        return UnitOfWork(sessionmaker, SYSTEM)

    agency = await factories.agency(uow)
    async with uow() as u:
        await commands.file_address(u, agency_id=agency.id, **factories.ADDRESS_DEFAULTS)  # never published
        await u.commit()
    regulator = await _key(sessionmaker, "regulator", jurisdiction_code="110000")

    async with subscriber(site.url, regulator) as insider:
        await insider.subscribe(entityKinds=["Address"])
        await insider.collect(lambda s: any(e["type"] == "address.filed" for e in s.events))
        head = insider.cursor
    payloads = ({}, {"authorization": f"Bearer {await _key(sessionmaker)}"})
    for payload in payloads:
        async with connect(site.url, subprotocols=[TRANSPORT_WS]) as ws:
            await _init(ws, payload)
            await ws.send(_subscribe("x", entityKinds=["Address"]))
            while True:  # the public sees no event, only its cursor moving past the hidden one
                message = json.loads(await asyncio.wait_for(ws.recv(), BOUND_S))
                if message["type"] == "ping":
                    continue
                batch = message["payload"]["data"]["changes"]
                assert all(e["entity"]["publishedOn"] for e in batch["events"])
                if decode_cursor(batch["cursor"]) >= decode_cursor(head):
                    break


async def test_a_malformed_cursor_ends_the_subscription_with_its_code(site):
    async with subscriber(site.url) as client:
        await client.subscribe(after="not-a-cursor")
        await client.collect(lambda s: False)
    assert client.errors[0]["extensions"]["code"] == "CURSOR_INVALID"


async def test_legacy_graphql_ws_protocol(site, sessionmaker_of_site):
    await factories.agency(lambda: UnitOfWork(sessionmaker_of_site, SYSTEM))
    async with connect(site.url, subprotocols=[LEGACY_WS]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        seen = set()
        await ws.send(json.dumps({"id": "1", "type": "start", "payload": {"query": FOLLOW, "variables": {}}}))
        while not {"connection_ack", "ka", "data"} <= seen:
            message = json.loads(await asyncio.wait_for(ws.recv(), BOUND_S))
            seen.add(message["type"])
            if message["type"] == "data":
                assert message["payload"]["data"]["changes"]["events"][0]["seq"] == 1
        await ws.send(json.dumps({"id": "1", "type": "stop"}))
        while (message := json.loads(await asyncio.wait_for(ws.recv(), BOUND_S)))["type"] == "ka":
            pass
        assert message == {"type": "complete", "id": "1"}


async def test_legacy_graphql_ws_refuses_an_unknown_key(site):
    async with connect(site.url, subprotocols=[LEGACY_WS]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": "jq_0000_nope"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), BOUND_S))["type"] == "connection_error"
        assert await _close_code(ws) == 1011


async def test_subscriptions_are_limited_per_connection_and_per_key(site, sessionmaker_of_site):
    await factories.agency(lambda: UnitOfWork(sessionmaker_of_site, SYSTEM))  # each subscription replays it
    key = await _key(sessionmaker_of_site)

    async def first_message(ws: ClientConnection) -> dict:
        while (message := json.loads(await asyncio.wait_for(ws.recv(), BOUND_S)))["type"] == "ping":
            pass
        return message

    async with (
        connect(site.url, subprotocols=[TRANSPORT_WS]) as one,
        connect(site.url, subprotocols=[TRANSPORT_WS]) as two,
    ):
        for ws in (one, two):
            await _init(ws, {"Authorization": f"Bearer {key}"})
        for op in ("a", "b"):
            await one.send(_subscribe(op))
            assert (await first_message(one))["type"] == "next"
        await one.send(_subscribe("c"))
        refused = await first_message(one)
        assert refused["type"] == "error" and "limit" in refused["payload"][0]["message"]

        await two.send(_subscribe("d"))
        assert (await first_message(two))["type"] == "next"  # the key's third subscription
        await two.send(_subscribe("e"))
        over = await first_message(two)
        assert over["type"] == "next"
        assert over["payload"]["errors"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"


@pytest.mark.parametrize(
    ("payload", "header"),
    [
        ({"Authorization": "Bearer jq_a_b"}, "Bearer jq_a_b"),
        ({"authorization": "jq_a_b"}, "Bearer jq_a_b"),
        ({"headers": {"Authorization": "bearer jq_a_b"}}, "bearer jq_a_b"),
        ({"Authorization": "  "}, None),
        ({}, None),
        (None, None),
        ("jq_a_b", None),
    ],
)
def test_where_connection_init_may_carry_the_key(payload, header):
    assert authorization(payload) == header
