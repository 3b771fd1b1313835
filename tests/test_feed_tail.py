"""The shared log tail: one read per wake-up for all subscriptions, and the same pages as the database."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from api.broker import LocalBroker
from domain import access, commands, feed
from domain.actor import SYSTEM, Actor
from domain.db import create_engine, create_sessionmaker
from domain.enums import Role
from domain.feed.tail import LogTail
from tests import factories
from tests.feed_support import Writer

BOUND_S = 60.0


def _tail(sessionmaker, capacity: int = 1000) -> tuple[LogTail, LocalBroker]:
    """A tail woken by a local broker, polling too rarely to matter within a test."""
    broker = LocalBroker()
    return LogTail(sessionmaker, broker, poll_interval_s=30.0, capacity=capacity), broker


async def _caught_up(tail: LogTail, wakeups: LocalBroker) -> None:
    """Wake the tail and wait until it has read the log again."""
    mark = tail.mark()
    wakeups.wake()
    await asyncio.wait_for(tail.wait(mark, BOUND_S), BOUND_S)


async def _varied_log(uow) -> dict[str, int]:
    """Published and unpublished addresses of two agencies, enterprises, notices in three jurisdictions."""
    own = await factories.agency(uow)
    other = await factories.agency(uow)
    published = await factories.published_address(uow, own.id, capacity=5)
    for _ in range(2):
        await factories.enterprise(uow, published.id)
    for agency in (own, other):
        async with uow() as u:
            await commands.file_address(u, agency_id=agency.id, **factories.ADDRESS_DEFAULTS)
            await u.commit()
    for code in ("110115", "110112", "320200"):
        async with uow() as u:
            await commands.create_notice(
                u,
                kind="other",
                jurisdiction_code=code,
                title="集群注册工作提示",
                title_en="Cluster registration notice",
                body="请各托管机构按期报送季度报告。",
                body_en="Agencies report every quarter.",
                legal_basis="WX Art.15",
            )
            await u.commit()
    return {"own": own.id, "other": other.id}


VIEWERS = {
    "public": Actor("key:p", Role.PARTNER),
    "everything": SYSTEM,
    "regulator of Beijing": Actor("key:bj", Role.REGULATOR, jurisdiction_code="110000"),
    "regulator of Wuxi": Actor("key:wx", Role.REGULATOR, jurisdiction_code="320200"),
}
FILTERS = [
    {},
    {"entity_kinds": ["Address"]},
    {"entity_kinds": ["Notice", "Enterprise"]},
    {"types": ["address.filed", "notice.published"]},
    {"jurisdiction_codes": ["110000"]},
    {"jurisdiction_codes": ["320200"], "entity_kinds": ["Notice"]},
]


async def test_pages_from_memory_equal_pages_from_the_database(uow, sessionmaker):
    """For every viewer (incl. an agency seeing its own unpublished address), filter, cursor and page size,
    the tail's page equals :func:`feed.read_changes` on the same log."""
    tail, wakeups = _tail(sessionmaker)
    async with tail.following():
        await _caught_up(tail, wakeups)
        agencies = await _varied_log(uow)
        await _caught_up(tail, wakeups)
        actors = {
            **VIEWERS,
            **{f"agency {k}": Actor(f"key:{k}", Role.AGENCY, agency_id=v) for k, v in agencies.items()},
        }
        async with sessionmaker() as s:
            head = await feed.head_seq(s)
        assert head > 10
        compared = visible_differs = 0
        for (name, actor), filters in itertools.product(actors.items(), FILTERS):
            async with sessionmaker() as s:
                viewer = await access.viewer_for(s, actor)
                wanted = await feed.resolve_filter(s, **filters)
            for after, first in itertools.product(range(head + 1), (1, 3, 1000)):
                async with sessionmaker() as s:
                    expected = await feed.read_changes(s, after=after, first=first, wanted=wanted, viewer=viewer)
                got = tail.page(after, first, wanted, viewer)
                assert got == expected, (name, filters, after, first)
                compared += 1
            everything = tail.page(0, 1000, wanted, access.Viewer(sees_all=True))
            visible_differs += everything is not None and len(everything.changes) != len(
                tail.page(0, 1000, wanted, viewer).changes  # type: ignore[union-attr]
            )
    assert compared == len(actors) * len(FILTERS) * (head + 1) * 3
    assert visible_differs > 0, "the log should hold changes some viewers may not see"


