"""The change feed over GraphQL, for partners that keep a synchronised copy of the public registry.

* ``snapshot`` (query): the current public state, page by page, and the change cursor it is at.
* ``changes`` (query): the changes after a cursor, for clients that poll.
* ``changes`` (subscription): the same, replayed from the cursor and then streamed live, in batches.

Resume from a cursor as with Companies House's streaming API (a timepoint), in commit order as with
Hasura's streaming subscriptions: a client stores the last cursor it applied, together with the data, and
asks for what came after it. The subscription reads the change log itself; a broker's wake-up only
decides when to look, and without one it polls (invariant 3, docs/architecture.md). A cursor older than the log keeps
gets ``CURSOR_EXPIRED``: reload the snapshot.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import weakref
from collections import Counter
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.scalars import JSON
from strawberry.types import Info

from domain import feed
from domain.access import viewer_for
from domain.enums import Role
from domain.errors import DomainError
from domain.feed.tail import LogTail
from schema.context import Context
from schema.errors import ApiError, from_domain
from schema.pagination import PageInfo

log = logging.getLogger("jiqun.feed")

# Codes a client acts on (reload the snapshot, resume later, slow down), as opposed to bad arguments.
_FEED_CODES = {"CURSOR_EXPIRED", "CURSOR_UNKNOWN", "CURSOR_INVALID", "SUBSCRIBER_TOO_SLOW", "FEED_UNAVAILABLE"}


def _api_error(exc: DomainError) -> ApiError:
    if exc.code not in _FEED_CODES:
        return from_domain(exc)
    error = ApiError(exc.message_en, messageZh=exc.message_zh, **exc.details)
    error.extensions["code"] = exc.code
    if exc.field:
        error.extensions["argument"] = exc.field
    return error


class SubscriptionSlots:
    """Open subscriptions per API key (per client address for anonymous callers) in this process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: Counter[str] = Counter()

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[None]:
        if self._open[key] >= self.limit:
            error = ApiError(
                f"this API key already has {self.limit} open subscriptions; complete one first",
                messageZh=f"该密钥已有 {self.limit} 个订阅，请先结束其中一个",
                limit=self.limit,
            )
            error.extensions["code"] = "TOO_MANY_SUBSCRIPTIONS"
            raise error
        self._open[key] += 1
        try:
            yield
        finally:
            self._open[key] -= 1
            if not self._open[key]:
                del self._open[key]


@dataclass
class FeedRuntime:
    """What the feed needs from the running API: its wake-ups, poll interval, retention and limits."""

    wakeups: feed.WakeUps = field(default_factory=feed.PollOnly)
    poll_interval_s: float = 1.0
    retention_days: float | None = None
    send_timeout_s: float | None = 60.0
    slots: SubscriptionSlots = field(default_factory=lambda: SubscriptionSlots(20))
    batches: SharedBatches = field(default_factory=lambda: SharedBatches())

    _tail: LogTail | None = field(default=None, init=False, repr=False)

    @property
    def retention(self) -> dt.timedelta | None:
        return dt.timedelta(days=self.retention_days) if self.retention_days else None

    def tail(self, sessionmaker: async_sessionmaker[AsyncSession]) -> LogTail:
        """This process's one reader of the log, which every subscription follows."""
        if self._tail is None:
            self._tail = LogTail(sessionmaker, self.wakeups, self.poll_interval_s)
        return self._tail


def _runtime(ctx: Context) -> FeedRuntime:
    runtime = getattr(ctx.services, "feed", None)
    return runtime if isinstance(runtime, FeedRuntime) else FeedRuntime()


def _subscriber(ctx: Context) -> str:
    if ctx.actor.role != Role.ANONYMOUS:
        return ctx.actor.id
    client = getattr(ctx.request, "client", None)
    return f"ip:{client.host if client else 'unknown'}"


# --- types ------------------------------------------------------------------------------------------


