"""Reading the change log: a page of the changes after a cursor, as of one consistent snapshot.

Because ``seq`` values become visible in commit order (invariant 2, docs/architecture.md), reading
``WHERE seq > cursor`` again and again gives every change exactly once and in order. Each read runs in
one snapshot (REPEATABLE READ on PostgreSQL, one transaction on SQLite), so the newest ``seq`` it reports
and the rows it returns agree. Before it reads, a cursor is checked against what the log still keeps:
one beyond the head is unknown, one whose next change was pruned or is older than the retention window
has expired. The snapshot (domain/feed/snapshots.py), pruning and the shared tail use the same helpers
for the head and the snapshot, so they all agree on what "now" is.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import PUBLIC, Viewer
from domain.errors import InvalidInput
from domain.feed.changes import ChangePage, change_of
from domain.feed.cursors import CursorExpired, CursorUnknown
from domain.feed.filters import EVERYTHING, FeedFilter, apply_filter
from domain.model import ChangeLogCounter, ChangeLogEntry
from domain.types import utcnow

MAX_PAGE = 1000


async def consistent_read(session: AsyncSession) -> None:
    """One snapshot for the whole read (SQLite's transaction already gives one)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})


async def head_seq(session: AsyncSession) -> int:
    """The newest committed ``seq``: what a snapshot or an open-data release taken now is "as of"."""
    return (await session.execute(select(ChangeLogCounter.last_seq).where(ChangeLogCounter.id == 1))).scalar_one()


async def oldest_retained_seq(session: AsyncSession, head: int | None = None) -> int:
    """The lowest ``seq`` still in the log. Pruning removes a prefix and ``seq`` has no gaps, so every
    change from here to the head is kept; an empty log after pruning keeps nothing up to the head."""
    lowest = (await session.execute(select(func.min(ChangeLogEntry.seq)))).scalar_one()
    if lowest is not None:
        return int(lowest)
    return (head if head is not None else await head_seq(session)) + 1


async def _check_cursor(
    session: AsyncSession, after: int, head: int, retention: dt.timedelta | None, now: dt.datetime | None
) -> None:
    if after > head:
        raise CursorUnknown(after, head)
    oldest = await oldest_retained_seq(session, head)
    if after + 1 < oldest:
        raise CursorExpired(after, _days(retention))
    if retention is not None and after < head:
        next_at = (
            await session.execute(select(ChangeLogEntry.occurred_at).where(ChangeLogEntry.seq == after + 1))
        ).scalar_one_or_none()
        if next_at is not None and next_at < (now or utcnow()) - retention:
            raise CursorExpired(after, _days(retention))


def _days(retention: dt.timedelta | None) -> float | None:
    return retention / dt.timedelta(days=1) if retention is not None else None


def page_size(first: int, field: str = "first") -> int:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(field, f"{field} must be 1 to {MAX_PAGE}", f"{field} 应为 1 到 {MAX_PAGE}")
    return first


async def read_changes(
    session: AsyncSession,
    *,
    after: int,
    first: int,
    wanted: FeedFilter = EVERYTHING,
    viewer: Viewer = PUBLIC,
    retention: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> ChangePage:
    """The changes after ``after`` that ``viewer`` may see and ``wanted`` selects, oldest first.

    ``retention`` (time) is checked against the change right after the cursor: a client is refused only
    when a change it still needs is older than the window. Pruned changes are always refused.
    """
    limit = page_size(first)
    await consistent_read(session)
    head = await head_seq(session)
    await _check_cursor(session, after, head, retention, now)
    query = apply_filter(
        select(ChangeLogEntry).where(ChangeLogEntry.seq > after, ChangeLogEntry.seq <= head),
        wanted,
        viewer,
    )
    rows = (await session.execute(query.order_by(ChangeLogEntry.seq).limit(limit + 1))).scalars().all()
    changes = [change_of(r) for r in rows[:limit]]
    has_more = len(rows) > limit
    return ChangePage(changes, changes[-1].seq if has_more else head, has_more, head)