async def test_one_read_of_the_log_per_wake_up_however_many_follow(sessionmaker):
    """Fifty followers, five commits each followed by a wake-up: every follower gets every change once and
    in order, and once they are live the log is read by the tail alone (head and new rows, at most two
    statements per wake-up), not once per follower."""
    tail, wakeups = _tail(sessionmaker)
    writer = Writer(sessionmaker, wakeups)
    engine = sessionmaker.kw["bind"]
    log_reads = 0

    def count(conn, cursor, statement, *args) -> None:
        nonlocal log_reads
        log_reads += statement.lstrip().startswith("SELECT") and "change_log" in statement

    live = [asyncio.Event() for _ in range(50)]

    async def follower(n: int) -> list[int]:
        from_tail = tail.reader(100, feed.EVERYTHING, access.PUBLIC, None)

        async def read(after: int, first_read: bool) -> feed.ChangePage:
            page = await from_tail(after, first_read)
            live[n].set()
            return page

        seqs: list[int] = []
        async for page in feed.follow(read, 0, feed.Follow(tail, poll_interval_s=30.0)):
            seqs += [c.seq for c in page.changes]
            if len(seqs) >= 5:
                break
        return seqs

    async with tail.following():
        await _caught_up(tail, wakeups)
        followers = [asyncio.create_task(follower(n)) for n in range(50)]
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in live)), BOUND_S)  # first reads done
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            for _ in range(5):
                await writer.notice()  # commits, then wakes the tail through its broker
                await asyncio.sleep(0.05)
            results = await asyncio.wait_for(asyncio.gather(*followers), BOUND_S)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert all(r == [1, 2, 3, 4, 5] for r in results)
    assert 2 <= log_reads <= 10, f"{log_reads} reads of the change log for 5 wake-ups and 50 followers"


async def test_a_follower_behind_the_window_replays_from_the_database(uow, sessionmaker):
    """A window of 4 changes; 30 changes land in one go. A follower at cursor 0 reads the older ones from
    the database and the newest from memory, with no gap and no repeat at the seam."""
    tail, wakeups = _tail(sessionmaker, capacity=4)
    writer = Writer(sessionmaker)
    async with tail.following():
        await _caught_up(tail, wakeups)
        await writer.notices(30)
        await _caught_up(tail, wakeups)
        assert tail.page(0, 10, feed.EVERYTHING, access.PUBLIC) is None  # before the window
        assert tail.page(26, 10, feed.EVERYTHING, access.PUBLIC) is not None
        read = tail.reader(7, feed.EVERYTHING, access.PUBLIC, None)
        seqs: list[int] = []
        async for page in feed.follow(read, 0, feed.Follow(tail, poll_interval_s=30.0)):
            seqs += [c.seq for c in page.changes]
            if len(seqs) >= 30:
                break
    assert seqs == list(range(1, 31))


async def test_a_failed_read_ends_every_follower_with_a_resumable_error(tmp_path):
    """A log that cannot be read: the tail keeps the error and each follower ends with FEED_UNAVAILABLE
    naming its cursor, as when it read the log itself."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")  # no tables at all
    tail = LogTail(create_sessionmaker(engine), LocalBroker(), poll_interval_s=30.0)
    try:
        async with tail.following():
            await asyncio.wait_for(tail.wait(tail.mark(), BOUND_S), BOUND_S)
            with pytest.raises(feed.FeedUnavailable) as unavailable:
                await anext(feed.follow(tail.reader(10, feed.EVERYTHING, access.PUBLIC, None), 3, feed.Follow(tail)))
            with pytest.raises(SQLAlchemyError):
                tail.page(3, 10, feed.EVERYTHING, access.PUBLIC)
    finally:
        await engine.dispose()
    assert unavailable.value.details["cursor"] == feed.encode_cursor(3)


async def test_the_reader_stops_when_the_last_follower_leaves(sessionmaker):
    tail, wakeups = _tail(sessionmaker)
    async with tail.following():
        async with tail.following():
            await _caught_up(tail, wakeups)
        assert tail.page(0, 1, feed.EVERYTHING, access.PUBLIC) is not None  # one follower left: still current
    assert tail.page(0, 1, feed.EVERYTHING, access.PUBLIC) is None
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "jiqun change-log tail"]


async def test_a_follower_arriving_while_the_last_one_leaves_gets_a_working_reader(sessionmaker):
    """The last follower leaves (the reader is being stopped) and a new one arrives in the same turn of
    the event loop: the new follower's reader starts clean and keeps up with new commits."""
    tail, wakeups = _tail(sessionmaker)
    writer = Writer(sessionmaker, wakeups)
    release = asyncio.Event()

    async def leaving() -> None:
        async with tail.following():
            await _caught_up(tail, wakeups)
            await release.wait()

    async def arriving() -> list[int]:
        await release.wait()
        async with tail.following():
            await _caught_up(tail, wakeups)
            await writer.notices(3)
            await _caught_up(tail, wakeups)
            page = tail.page(0, 10, feed.EVERYTHING, access.PUBLIC)
            assert page is not None
            return [c.seq for c in page.changes]

    first = asyncio.create_task(leaving())
    second = asyncio.create_task(arriving())
    await asyncio.sleep(0.1)
    release.set()
    await asyncio.wait_for(first, BOUND_S)
    assert await asyncio.wait_for(second, BOUND_S) == [1, 2, 3]