@strawberry.type(description="One change of one entity, as the change log recorded it at commit.")
class ChangeEvent:
    cursor: str = strawberry.field(description="Resume after this change: pass it as `after`.")
    seq: int = strawberry.field(description="The change's position in commit order (1, 2, 3, ... with no gaps).")
    type: str = strawberry.field(description="What happened, e.g. address.published, enterprise.registered.")
    entity_kind: str = strawberry.field(description="Jurisdiction, Agency, Address, Enterprise or Notice.")
    entity_id: strawberry.ID = strawberry.field(description="The entity's global id (as in `node(id:)`).")
    jurisdiction_code: str | None = strawberry.field(description="The GB/T 2260 code of the entity's jurisdiction.")
    occurred_at: dt.datetime = strawberry.field(description="When the change was committed (UTC).")
    changed_fields: list[str] = strawberry.field(
        description="The fields the change touched, by their names in `entity`; `*` for a new entity."
    )
    deleted: bool = strawberry.field(description="The entity no longer exists; `entity` is null.")
    entity: JSON | None = strawberry.field(
        description="The entity's public data after the change (the same fields for every caller; never personal "
        "data). Apply it when its `version` is not older than the copy you hold."
    )

    @classmethod
    def of(cls, change: feed.Change) -> ChangeEvent:
        return cls(
            cursor=change.cursor,
            seq=change.seq,
            type=change.type,
            entity_kind=change.entity_kind,
            entity_id=strawberry.ID(change.entity_id),
            jurisdiction_code=change.jurisdiction_code,
            occurred_at=change.occurred_at,
            changed_fields=change.changed_fields,
            deleted=change.deleted,
            entity=JSON(change.projection) if change.projection is not None else None,
        )


@strawberry.type(description="A change with its cursor.")
class ChangeEdge:
    cursor: str = strawberry.field(description="Resume after this change: pass it as `after`.")
    node: ChangeEvent = strawberry.field(description="The change.")


@strawberry.type(description="Changes after a cursor, oldest first.")
class ChangeConnection:
    edges: list[ChangeEdge] = strawberry.field(description="The changes with their cursors.")
    nodes: list[ChangeEvent] = strawberry.field(description="The changes.")
    page_info: PageInfo = strawberry.field(
        description="`endCursor` is where to continue from. It moves past changes this caller may not see or did "
        "not ask for, up to the newest change, so store it even when the page is empty."
    )
    head_cursor: str = strawberry.field(description="The newest change in the log when the page was read.")


@strawberry.type(description="What one subscription message carries: the next changes, and where they end.")
class ChangeBatch:
    events: list[ChangeEvent] = strawberry.field(description="The changes, oldest first; may be empty.")
    cursor: str = strawberry.field(
        description="Resume after this. An empty batch only moves it past changes this caller may not see or "
        "did not ask for."
    )
    # Each distinct selection's answer, executed once for every subscriber sent this batch (shared_events.py).
    shared_results: strawberry.Private[dict[Any, Any]] = field(default_factory=dict)


class SharedBatches:
    """One :class:`ChangeBatch` per page object, for as long as the page lives.

    The shared tail hands the same page to every subscriber with the same cursor, filter and visibility
    class; building the batch once per page lets its answer be executed and kept once for all of them.
    A page read from the database for one subscriber gets a batch of its own, as before.
    """

    def __init__(self) -> None:
        self._batches: dict[int, tuple[weakref.ref[feed.ChangePage], ChangeBatch]] = {}

    def __len__(self) -> int:
        return len(self._batches)

    def of(self, page: feed.ChangePage) -> ChangeBatch:
        key = id(page)
        known = self._batches.get(key)
        if known is not None and known[0]() is page:
            return known[1]
        batch = ChangeBatch(events=[ChangeEvent.of(c) for c in page.changes], cursor=feed.encode_cursor(page.end_seq))

        def forget(ref: weakref.ref[feed.ChangePage]) -> None:
            entry = self._batches.get(key)
            if entry is not None and entry[0] is ref:
                del self._batches[key]

        self._batches[key] = (weakref.ref(page, forget), batch)
        return batch


