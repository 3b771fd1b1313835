"""Pruning: removing the oldest changes from the log, so that it does not grow without end.

The log is the feed's source of truth, so what is removed must leave it exact: only a prefix is ever
deleted, the kept changes stay contiguous, and a client whose cursor needs a removed change is told so
(``CURSOR_EXPIRED``, raised by domain/feed/reading.py) rather than silently skipping it. ``jiqun feed
prune`` (api/cli/feed.py) is the caller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import InvalidInput
from domain.feed.reading import head_seq, oldest_retained_seq
from domain.model import ChangeLogEntry


@dataclass(frozen=True)
class Pruned:
    deleted: int
    oldest_retained_seq: int
    head_seq: int


async def prune_log(
    session: AsyncSession, *, before: dt.datetime | None = None, through_seq: int | None = None
) -> Pruned:
    """Delete the oldest changes: those committed before ``before``, or up to ``through_seq``.

    Only a prefix of the log is ever removed (up to the last change older than ``before``), so the
    retained changes stay contiguous and :func:`oldest_retained_seq` remains exact. Clients whose cursor
    falls in the removed prefix get ``CURSOR_EXPIRED``. The caller commits.
    """
    if (before is None) == (through_seq is None):
        raise InvalidInput("before", "give a date or a seq to prune before, not both", "请给出日期或序号之一")
    head = await head_seq(session)
    if before is not None:
        last = (
            await session.execute(select(func.max(ChangeLogEntry.seq)).where(ChangeLogEntry.occurred_at < before))
        ).scalar_one()
    else:
        last = min(through_seq or 0, head)
    deleted = 0
    if last:
        result = await session.execute(delete(ChangeLogEntry).where(ChangeLogEntry.seq <= last))
        deleted = cast(CursorResult[Any], result).rowcount or 0
    return Pruned(deleted, await oldest_retained_seq(session, head), head)
