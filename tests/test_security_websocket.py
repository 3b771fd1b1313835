"""WebSocket abuse against a real server process: connection floods from one address (with HTTP
connections counting towards the same cap), forged and trusted forwarded addresses, and clients that
vanish mid-stream, which must leave no traceback in the server's log."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
import struct
from collections.abc import AsyncIterator, Iterator

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from domain.db import create_engine, create_sessionmaker
from tests.feed_support import FOLLOW, LEGACY_WS, TRANSPORT_WS, Writer
from tests.security_tally import HEALTHZ_LIMIT_S, TALLY, healthz_while
from tests.server import Server, running_server

CAP = 20
LIMITS = {
    "JIQUN_HEADER_TIMEOUT_S": "5",
    "JIQUN_MAX_CONNECTIONS_PER_ADDRESS": str(CAP),
    "JIQUN_POLL_INTERVAL_S": "0.2",
}
NOTICES = 400


async def _fill(database_url: str) -> None:
    """Enough change-log entries that a subscription with ``first: 1`` is sending for a few seconds."""
    engine = create_engine(database_url)
    try:
        await Writer(create_sessionmaker(engine)).notices(NOTICES, body="请各托管机构按期报送季度报告。" * 40)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def server(sqlite_databases) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    database_url = sqlite_databases.create()
    asyncio.run(_fill(database_url))
    with running_server(database_url, env=LIMITS) as running:
        yield running
    sqlite_databases.drop(database_url)


@contextlib.asynccontextmanager
async def held(
    server: Server, count: int, headers: dict[str, str] | None = None
) -> AsyncIterator[list[ClientConnection]]:
    opened: list[ClientConnection] = []
    try:
        for _ in range(count):
            opened.append(await connect(server.websocket_url, subprotocols=[TRANSPORT_WS], additional_headers=headers))
        yield opened
    finally:
        for ws in opened:
            await ws.close()
        await asyncio.sleep(0.3)  # for the server to count them out


async def _refused(server: Server, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """The close code and reason of a connection the server closes before any message."""
    async with connect(server.websocket_url, subprotocols=[TRANSPORT_WS], additional_headers=headers) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    TALLY.answered("websocket")
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def _accepted(server: Server, headers: dict[str, str] | None = None) -> None:
    async with connect(server.websocket_url, subprotocols=[TRANSPORT_WS], additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    TALLY.answered("websocket")


async def test_websockets_from_one_address_are_capped(server: Server) -> None:
    async with held(server, CAP):
        code, reason = await _refused(server)
        assert (code, reason) == (1008, f"too many open connections from this address (at most {CAP})")
    await _accepted(server)


async def test_http_and_websocket_connections_share_the_cap(server: Server) -> None:
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(CAP // 2)]
    try:
        async with held(server, CAP - CAP // 2):
            code, _ = await _refused(server)
            assert code == 1008
    finally:
        for sock in idle:
            sock.close()


async def test_a_forged_forwarded_address_does_not_escape_the_cap(server: Server) -> None:
    async with held(server, CAP):
        code, _ = await _refused(server, {"X-Forwarded-For": "198.51.100.1"})
        assert code == 1008


async def test_behind_a_trusted_proxy_the_cap_is_per_forwarded_client(sqlite_databases) -> None:  # type: ignore[no-untyped-def]
    """The proxy itself is not capped (every client behind it shares its address); its clients are."""
    database_url = sqlite_databases.create()
    env = {**LIMITS, "JIQUN_MAX_CONNECTIONS_PER_ADDRESS": "3", "JIQUN_TRUSTED_PROXIES": "127.0.0.1"}
    try:
        with running_server(database_url, env=env) as proxied:
            one = {"X-Forwarded-For": "203.0.113.1"}
            async with held(proxied, 3, one), held(proxied, 3, {"X-Forwarded-For": "203.0.113.2"}):
                assert (await _refused(proxied, one))[0] == 1008
                await _accepted(proxied, {"X-Forwarded-For": "203.0.113.3"})
                await _accepted(proxied)  # the proxy's own address
    finally:
        sqlite_databases.drop(database_url)


async def _vanish(server: Server, protocol: Subprotocol, delay_s: float, reset: bool) -> None:
    """Follow the whole change feed five times over, one change per message, and disappear ``delay_s``
    later without a close frame: by a reset, or by closing the socket."""
    ws = await connect(server.websocket_url, subprotocols=[protocol], max_size=None)
    await ws.send(json.dumps({"type": "connection_init"}))
    await ws.recv()
    start = "subscribe" if protocol == TRANSPORT_WS else "start"
    for n in range(5):
        payload = {"query": FOLLOW, "variables": {"first": 1}}
        await ws.send(json.dumps({"type": start, "id": f"feed{n}", "payload": payload}))
    await asyncio.sleep(delay_s)
    if reset:
        ws.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        ws.transport.abort()
    else:
        ws.transport.close()
    TALLY.answered("websocket")


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_clients_that_vanish_mid_stream_leave_no_traceback(server: Server, protocol: Subprotocol) -> None:
    """50 subscribers drop their connections while changes stream to them, at varied moments, ten at a
    time (within the cap): the log holds no error, and the server goes on serving. (A send racing the
    disconnect used to end in a traceback for a few in fifty.)"""
    before = server.log()
    moments = random.Random(2026)
    for _ in range(5):
        await asyncio.gather(
            *(_vanish(server, protocol, moments.uniform(0.05, 0.4), reset=bool(n % 2)) for n in range(10))
        )
        await asyncio.sleep(0.3)
    await asyncio.sleep(1.0)
    await _accepted(server)
    log = server.log()[len(before) :]
    assert "Traceback" not in log and " ERROR " not in log, log[-5000:]


async def test_text_that_is_not_text_in_websocket_variables_is_refused(server: Server) -> None:
    """Over WebSocket the HTTP layer does not see the request's JSON: the GraphQL checks refuse a NUL or a
    lone surrogate in the variables by name, and the connection goes on."""
    async with connect(server.websocket_url, subprotocols=[TRANSPORT_WS]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        await ws.recv()
        query = "query($c: String!) { address(code: $c) { code } }"
        for n, value in enumerate(["x\x00", "\ud800"]):
            payload = {"query": query, "variables": {"c": value}}
            await ws.send(json.dumps({"type": "subscribe", "id": f"q{n}", "payload": payload}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            TALLY.answered("websocket")
            assert answer["type"] == "error", answer
            assert [e["extensions"]["code"] for e in answer["payload"]] == ["BAD_USER_INPUT"]
            assert answer["payload"][0]["message"].startswith("invalid text in variables.c: ")
        await ws.send(json.dumps({"type": "subscribe", "id": "ok", "payload": {"query": "{ __typename }"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "next"


async def test_an_oversized_message_closes_the_connection(server: Server) -> None:
    """A message over JIQUN_MAX_BODY_BYTES (100 kB here) is refused by the protocol, close code 1009."""
    async with connect(server.websocket_url, subprotocols=[TRANSPORT_WS]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        await ws.recv()
        payload = {"query": "{ __typename }", "variables": {"x": "a" * 200_000}}
        await ws.send(json.dumps({"type": "subscribe", "id": "big", "payload": payload}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
    TALLY.answered("websocket")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def _init_flood(server: Server) -> None:
    """Ten connections at a time (within the cap), each sending connection_init a hundred times."""

    async def one() -> int:
        async with connect(server.websocket_url, subprotocols=[TRANSPORT_WS]) as ws:
            with contextlib.suppress(ConnectionClosed):
                for _ in range(100):
                    await ws.send(json.dumps({"type": "connection_init"}))
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
        TALLY.answered("websocket")
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code

    for _ in range(3):
        assert set(await asyncio.gather(*(one() for _ in range(10)))) == {4429}


async def _subscription_flood(server: Server) -> None:
    """Ten connections, each asking for fifty subscriptions of the whole feed: ten per connection run
    (JIQUN_MAX_SUBSCRIPTIONS_PER_CONNECTION), and the connection's key (none: its address) holds twenty in
    all (JIQUN_MAX_SUBSCRIPTIONS_PER_KEY); every other one is refused with a message, none stalls."""

    async def one(n: int) -> tuple[int, int]:
        started = refused = 0
        async with connect(server.websocket_url, subprotocols=[TRANSPORT_WS], max_size=None) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            await ws.recv()
            for op in range(50):
                payload = {"query": FOLLOW, "variables": {"first": 5}}
                await ws.send(json.dumps({"type": "subscribe", "id": f"{n}-{op}", "payload": payload}))
            answered: set[str] = set()
            while len(answered) < 50:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if message.get("id") in answered or message["type"] == "ping":
                    continue
                answered.add(message["id"])
                if message["type"] == "error" or (message["type"] == "next" and message["payload"].get("errors")):
                    refused += 1
                else:
                    started += 1
        TALLY.answered("websocket")
        return started, refused

    results = await asyncio.gather(*(one(n) for n in range(10)))
    assert all(started <= 10 for started, _ in results), results
    assert sum(started for started, _ in results) <= 20, results
    assert sum(started + refused for started, refused in results) == 500


async def test_init_and_subscription_floods_leave_healthz_answering(server: Server) -> None:
    async def attack() -> None:
        for _ in range(3):
            await _init_flood(server)
            await _subscription_flood(server)
            await asyncio.sleep(0.3)  # for the server to count the closed connections out

    slowest, probes = await healthz_while(server.base_url, attack)
    assert probes >= 5
    assert slowest < HEALTHZ_LIMIT_S, f"/healthz took {slowest:.2f}s during the floods"
