"""Following the log: replay from a cursor, then stream new changes as they are committed.

A follower reads ``WHERE seq > cursor`` again and again; what wakes it between reads (a broker's
message, or only the poll interval) decides when it looks, never what it gets, so a lost wake-up costs at
most one poll interval and never a change (invariant 3, docs/architecture.md). This module holds that
loop, the wake-up sources it waits on, and the two ways a stream ends that a client resumes from: a
consumer too slow to take its pages, and a log that cannot be read.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from domain.errors import DomainError
from domain.feed.changes import ChangePage
from domain.feed.cursors import encode_cursor


class SubscriberTooSlow(DomainError):
    """Delivery stalled: the subscription ends, and the client resumes after the last cursor it received."""

    def __init__(self, cursor: int, waited_s: float) -> None:
        super().__init__(
            "SUBSCRIBER_TOO_SLOW",
            f"delivering one batch took {waited_s:.0f} s; the subscription ends here — subscribe again after "
            "the cursor given",
            f"一批变更的投递耗时 {waited_s:.0f} 秒，订阅在此结束；请从给出的游标之后重新订阅",
            details={"cursor": encode_cursor(cursor)},
        )


class FeedUnavailable(DomainError):
    """The log could not be read (the database is unreachable); the client resumes after the cursor."""

    def __init__(self, cursor: int) -> None:
        super().__init__(
            "FEED_UNAVAILABLE",
            "the change log cannot be read right now; subscribe again after the cursor given, in a moment",
            "暂时无法读取变更日志；请稍后从给出的游标之后重新订阅",
            details={"cursor": encode_cursor(cursor)},
        )


class WakeUps(Protocol):
    """What wakes a follower early; the broker implements it. ``mark`` before a read and ``wait`` after
    it: a wake-up that arrives while the read runs makes ``wait`` return at once, so none is lost."""

    def mark(self) -> int: ...

    async def wait(self, mark: int, timeout: float) -> None: ...


class WakeUpSignal:
    """Wake-ups within one process. A follower calls :meth:`mark` before it reads and :meth:`wait`
    after: any :meth:`wake` since the mark ends the wait at once, so a change that lands during a read
    is never slept through."""

    def __init__(self) -> None:
        self._generation = 0
        self._event = asyncio.Event()

    def mark(self) -> int:
        return self._generation

    async def wait(self, mark: int, timeout: float) -> None:
        if self._generation != mark:
            return
        # asyncio.timeout, not wait_for: a thousand subscriptions wait on one signal, and wait_for would
        # create a task per waiter and wake-up.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._event.wait()

    def wake(self) -> None:
        self._generation += 1
        event, self._event = self._event, asyncio.Event()
        event.set()


class PollOnly:
    """No wake-ups at all: the follower reads once per poll interval."""

    def mark(self) -> int:
        return 0

    async def wait(self, mark: int, timeout: float) -> None:
        await asyncio.sleep(timeout)


@dataclass
class Follow:
    """How a subscription follows the log."""

    wakeups: WakeUps
    poll_interval_s: float = 1.0
    send_timeout_s: float | None = None


async def follow(
    read: Callable[[int, bool], Awaitable[ChangePage]], after: int, how: Follow
) -> AsyncIterator[ChangePage]:
    """Replay every change after ``after``, then keep streaming new ones: read ``WHERE seq > cursor``,
    yield, and between reads wait for a wake-up or the poll interval. ``read(cursor, first_read)``
    checks retention on the first read only, so a long replay that started in time is not cut short.

    A page with no changes is yielded only to move a client's cursor past changes it may not see, at
    most once per poll interval. A consumer that takes longer than ``send_timeout_s`` to take
    one page is too slow: the stream ends with :class:`SubscriberTooSlow` naming its last cursor, so its
    memory here stays one page however far behind it falls.
    """
    cursor, sent_cursor, first = after, after, True
    last_sent = time.monotonic()
    while True:
        mark = how.wakeups.mark()
        try:
            page = await read(cursor, first)
        except (SQLAlchemyError, OSError) as exc:
            raise FeedUnavailable(cursor) from exc
        first = False
        cursor = max(cursor, page.end_seq)
        if page.changes or (cursor > sent_cursor and time.monotonic() - last_sent >= how.poll_interval_s):
            started = time.monotonic()
            yield page
            last_sent = time.monotonic()
            sent_cursor = cursor
            if how.send_timeout_s is not None and last_sent - started > how.send_timeout_s:
                raise SubscriberTooSlow(sent_cursor, last_sent - started)
        if not page.has_more:
            await how.wakeups.wait(mark, how.poll_interval_s)
