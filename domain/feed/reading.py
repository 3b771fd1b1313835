"""The change log read as a resumable feed: pages after a cursor, filters, visibility, retention, snapshots.

A cursor names a ``seq``: "everything up to and including this change". Because ``seq`` values become
visible in commit order (invariant 2, docs/architecture.md), reading ``WHERE seq > cursor`` again and again — from a
poll, or after a broker's wake-up — gives every change exactly once and in order; the wake-up only
decides when to look (invariant 3). Each read runs in one snapshot (REPEATABLE READ on PostgreSQL, one
transaction on SQLite), so the newest ``seq`` it reports and the rows it returns agree.

Nothing here sends personal data: the log stores public projections only. What a viewer sees of the
log depends on its role: anonymous callers and partners never see an address that was never published
(the feed drops those changes but still moves the cursor past them); a regulator also sees the
unpublished addresses of its jurisdiction, an agency its own.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime as dt
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, CursorResult, delete, func, select, true
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import (
    PUBLIC,
    AddressTable,
    ChangeColumns,
    ChangeProjection,
    Viewer,
    address_visible,
    change_visible,
    jurisdiction_and_below,
)
from domain.db import AnySelect
from domain.errors import DomainError, InvalidInput, NotFound
from domain.ids import is_decimal
from domain.model import Address, Agency, ChangeLogCounter, ChangeLogEntry, Enterprise, Jurisdiction, Notice
from domain.projections import projection_of
from domain.types import utcnow
from domain.validators import validate_division_code

FEED_KINDS = ("Jurisdiction", "Agency", "Address", "Enterprise", "Notice")
MAX_PAGE = 1000
MAX_FILTER_VALUES = 50
_TYPE_RE = re.compile(r"^[a-z][a-z_]{0,30}\.[a-z][a-z_]{0,30}$")
_CHANGE_PREFIX = "seq:"
_SNAPSHOT_PREFIX = "snap:"


# --- errors -------------------------------------------------------------------------------------------


class CursorInvalid(DomainError):
    def __init__(self, field: str, value: str) -> None:
        super().__init__(
            "CURSOR_INVALID",
            f"{value!r} is not a cursor this server issued",
            f"“{value}”不是本服务签发的游标",
            field=field,
        )


class CursorExpired(DomainError):
    """The changes right after the cursor are no longer kept: the client must reload the snapshot."""

    def __init__(self, cursor: int, retention_days: float | None) -> None:
        super().__init__(
            "CURSOR_EXPIRED",
            "the changes after this cursor are older than the change log keeps; reload the snapshot "
            "(query `snapshot`) and follow `changes` after the cursor it states",
            "该游标之后的变更已超出变更日志的保留期限；请重新获取快照（查询 snapshot），再从其给出的游标继续订阅",
            field="after",
            details={"cursor": encode_cursor(cursor), "retentionDays": retention_days},
        )


class CursorUnknown(DomainError):
    """A cursor beyond the newest change: from another server or from before a database restore."""

    def __init__(self, cursor: int, head: int) -> None:
        super().__init__(
            "CURSOR_UNKNOWN",
            "this cursor is newer than the newest change on this server; it belongs to another deployment or "
            "to a database since restored — reload the snapshot",
            "该游标比本服务最新的变更还新，可能来自其他部署或数据库已被恢复；请重新获取快照",
            field="after",
            details={"cursor": encode_cursor(cursor), "headCursor": encode_cursor(head)},
        )


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


# --- cursors ------------------------------------------------------------------------------------------


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")


def _decode(value: str) -> str | None:
    if not value or len(value) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None


def encode_cursor(seq: int) -> str:
    """The opaque change cursor for ``seq``; URL-safe, so partners may also put it in a query string."""
    return _encode(f"{_CHANGE_PREFIX}{seq}")


def decode_cursor(value: str | None, field: str = "after") -> int:
    """``None`` means the beginning of the log (seq 0)."""
    if value is None:
        return 0
    text = _decode(value)
    number = text[len(_CHANGE_PREFIX) :] if text and text.startswith(_CHANGE_PREFIX) else ""
    if not is_decimal(number) or len(number) > 18:
        raise CursorInvalid(field, value)
    return int(number)


# --- filters and viewers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedFilter:
    """Which changes a client asked for; an empty set means "all"."""

    entity_kinds: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    jurisdiction_codes: frozenset[str] = frozenset()


EVERYTHING = FeedFilter()


def _values(values: Iterable[str] | None, field: str) -> list[str]:
    items = list(dict.fromkeys(values or ()))
    if len(items) > MAX_FILTER_VALUES:
        raise InvalidInput(field, f"at most {MAX_FILTER_VALUES} values", f"最多 {MAX_FILTER_VALUES} 个取值")
    return items


async def expand_jurisdictions(
    session: AsyncSession, codes: Iterable[str] | None, field: str = "jurisdictionCodes"
) -> frozenset[str]:
    """The codes and, for a city, its districts; an unknown code is refused, not silently ignored."""
    wanted = [validate_division_code(c, field) for c in _values(codes, field)]
    found = await jurisdiction_and_below(session, wanted)
    missing = set(wanted) - found
    if missing:
        raise NotFound("Jurisdiction", ", ".join(sorted(missing)), field)
    return found


async def resolve_filter(
    session: AsyncSession,
    *,
    entity_kinds: Iterable[str] | None = None,
    types: Iterable[str] | None = None,
    jurisdiction_codes: Iterable[str] | None = None,
) -> FeedFilter:
    kinds = _values(entity_kinds, "entityKinds")
    unknown = sorted(set(kinds) - set(FEED_KINDS))
    if unknown:
        allowed = ", ".join(FEED_KINDS)
        raise InvalidInput(
            "entityKinds",
            f"unknown entity kinds {unknown}; allowed: {allowed}",
            f"未知的实体类型 {unknown}；可选：{allowed}",
        )
    type_values = _values(types, "types")
    bad = [t for t in type_values if not _TYPE_RE.match(t)]
    if bad:
        raise InvalidInput(
            "types",
            f"{bad[0]!r} is not an event type such as 'address.published'",
            f"“{bad[0]}”不是事件类型（例如 address.published）",
        )
    return FeedFilter(frozenset(kinds), frozenset(type_values), await expand_jurisdictions(session, jurisdiction_codes))


def _filtered(query: AnySelect, wanted: FeedFilter, viewer: Viewer) -> AnySelect:
    if wanted.entity_kinds:
        query = query.where(ChangeLogEntry.entity_kind.in_(sorted(wanted.entity_kinds)))
    if wanted.types:
        query = query.where(ChangeLogEntry.type.in_(sorted(wanted.types)))
    if wanted.jurisdiction_codes:
        query = query.where(ChangeLogEntry.jurisdiction_code.in_(sorted(wanted.jurisdiction_codes)))
    return query.where(change_visible(viewer, ChangeColumns()))


def matches(change: Change, wanted: FeedFilter, viewer: Viewer) -> bool:
    """:func:`_filtered` for a change already in memory: the same filter and the same visibility."""
    if wanted.entity_kinds and change.entity_kind not in wanted.entity_kinds:
        return False
    if wanted.types and change.type not in wanted.types:
        return False
    if wanted.jurisdiction_codes and change.jurisdiction_code not in wanted.jurisdiction_codes:
        return False
    return change_visible(
        viewer, ChangeProjection(change.entity_kind, change.jurisdiction_code, change.projection or {})
    )


# --- reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    seq: int
    occurred_at: dt.datetime
    type: str
    entity_kind: str
    entity_id: str
    jurisdiction_code: str | None
    changed_fields: list[str]
    projection: dict[str, Any] | None

    @property
    def cursor(self) -> str:
        return encode_cursor(self.seq)

    @property
    def deleted(self) -> bool:
        return self.projection is None


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    end_seq: int
    """Resume after this: the last change returned when more follow, otherwise the newest ``seq`` read,
    so a client moves past changes it may not see or did not ask for."""
    has_more: bool
    head_seq: int


def change_of(row: ChangeLogEntry) -> Change:
    return Change(
        seq=row.seq,
        occurred_at=row.occurred_at,
        type=row.type,
        entity_kind=row.entity_kind,
        entity_id=row.entity_id,
        jurisdiction_code=row.jurisdiction_code,
        changed_fields=list(row.changed_fields or []),
        projection=row.projection,
    )


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
    query = _filtered(
        select(ChangeLogEntry).where(ChangeLogEntry.seq > after, ChangeLogEntry.seq <= head),
        wanted,
        viewer,
    )
    rows = (await session.execute(query.order_by(ChangeLogEntry.seq).limit(limit + 1))).scalars().all()
    changes = [change_of(r) for r in rows[:limit]]
    has_more = len(rows) > limit
    return ChangePage(changes, changes[-1].seq if has_more else head, has_more, head)


# --- following ----------------------------------------------------------------------------------------


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
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)

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


# --- snapshots ----------------------------------------------------------------------------------------

_SNAPSHOT_MODELS: dict[str, Any] = {
    "Jurisdiction": (Jurisdiction, Jurisdiction.code, Jurisdiction.code),
    "Agency": (Agency, Agency.id, Agency.jurisdiction_code),
    "Address": (Address, Address.id, Address.jurisdiction_code),
    "Enterprise": (Enterprise, Enterprise.id, Enterprise.jurisdiction_code),
    "Notice": (Notice, Notice.id, Notice.jurisdiction_code),
}


@dataclass(frozen=True)
class SnapshotEntity:
    kind: str
    id: str
    jurisdiction_code: str | None
    projection: dict[str, Any]
    position: str


@dataclass(frozen=True)
class SnapshotPage:
    entities: list[SnapshotEntity]
    change_seq: int
    """The newest ``seq`` in the same read: follow ``changes`` after it. Over several pages, follow after
    the first page's value; replaying the changes since then converges on the current state."""
    end: str | None
    """The position to continue from; ``None`` when the snapshot is complete. A page that ends exactly at
    the last entity still names a position, and the page after it is empty."""


