"""The change feed across real API processes: two ``jiqun serve`` on one PostgreSQL, woken through Redis
or PostgreSQL NOTIFY, or served by polling when the broker is gone; a subscriber killed mid-stream that
resumes; concurrent writers; a subscriber too slow to read."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest

from domain.db import create_engine, create_sessionmaker
from domain.feed import decode_cursor
from domain.keys import create_key
from tests.databases import REDIS_URL
from tests.feed_support import Writer, private_redis, stop_process, subscriber, unused_redis_url
from tests.server import Server, running_server

BOUND_S = 30.0
ON_POSTGRES = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="JIQUN_TEST_REDIS_URL is not set")

CREATE_NOTICE = """
mutation ($title: String!) {
  createNotice(input: {kind: OTHER, jurisdictionCode: "110115", title: $title, titleEn: "Notice",
                       body: "请各托管机构按期报送季度报告。", bodyEn: "Report every quarter.",
                       legalBasis: "DX Art.13"}) {
    userErrors { code message }
  }
}"""


def base_env(**extra: str) -> dict[str, str]:
    return {"JIQUN_RATE_LIMIT_KEY_PER_MINUTE": "1000000", "JIQUN_BROKER_CHANNEL": f"jiqun:{uuid.uuid4().hex}", **extra}


@contextlib.contextmanager
def two_servers(database_url: str, env: dict[str, str]) -> Iterator[tuple[Server, Server]]:
    with running_server(database_url, env=env) as a, running_server(database_url, env=env) as b:
        yield a, b


async def regulator_key(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            _, token = await create_key(session, name="Daxing", role="regulator", jurisdiction_code="110115")
            await session.commit()
            return token
    finally:
        await engine.dispose()


class Mutator:
    """Publishes notices through a server's GraphQL mutation, as a regulator; counts them."""

    def __init__(self, server: Server, key: str) -> None:
        self.client = httpx.AsyncClient(
            base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=BOUND_S
        )
        self.count = 0

    async def notice(self) -> None:
        response = await self.client.post("/graphql", json={"query": CREATE_NOTICE, "variables": {"title": "提示"}})
        body = response.json()
        assert "errors" not in body and not body["data"]["createNotice"]["userErrors"], body
        self.count += 1

    async def aclose(self) -> None:
        await self.client.aclose()


async def _delivered_by_wake_up(a: Server, b: Server, key: str) -> None:
    """With a poll interval far longer than the test, only a wake-up can deliver a change in time."""
    mutator = Mutator(a, key)
    try:
        await mutator.notice()
        async with subscriber(b.websocket_url) as sub:
            await sub.subscribe()
            await sub.collect(lambda s: len(s.events) >= 1)  # replayed: the subscription is now waiting
            for _ in range(10):  # until b's broker listens; each later commit wakes b at once
                await mutator.notice()
                with contextlib.suppress(AssertionError):
                    await sub.collect(lambda s: len(s.events) >= mutator.count, timeout=2)
                    break
            else:
                raise AssertionError(f"no wake-up reached the other process:\n{b.log()}")
            assert sub.seqs == list(range(1, mutator.count + 1))
    finally:
        await mutator.aclose()


@ON_POSTGRES
@needs_redis
async def test_a_mutation_on_one_process_wakes_a_subscriber_on_another_through_redis(database_url):
    key = await regulator_key(database_url)
    env = base_env(JIQUN_REDIS_URL=REDIS_URL, JIQUN_POLL_INTERVAL_S="3600")
    with two_servers(database_url, env) as (a, b):
        await _delivered_by_wake_up(a, b, key)


@ON_POSTGRES
async def test_a_mutation_on_one_process_wakes_a_subscriber_on_another_through_postgres(database_url):
    key = await regulator_key(database_url)
    env = base_env(JIQUN_BROKER="postgres", JIQUN_POLL_INTERVAL_S="3600")
    with two_servers(database_url, env) as (a, b):
        await _delivered_by_wake_up(a, b, key)


@ON_POSTGRES
async def test_without_a_reachable_redis_subscribers_are_served_by_polling(database_url):
    key = await regulator_key(database_url)
    env = base_env(JIQUN_REDIS_URL=unused_redis_url(), JIQUN_POLL_INTERVAL_S="0.5")
    with two_servers(database_url, env) as (a, b):
        mutator = Mutator(a, key)
        try:
            async with subscriber(b.websocket_url) as sub:
                await sub.subscribe()
                for _ in range(3):
                    await mutator.notice()
                await sub.collect(lambda s: len(s.events) >= 3)
                assert sub.seqs == [1, 2, 3]
        finally:
            await mutator.aclose()
        assert "subscribers fall back to polling" in b.log()


@ON_POSTGRES
@needs_redis
async def test_stopping_redis_mid_stream_loses_no_change(database_url):
    key = await regulator_key(database_url)
    with private_redis() as (redis_url, redis_process):
        env = base_env(JIQUN_REDIS_URL=redis_url, JIQUN_POLL_INTERVAL_S="0.5")
        with two_servers(database_url, env) as (a, b):
            mutator = Mutator(a, key)
            try:
                async with subscriber(b.websocket_url) as sub:
                    await sub.subscribe()
                    for _ in range(3):
                        await mutator.notice()
                    await sub.collect(lambda s: len(s.events) >= 3)
                    stop_process(redis_process)
                    for _ in range(4):
                        await mutator.notice()
                    await sub.collect(lambda s: len(s.events) >= 7)
                    assert sub.seqs == list(range(1, 8))
            finally:
                await mutator.aclose()


