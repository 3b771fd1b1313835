"""Brokers only wake followers: across processes through Redis or PostgreSQL, never failing a commit."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable

import pytest

from api.app import create_app
from api.broker import LocalBroker, PostgresBroker, RedisBroker, create_broker
from api.settings import Settings
from domain import commands
from domain.actor import SYSTEM
from domain.unit_of_work import UnitOfWork
from tests.databases import REDIS_URL
from tests.feed_support import private_redis, stop_process, unused_redis_url

needs_redis = pytest.mark.skipif(not REDIS_URL, reason="JIQUN_TEST_REDIS_URL is not set")
BOUND_S = 20.0  # a generous bound on a wake-up that must come; the waits themselves are 60 s
# How long a wait must stay pending before the publish. A correct wait is pending for its whole 60 s, so
# this only bounds how long a broken one (returning at once) gets to show itself, never a race.
PENDING_S = 0.3


async def woken(broker: LocalBroker, mark: int) -> bool:
    """Whether a wake-up came after ``mark`` (waiting at most BOUND_S for it)."""
    try:
        await asyncio.wait_for(broker.wait(mark, 60), BOUND_S)
    except TimeoutError:
        return False
    return broker.mark() != mark


async def waits_until(broker: LocalBroker, publish: Callable[[], Awaitable[object]]) -> None:
    """A wait begun now is still pending PENDING_S later (nothing was published yet), and ends within
    BOUND_S of ``publish`` with a wake-up: a wait that returns at once, or only at its 60 s timeout, fails."""
    mark = broker.mark()
    waiter = asyncio.create_task(broker.wait(mark, 60))
    try:
        done, _ = await asyncio.wait({waiter}, timeout=PENDING_S)
        assert not done, "the wait returned before anything was published"
        await publish()
        await asyncio.wait_for(waiter, BOUND_S)
    finally:
        waiter.cancel()
    assert broker.mark() != mark, "the wait ended without a wake-up"


async def test_a_wake_up_during_a_read_is_not_slept_through():
    broker = LocalBroker()
    mark = broker.mark()
    await broker.notify(7)  # arrives after the mark, before the wait
    assert await woken(broker, mark)
    mark = broker.mark()

    async def wake() -> None:
        broker.wake()

    await waits_until(broker, wake)
    assert broker.mark() == mark + 1


async def test_without_a_wake_up_the_wait_ends_at_the_poll_interval():
    """The wait lasts the poll interval (not less: a follower would spin; not much more: it would lag)."""
    broker = LocalBroker()
    mark = broker.mark()
    started = time.monotonic()
    await asyncio.wait_for(broker.wait(mark, 0.5), BOUND_S)
    waited = time.monotonic() - started
    assert waited >= 0.45, f"the wait returned after {waited:.3f} s, before its 0.5 s poll interval"
    assert broker.mark() == mark


def test_broker_choice_follows_the_settings():
    assert type(create_broker(Settings())) is LocalBroker
    assert type(create_broker(Settings(redis_url="redis://127.0.0.1:1/0"))) is RedisBroker
    assert type(create_broker(Settings(broker="local", redis_url="redis://127.0.0.1:1/0"))) is LocalBroker
    pg = Settings(broker="postgres", database_url="postgresql://postgres@127.0.0.1/x")
    assert type(create_broker(pg)) is PostgresBroker
    for bad in (Settings(broker="kafka"), Settings(broker="redis"), Settings(broker="postgres")):
        with pytest.raises(ValueError):
            create_broker(bad)


async def _pair(make) -> tuple[LocalBroker, LocalBroker]:
    """Two started brokers, the second one listening already."""
    a, b = make(), make()
    mark = b.mark()
    await a.start()
    await b.start()
    assert await woken(b, mark), "the listener did not connect"
    return a, b


@needs_redis
async def test_redis_carries_a_commit_to_another_process():
    channel = f"jiqun:test:{uuid.uuid4().hex}"
    a, b = await _pair(lambda: RedisBroker(REDIS_URL, channel))
    try:
        await waits_until(b, lambda: a.notify(42))
    finally:
        await a.stop()
        await b.stop()


async def test_an_unreachable_redis_never_fails_or_delays_a_commit(caplog):
    broker = RedisBroker(unused_redis_url(), "jiqun:test")
    caplog.set_level(logging.WARNING, "jiqun.broker")
    await broker.start()
    try:
        mark = broker.mark()
        await asyncio.wait_for(broker.notify(1), BOUND_S)  # returns at once: publishing is in the background
        assert broker.mark() == mark + 1  # followers in this process are still woken
        for _ in range(200):
            if "unavailable" in caplog.text:
                break
            await asyncio.sleep(0.05)
        assert "subscribers fall back to polling" in caplog.text
    finally:
        await asyncio.wait_for(broker.stop(), BOUND_S)


@needs_redis
async def test_redis_brokers_reconnect_after_redis_restarts():
    with private_redis() as (url, process):
        channel = "jiqun:test"
        a, b = await _pair(lambda: RedisBroker(url, channel))
        try:
            stop_process(process)
            await a.notify(1)  # lost: nobody carries it
            port = url.rsplit(":", 1)[1].split("/")[0]
            restarted = subprocess.Popen(
                ["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                mark = b.mark()
                assert await woken(b, mark), "b did not reconnect"  # a reconnect wakes, to look at once
                for _ in range(100):  # until a's publisher has reconnected too
                    mark = b.mark()
                    await a.notify(2)
                    if await _woken_soon(b, mark):
                        break
                else:
                    raise AssertionError("a's wake-ups never reached b after the restart")
            finally:
                stop_process(restarted)
        finally:
            await a.stop()
            await b.stop()


async def _woken_soon(broker: LocalBroker, mark: int) -> bool:
    try:
        await asyncio.wait_for(broker.wait(mark, 60), 0.3)
    except TimeoutError:
        return False
    return True


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_postgres_notify_carries_a_commit_to_another_process(database_url):
    a, b = await _pair(lambda: PostgresBroker(database_url, "jiqun_test"))
    try:
        await waits_until(b, lambda: a.notify(9))
    finally:
        await a.stop()
        await b.stop()


async def test_the_api_units_of_work_wake_subscribers_when_they_commit(database_url):
    app = create_app(Settings(database_url=database_url))
    services = app.state.services
    try:
        mark = services.broker.mark()
        async with UnitOfWork(services.sessionmaker, SYSTEM, on_commit=services.broker.notify) as uow:
            await commands.create_notice(
                uow,
                kind="other",
                jurisdiction_code="110115",
                title="集群注册工作提示",
                title_en="Notice",
                body="请各托管机构按期报送季度报告。",
                body_en="Report every quarter.",
                legal_basis="DX Art.13",
            )
            assert await uow.commit() == [1]
        assert services.broker.mark() == mark + 1
    finally:
        await services.engine.dispose()