def encode_snapshot_position(kind: str, key: object) -> str:
    return _encode(f"{_SNAPSHOT_PREFIX}{kind}:{key}")


def decode_snapshot_position(value: str | None, field: str = "after") -> tuple[int, str | None]:
    """``(index of the kind in FEED_KINDS, last key read of that kind)``."""
    if value is None:
        return 0, None
    text = _decode(value) or ""
    kind, _, key = text[len(_SNAPSHOT_PREFIX) :].partition(":")
    if not text.startswith(_SNAPSHOT_PREFIX) or kind not in FEED_KINDS or not key:
        raise CursorInvalid(field, value)
    if kind != "Jurisdiction" and not is_decimal(key):
        raise CursorInvalid(field, value)
    return FEED_KINDS.index(kind), key


def _snapshot_visible(kind: str, viewer: Viewer) -> ColumnElement[bool]:
    return address_visible(viewer, AddressTable()) if kind == "Address" else true()


async def read_snapshot(
    session: AsyncSession,
    *,
    after: str | None,
    first: int,
    kinds: Sequence[str] = (),
    jurisdiction_codes: frozenset[str] = frozenset(),
    viewer: Viewer = PUBLIC,
) -> SnapshotPage:
    """A page of the current public state (kind by kind, in key order) and the change cursor it is at."""
    limit = page_size(first)
    start_kind, last_key = decode_snapshot_position(after)
    wanted = [k for k in FEED_KINDS if not kinds or k in kinds]
    await consistent_read(session)
    change_seq = await head_seq(session)
    entities: list[SnapshotEntity] = []
    end: str | None = None
    for index, kind in enumerate(FEED_KINDS):
        if index < start_kind or kind not in wanted:
            continue
        model, key_col, jurisdiction_col = _SNAPSHOT_MODELS[kind]
        query = select(model).where(_snapshot_visible(kind, viewer)).order_by(key_col)
        if index == start_kind and last_key is not None:
            query = query.where(key_col > (last_key if kind == "Jurisdiction" else int(last_key)))
        if jurisdiction_codes:
            query = query.where(jurisdiction_col.in_(sorted(jurisdiction_codes)))
        rows = (await session.execute(query.limit(limit - len(entities)))).scalars().all()
        for row in rows:
            entity_kind, gid, jurisdiction, projection = projection_of(row)
            position = encode_snapshot_position(kind, row.code if kind == "Jurisdiction" else row.id)
            entities.append(SnapshotEntity(entity_kind, gid, jurisdiction, projection, position))
        if len(entities) == limit:
            end = entities[-1].position
            break
    return SnapshotPage(entities, change_seq, end)


# --- retention ----------------------------------------------------------------------------------------


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
