"""Following the log: replay then live, no gap and no repeat at the seam, even with concurrent writers."""

from __future__ import annotations

import asyncio

import pytest

from api.broker import LocalBroker
from domain import access, commands, feed
from domain.db import create_engine, create_sessionmaker
from tests import factories
from tests.feed_support import Writer

BOUND_S = 60.0


def _reader(sessionmaker, first: int = 7, viewer: access.Viewer = access.PUBLIC):
    async def read(after: int, first_read: bool) -> feed.ChangePage:
        async with sessionmaker() as session:
            return await feed.read_changes(session, after=after, first=first, viewer=viewer)

    return read


async def _collect(stream, until) -> list[feed.ChangePage]:
    pages = []
    async for page in stream:
        pages.append(page)
        if until(pages):
            break
    return pages


def _seqs(pages: list[feed.ChangePage]) -> list[int]:
    return [c.seq for p in pages for c in p.changes]


async def test_concurrent_writers_reach_a_follower_in_order_once_each(database_url):
    """Writers on their own engines commit while a follower replays and then streams; the follower gets
    exactly seq 1..N, in order. On PostgreSQL the writers really overlap (the counter row orders them)."""
    follower_engine = create_engine(database_url)
    broker = LocalBroker()
    writer_engines = [create_engine(database_url) for _ in range(4)]
    writers = [Writer(create_sessionmaker(e), broker) for e in writer_engines]
    per_writer = 12
    try:
        await writers[0].notices(5)  # something to replay before going live
        stream = feed.follow(_reader(create_sessionmaker(follower_engine)), 0, feed.Follow(broker, poll_interval_s=0.2))

        async def write(w: Writer) -> None:
            for i in range(per_writer):
                await (w.notices(2) if i % 3 == 0 else w.notice())
                await asyncio.sleep(0)

        total = 5 + sum(2 if i % 3 == 0 else 1 for i in range(per_writer)) * len(writers)
        following = asyncio.create_task(_collect(stream, lambda pages: len(_seqs(pages)) >= total))
        await asyncio.gather(*(write(w) for w in writers))
        pages = await asyncio.wait_for(following, BOUND_S)
    finally:
        for engine in (follower_engine, *writer_engines):
            await engine.dispose()
    committed = sorted(s for w in writers for s in w.seqs)
    assert committed == list(range(1, total + 1))
    assert _seqs(pages) == committed
    cursors = [p.end_seq for p in pages]
    assert cursors == sorted(cursors)


async def test_a_slow_consumer_ends_with_the_cursor_it_last_received(sessionmaker):
    writer = Writer(sessionmaker)
    await writer.notices(10)
    stream = feed.follow(_reader(sessionmaker, first=4), 0, feed.Follow(writer.broker, send_timeout_s=0.05))
    first = await anext(stream)
    await asyncio.sleep(0.3)  # the consumer takes longer than the send timeout for one page
    with pytest.raises(feed.SubscriberTooSlow) as slow:
        await anext(stream)
    assert [c.seq for c in first.changes] == [1, 2, 3, 4]
    assert slow.value.details["cursor"] == feed.encode_cursor(4)


async def test_an_empty_page_moves_a_follower_past_changes_it_may_not_see(uow, sessionmaker):
    agency = await factories.agency(uow)
    async with uow() as u:
        await commands.file_address(u, agency_id=agency.id, **factories.ADDRESS_DEFAULTS)  # unpublished
        await u.commit()
    broker = LocalBroker()
    stream = feed.follow(_reader(sessionmaker), 1, feed.Follow(broker, poll_interval_s=0.05))
    page = await asyncio.wait_for(anext(stream), BOUND_S)
    assert page.changes == [] and page.end_seq == 2


async def test_an_unreadable_log_ends_the_stream_with_a_resumable_error(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")  # no tables at all
    try:
        stream = feed.follow(_reader(create_sessionmaker(engine)), 3, feed.Follow(LocalBroker()))
        with pytest.raises(feed.FeedUnavailable) as unavailable:
            await anext(stream)
    finally:
        await engine.dispose()
    assert unavailable.value.details["cursor"] == feed.encode_cursor(3)