@strawberry.type(description="An entity as the public sees it now.")
class SnapshotEntity:
    kind: str = strawberry.field(description="Jurisdiction, Agency, Address, Enterprise or Notice.")
    id: strawberry.ID = strawberry.field(description="The entity's global id.")
    jurisdiction_code: str | None = strawberry.field(description="The GB/T 2260 code of its jurisdiction.")
    entity: JSON = strawberry.field(description="Its public data, the same shape as `ChangeEvent.entity`.")


@strawberry.type(description="An entity of the snapshot with its position.")
class SnapshotEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue the snapshot after this entity.")
    node: SnapshotEntity = strawberry.field(description="The entity.")


@strawberry.type(description="A page of the current public state, kind by kind, and the change cursor it is at.")
class Snapshot:
    change_cursor: str = strawberry.field(
        description="The newest change when this page was read, in the same transaction. Once every page is "
        "loaded, follow `changes` after the `changeCursor` of the FIRST page: replaying the changes made while "
        "you paged converges on the current state."
    )
    edges: list[SnapshotEdge] = strawberry.field(description="The entities with their positions.")
    nodes: list[SnapshotEntity] = strawberry.field(description="The entities.")
    page_info: PageInfo = strawberry.field(description="Paging through the snapshot (not the change log).")


def _change_connection(page: feed.ChangePage) -> ChangeConnection:
    events = [ChangeEvent.of(c) for c in page.changes]
    return ChangeConnection(
        edges=[ChangeEdge(cursor=e.cursor, node=e) for e in events],
        nodes=events,
        page_info=PageInfo(
            has_next_page=page.has_more,
            has_previous_page=False,
            start_cursor=events[0].cursor if events else None,
            end_cursor=feed.encode_cursor(page.end_seq),
        ),
        head_cursor=feed.encode_cursor(page.head_seq),
    )


# --- resolvers --------------------------------------------------------------------------------------

_AFTER = "The cursor of the last change you applied; omit to start from the beginning of the log."
_FIRST = "How many changes at most (1–1000): per page for the query, per message for the subscription."
_KINDS = "Only these entity kinds: Jurisdiction, Agency, Address, Enterprise, Notice."
_TYPES = "Only these event types, e.g. address.published."
_JURISDICTIONS = "Only these GB/T 2260 codes; a city covers its districts (320200 is all of Wuxi)."