@ON_POSTGRES
@needs_redis
async def test_a_killed_subscriber_resumes_from_its_last_cursor_with_every_change_once(database_url):
    key = await regulator_key(database_url)
    env = base_env(JIQUN_REDIS_URL=REDIS_URL, JIQUN_POLL_INTERVAL_S="0.5")
    total, before_kill = 60, 20
    killed = asyncio.Event()
    with two_servers(database_url, env) as (a, b):
        mutator = Mutator(a, key)

        async def write() -> None:
            # Changes are still to come after the kill however slowly the subscriber process starts.
            for n in range(total):
                if n == before_kill:
                    await killed.wait()
                await mutator.notice()

        writing = asyncio.create_task(write())
        try:
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.feed_support", b.websocket_url, stdout=asyncio.subprocess.PIPE
            )
            stored: list[int] = []
            cursor = None
            assert child.stdout is not None
            while len(stored) < 15:
                line = await asyncio.wait_for(child.stdout.readline(), BOUND_S)
                assert line, "the subscriber process ended early"
                batch = json.loads(line)
                stored += batch["seqs"]
                cursor = batch["cursor"]
            child.send_signal(signal.SIGKILL)  # mid-stream, while changes keep coming
            await child.wait()
            assert not writing.done(), "the writer finished before the kill; the test proves nothing"
            killed.set()

            async with subscriber(a.websocket_url) as resumed:
                await resumed.subscribe(after=cursor)
                await writing
                await resumed.collect(lambda s: len(stored) + len(s.events) >= total)
                everything = stored + resumed.seqs
        finally:
            writing.cancel()
            await mutator.aclose()
    assert everything == list(range(1, total + 1))


@ON_POSTGRES
@needs_redis
async def test_concurrent_writers_on_two_processes_reach_every_subscriber_in_order(database_url):
    key = await regulator_key(database_url)
    env = base_env(JIQUN_REDIS_URL=REDIS_URL, JIQUN_POLL_INTERVAL_S="0.5")
    writers, per_writer = 8, 10
    with two_servers(database_url, env) as (a, b):
        mutators = [Mutator(a if i % 2 else b, key) for i in range(writers)]

        async def write(m: Mutator) -> None:
            for _ in range(per_writer):
                await m.notice()

        try:
            async with subscriber(a.websocket_url) as on_a, subscriber(b.websocket_url) as on_b:
                for sub in (on_a, on_b):
                    await sub.subscribe(first=3)
                await asyncio.gather(*(write(m) for m in mutators))
                total = writers * per_writer
                for sub in (on_a, on_b):
                    await sub.collect(lambda s: len(s.events) >= total)
                    assert sub.seqs == list(range(1, total + 1))
                    cursors = [decode_cursor(e["cursor"]) for e in sub.events]
                    assert cursors == sorted(cursors)
        finally:
            for m in mutators:
                await m.aclose()


async def test_a_subscriber_that_stops_reading_neither_holds_up_others_nor_piles_up(database_url):
    """A reads nothing while about 7 MB of changes are committed; B still gets them all. A's subscription
    ends with SUBSCRIBER_TOO_SLOW after what the socket buffers held, and A resumes after its cursor."""
    total, big = 600, "集" * 4000
    env = {"JIQUN_FEED_SEND_TIMEOUT_S": "1", "JIQUN_POLL_INTERVAL_S": "0.2"}
    with running_server(database_url, env=env) as server:
        engine = create_engine(database_url)
        try:
            writer = Writer(create_sessionmaker(engine))
            slow_socket = socket.socket()
            slow_socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: a small window
            slow_socket.connect(("127.0.0.1", server.port))
            # No compression either, so what the server sends is what fills the buffers.
            slow_args = {"sock": slow_socket, "max_queue": 1, "max_size": None, "compression": None}
            async with subscriber(server.websocket_url, **slow_args) as slow:
                await slow.subscribe(first=10)
                async with subscriber(server.websocket_url, max_size=None) as fast:
                    await fast.subscribe(first=10)
                    for _ in range(total // 50):
                        await writer.notices(50, body=big)
                    await fast.collect(lambda s: len(s.events) >= total, timeout=120)
                    assert fast.seqs == list(range(1, total + 1)) and not fast.errors
                await asyncio.sleep(2)  # A's blocked send outlasts the send timeout
                await slow.collect(lambda s: False, timeout=120)
                error = slow.errors[0]["extensions"]
                assert error["code"] == "SUBSCRIBER_TOO_SLOW"
                received = len(slow.events)
                assert 0 < received < total // 2, received  # the server stopped producing for A
                assert error["cursor"] == slow.cursor
            async with subscriber(server.websocket_url, max_size=None) as again:
                await again.subscribe(after=slow.cursor, first=100)
                await again.collect(lambda s: received + len(s.events) >= total, timeout=120)
                assert slow.seqs + again.seqs == list(range(1, total + 1))
        finally:
            await engine.dispose()
