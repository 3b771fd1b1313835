"""The newest part of the change log, read once per wake-up and shared by every subscription in a process.

Following the log one query per subscription (``WHERE seq > cursor`` on every wake-up) is simple and
correct, but it does not scale with subscribers: one commit with a thousand live subscriptions costs a
thousand identical reads of the same new rows, and the last subscription to read gets its event seconds
late. A :class:`LogTail` makes the read once. While at least one subscription uses it, a single task
follows the broker's wake-ups (or the poll interval), reads the changes after the newest it holds in one
snapshot, exactly as :func:`domain.feed.read_changes` would, keeps the newest ``capacity`` of them, and
wakes its subscriptions. A subscription whose cursor lies inside that window takes its page from memory,
filtered by :func:`domain.feed.matches` (the same filter and visibility as the SQL); one that is further
behind (a replay, or a slow consumer) reads the database as before, and a first read always does, so
cursor and retention checks are unchanged. The guarantees of the feed (commit order, no gap, no repeat)
hold because the tail reads the log the same way; it only changes how often.

A failed read of the log is kept and raised to every subscription that asks for a page until a read
succeeds, so subscriptions end with ``FEED_UNAVAILABLE`` as they would have reading alone.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from operator import attrgetter

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.access import Viewer
from domain.feed.changes import Change, ChangePage, change_of
from domain.feed.filters import FeedFilter, matches
from domain.feed.following import WakeUps, WakeUpSignal
from domain.feed.reading import consistent_read, head_seq, read_changes
from domain.model import ChangeLogEntry

log = logging.getLogger("jiqun.feed")

DEFAULT_CAPACITY = 10_000


class LogTail:
    """The changes in ``(start, head]``, newest ``capacity`` at most, kept current while anyone follows."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        wakeups: WakeUps,
        poll_interval_s: float,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._wakeups = wakeups
        self._poll_interval_s = poll_interval_s
        self._capacity = capacity
        self._signal = WakeUpSignal()
        self._changes: list[Change] = []
        self._start: int | None = None
        self._head: int | None = None
        self._error: BaseException | None = None
        # The pages handed out since the last read, one per (cursor, size, filter, visibility class):
        # subscribers that share all four share the page object, so what is built from it (the GraphQL
        # result, its JSON) is built once for all of them.
        self._pages: dict[tuple[int, int, FeedFilter, Viewer], ChangePage] = {}
        self._users = 0
        self._task: asyncio.Task[None] | None = None

    # --- what a subscription uses: its wake-ups and its pages ------------------------------------------

    def mark(self) -> int:
        return self._signal.mark()

    async def wait(self, mark: int, timeout: float) -> None:
        """Until the tail has read the log again after ``mark`` (or ``timeout``)."""
        await self._signal.wait(mark, timeout)

    def page(self, after: int, first: int, wanted: FeedFilter, viewer: Viewer) -> ChangePage | None:
        """The page :func:`domain.feed.read_changes` would give as of the tail's last read, or ``None`` when
        the cursor lies before the window (read the database instead). Raises the last read's error.

        Until the next read, every caller with the same cursor, size, filter and viewer gets the same
        page object: a thousand subscribers in a few visibility classes cost a few pages per commit."""
        if self._error is not None:
            raise self._error
        if self._start is None or self._head is None or after < self._start:
            return None
        key = (after, first, wanted, viewer)
        page = self._pages.get(key)
        if page is None:
            page = self._pages[key] = self._select(after, first, wanted, viewer, self._head)
        return page

    def _select(self, after: int, first: int, wanted: FeedFilter, viewer: Viewer, head: int) -> ChangePage:
        if after >= head:
            return ChangePage([], after, False, head)
        selected: list[Change] = []
        for change in self._changes[bisect.bisect_right(self._changes, after, key=attrgetter("seq")) :]:
            if matches(change, wanted, viewer):
                selected.append(change)
                if len(selected) > first:
                    break
        has_more = len(selected) > first
        chosen = selected[:first]
        return ChangePage(chosen, chosen[-1].seq if has_more else head, has_more, head)

    def reader(
        self, first: int, wanted: FeedFilter, viewer: Viewer, retention: dt.timedelta | None
    ) -> Callable[[int, bool], Awaitable[ChangePage]]:
        """The ``read`` of :func:`domain.feed.follow` for one subscription: the first read and any read
        behind the window go to the database (with the retention check on the first), the rest to memory."""

        async def read(after: int, first_read: bool) -> ChangePage:
            if not first_read and (page := self.page(after, first, wanted, viewer)) is not None:
                return page
            async with self._sessionmaker() as session:
                return await read_changes(
                    session,
                    after=after,
                    first=first,
                    wanted=wanted,
                    viewer=viewer,
                    retention=retention if first_read else None,
                )

        return read

    @contextlib.asynccontextmanager
    async def following(self) -> AsyncIterator[LogTail]:
        """Keep the tail current for as long as the caller follows; the last one out stops the reads."""
        self._users += 1
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="jiqun change-log tail")
        try:
            yield self
        finally:
            self._users -= 1
            if not self._users:
                await self.close()

    async def close(self) -> None:
        """Stop reading and forget the window; the next subscription starts afresh from the head."""
        task, self._task = self._task, None
        # Forget before awaiting the old reader: a subscription arriving meanwhile starts a new reader,
        # which must begin from this empty state, not have it cleared under it.
        self._changes, self._start, self._head, self._error = [], None, None, None
        self._pages = {}
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- the one reader ----------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            mark = self._wakeups.mark()
            try:
                await self._read()
                self._error = None
            except (SQLAlchemyError, OSError) as exc:
                if self._error is None:
                    log.warning("change feed: reading the log failed: %s", exc)
                self._error = exc
            except Exception as exc:  # a bug: end the subscriptions with an error rather than stall them
                log.exception("change feed: the log reader failed")
                self._error = exc
            self._signal.wake()
            await self._wakeups.wait(mark, self._poll_interval_s)

    async def _read(self) -> None:
        async with self._sessionmaker() as session:
            await consistent_read(session)
            head = await head_seq(session)
            if self._head is None or head < self._head:  # first read, or a log restored to an earlier state
                self._changes, self._start, self._head, self._pages = [], head, head, {}
                return
            if head == self._head:
                return
            after = max(self._head, head - self._capacity)
            rows = (
                await session.execute(
                    select(ChangeLogEntry)
                    .where(ChangeLogEntry.seq > after, ChangeLogEntry.seq <= head)
                    .order_by(ChangeLogEntry.seq)
                )
            ).scalars()
            fresh = [change_of(r) for r in rows]
        if after > self._head:  # more new changes than the window holds: keep only the newest
            self._changes, self._start = [], after
        self._changes.extend(fresh)
        self._head = head
        self._pages = {}  # pages hold as of one head; cleared with no await since the window moved
        if len(self._changes) > 2 * self._capacity:  # trim in bulk, so appending stays cheap
            drop = len(self._changes) - self._capacity
            self._start = self._changes[drop - 1].seq
            del self._changes[:drop]