@strawberry.type
class ChangesQuery:
    @strawberry.field(description="The changes after a cursor, oldest first, for clients that poll.")
    async def changes(
        self,
        info: Info[Context, None],
        after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
        first: Annotated[int, strawberry.argument(description=_FIRST)] = 100,
        entity_kinds: Annotated[list[str] | None, strawberry.argument(description=_KINDS)] = None,
        types: Annotated[list[str] | None, strawberry.argument(description=_TYPES)] = None,
        jurisdiction_codes: Annotated[list[str] | None, strawberry.argument(description=_JURISDICTIONS)] = None,
    ) -> ChangeConnection:
        ctx = info.context
        try:
            cursor = feed.decode_cursor(after)
            async with ctx.sessionmaker() as session:
                wanted = await feed.resolve_filter(
                    session, entity_kinds=entity_kinds, types=types, jurisdiction_codes=jurisdiction_codes
                )
                viewer = await viewer_for(session, ctx.actor)
            async with ctx.sessionmaker() as session:
                page = await feed.read_changes(
                    session,
                    after=cursor,
                    first=first,
                    wanted=wanted,
                    viewer=viewer,
                    retention=_runtime(ctx).retention,
                )
        except DomainError as exc:
            raise _api_error(exc) from None
        return _change_connection(page)

    @strawberry.field(
        description="The current public state (jurisdictions, agencies, published addresses, enterprises, "
        "notices), page by page, with the change cursor to follow it from."
    )
    async def snapshot(
        self,
        info: Info[Context, None],
        after: Annotated[str | None, strawberry.argument(description="Continue after this snapshot edge.")] = None,
        first: Annotated[int, strawberry.argument(description="How many entities (1–1000).")] = 100,
        entity_kinds: Annotated[list[str] | None, strawberry.argument(description=_KINDS)] = None,
        jurisdiction_codes: Annotated[list[str] | None, strawberry.argument(description=_JURISDICTIONS)] = None,
    ) -> Snapshot:
        ctx = info.context
        try:
            async with ctx.sessionmaker() as session:
                wanted = await feed.resolve_filter(
                    session, entity_kinds=entity_kinds, jurisdiction_codes=jurisdiction_codes
                )
                viewer = await viewer_for(session, ctx.actor)
            async with ctx.sessionmaker() as session:
                page = await feed.read_snapshot(
                    session,
                    after=after,
                    first=first,
                    kinds=sorted(wanted.entity_kinds),
                    jurisdiction_codes=wanted.jurisdiction_codes,
                    viewer=viewer,
                )
        except DomainError as exc:
            raise _api_error(exc) from None
        nodes = [
            SnapshotEntity(
                kind=e.kind, id=strawberry.ID(e.id), jurisdiction_code=e.jurisdiction_code, entity=JSON(e.projection)
            )
            for e in page.entities
        ]
        return Snapshot(
            change_cursor=feed.encode_cursor(page.change_seq),
            edges=[SnapshotEdge(cursor=e.position, node=n) for e, n in zip(page.entities, nodes, strict=True)],
            nodes=nodes,
            page_info=PageInfo(
                has_next_page=page.end is not None,
                has_previous_page=after is not None,
                start_cursor=page.entities[0].position if page.entities else None,
                end_cursor=page.end or (page.entities[-1].position if page.entities else after),
            ),
        )


@strawberry.type
class ChangesSubscription:
    @strawberry.subscription(
        description="Every change after the cursor, then new ones as they are committed, in commit order, with no "
        "gap and no repeat. Ends with CURSOR_EXPIRED (reload the snapshot), SUBSCRIBER_TOO_SLOW or "
        "FEED_UNAVAILABLE (both carry `extensions.cursor`: subscribe again after it)."
    )
    async def changes(
        self,
        info: Info[Context, None],
        after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
        first: Annotated[int, strawberry.argument(description=_FIRST)] = 100,
        entity_kinds: Annotated[list[str] | None, strawberry.argument(description=_KINDS)] = None,
        types: Annotated[list[str] | None, strawberry.argument(description=_TYPES)] = None,
        jurisdiction_codes: Annotated[list[str] | None, strawberry.argument(description=_JURISDICTIONS)] = None,
    ) -> AsyncGenerator[ChangeBatch, None]:
        ctx = info.context
        runtime = _runtime(ctx)
        try:
            with runtime.slots.hold(_subscriber(ctx)):
                cursor = feed.decode_cursor(after)
                size = feed.page_size(first)
                async with ctx.sessionmaker() as session:
                    wanted = await feed.resolve_filter(
                        session, entity_kinds=entity_kinds, types=types, jurisdiction_codes=jurisdiction_codes
                    )
                    viewer = await viewer_for(session, ctx.actor)

                async with runtime.tail(ctx.sessionmaker).following() as tail:
                    read = tail.reader(size, wanted, viewer, runtime.retention)
                    how = feed.Follow(tail, runtime.poll_interval_s, runtime.send_timeout_s)
                    async for page in feed.follow(read, cursor, how):
                        yield runtime.batches.of(page)
        except DomainError as exc:
            if exc.__cause__ is not None:
                log.warning("change feed ended with %s: %s", exc.code, exc.__cause__)
            raise _api_error(exc) from None
