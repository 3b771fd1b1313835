"""Relay connections with keyset (seek) pagination.

A cursor encodes the ordering's name and the row's sort key values, ending with its id, so a page is
``WHERE (k1, ..., id) > (cursor values) ORDER BY k1, ..., id LIMIT n + 1`` — the same cost on page 1
and page 10,000, and stable while rows are added or removed. There is never an OFFSET.

Nested connections (an address's enterprises, an agency's addresses) are loaded for all parents of a
page in one statement, numbering each parent's rows with ``row_number() OVER (PARTITION BY parent)``,
so the number of statements does not grow with the page size.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.commands.common import MAX_ID
from domain.db import AnySelect
from schema.errors import BadUserInput

T = TypeVar("T")
N = TypeVar("N")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True, eq=False)
class SortKey:
    """One ORDER BY term. ``kind`` decodes the cursor's JSON value back into a bind parameter."""

    expression: Any
    descending: bool = False
    kind: type = int


@dataclass(frozen=True, eq=False)
class Ordering:
    """A named ordering; its last key must be unique (the primary key) so the order is total. Orderings
    are equal when their names are, which lets loaders batch by ordering; a name identifies its keys."""

    name: str
    keys: tuple[SortKey, ...]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ordering) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


@dataclass(frozen=True)
class PageArgs:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def backward(self) -> bool:
        return self.last is not None

    @property
    def size(self) -> int:
        """The page size, checked: 1–100, ``first`` or ``last`` but not both; 20 when neither is given."""
        if self.first is not None and self.last is not None:
            raise BadUserInput("pass either first or last, not both", argument="first")
        size = self.last if self.last is not None else self.first
        if size is None:
            return DEFAULT_PAGE_SIZE
        if not 1 <= size <= MAX_PAGE_SIZE:
            name = "last" if self.last is not None else "first"
            raise BadUserInput(
                f"{name} must be between 1 and {MAX_PAGE_SIZE}, not {size}",
                messageZh=f"{name} 应在 1 到 {MAX_PAGE_SIZE} 之间",
                argument=name,
            )
        return size


def connection_args(first: int | None, after: str | None, last: int | None, before: str | None) -> PageArgs:
    args = PageArgs(first, after, last, before)
    _ = args.size
    return args


# --- cursors ---------------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def encode_cursor(ordering: Ordering, values: Sequence[Any]) -> str:
    raw = json.dumps([ordering.name, *(_json_value(v) for v in values)], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii")


def _decode_value(kind: type, value: Any) -> Any:
    if kind is int and isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ID:
        return value
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind is str and isinstance(value, str):
        return value
    if kind is dt.date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise ValueError(value)


def decode_cursor(ordering: Ordering, cursor: str, argument: str) -> list[Any]:
    """The sort key values in ``cursor``; a cursor of another ordering or a malformed one is refused."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        if not isinstance(raw, list) or raw[0] != ordering.name or len(raw) != len(ordering.keys) + 1:
            raise ValueError(cursor)
        return [_decode_value(k.kind, v) for k, v in zip(ordering.keys, raw[1:], strict=True)]
    except (ValueError, TypeError, UnicodeError, binascii.Error, IndexError):
        raise BadUserInput(
            f"{argument} is not a cursor of this connection and ordering",
            messageZh=f"{argument} 不是此连接和排序方式的游标",
            argument=argument,
        ) from None


def _beyond(ordering: Ordering, values: Sequence[Any], *, after: bool) -> ColumnElement[bool]:
    """Rows strictly after (or before) the row with these key values, in the ordering's direction:
    ``k1 >= v1 AND (k1 > v1 OR (k1 = v1 AND k2 > v2) OR ...)``. It works on every backend; the leading
    bound lets an index on the first key start the scan at the cursor."""
    terms = []
    for i, key in enumerate(ordering.keys):
        greater = key.descending != after  # after on an ascending key, or before on a descending one
        comparison = key.expression > values[i] if greater else key.expression < values[i]
        equal = [ordering.keys[j].expression == values[j] for j in range(i)]
        terms.append(and_(*equal, comparison))
    first = ordering.keys[0]
    bound = first.expression >= values[0] if first.descending != after else first.expression <= values[0]
    return and_(bound, or_(*terms))


def _order_by(ordering: Ordering, backward: bool) -> list[Any]:
    return [k.expression.desc() if k.descending != backward else k.expression.asc() for k in ordering.keys]


def _cursor_conditions(ordering: Ordering, args: PageArgs) -> list[ColumnElement[bool]]:
    conditions = []
    if args.after is not None:
        conditions.append(_beyond(ordering, decode_cursor(ordering, args.after, "after"), after=True))
    if args.before is not None:
        conditions.append(_beyond(ordering, decode_cursor(ordering, args.before, "before"), after=False))
    return conditions


# --- pages -----------------------------------------------------------------------------------------


@dataclass
class Page(Generic[T]):
    """Rows of one page in display order, each with its cursor and any extra selected columns."""

    rows: list[T]
    cursors: list[str]
    extras: list[tuple[Any, ...]]
    has_next: bool
    has_previous: bool


def _page(ordering: Ordering, args: PageArgs, fetched: list[Any], n_extra: int) -> Page[Any]:
    size = args.size
    more = len(fetched) > size
    fetched = fetched[:size]
    if args.backward:
        fetched.reverse()
    key_count = len(ordering.keys)
    return Page(
        rows=[r[0] for r in fetched],
        cursors=[encode_cursor(ordering, r[len(r) - key_count :]) for r in fetched],
        extras=[tuple(r[1 : 1 + n_extra]) for r in fetched],
        has_next=more if not args.backward else args.before is not None,
        has_previous=more if args.backward else args.after is not None,
    )


async def fetch_page(
    session: AsyncSession, stmt: AnySelect, ordering: Ordering, args: PageArgs, n_extra: int = 0
) -> Page[Any]:
    """One page of ``stmt`` (``select(Entity, *extras)`` with its filters) in ``ordering``."""
    labelled = [k.expression.label(f"sort_{i}") for i, k in enumerate(ordering.keys)]
    query = (
        stmt.add_columns(*labelled)
        .where(*_cursor_conditions(ordering, args))
        .order_by(*_order_by(ordering, args.backward))
        .limit(args.size + 1)
    )
    fetched = list((await session.execute(query)).all())
    return _page(ordering, args, fetched, n_extra)


async def count_rows(session: AsyncSession, stmt: AnySelect) -> int:
    return int((await session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))).scalar_one())


async def fetch_child_pages(
    session: AsyncSession,
    entity: type,
    stmt: AnySelect,
    parent: Any,
    parent_ids: Sequence[Any],
    ordering: Ordering,
    args: PageArgs,
) -> dict[Any, Page[Any]]:
    """A page of children for each parent in ``parent_ids``, in one statement (``stmt`` selects
    ``entity`` with the children's filters)."""
    size = args.size
    number = func.row_number().over(partition_by=parent, order_by=_order_by(ordering, args.backward))
    inner = (
        stmt.add_columns(
            parent.label("page_parent"),
            *(k.expression.label(f"sort_{i}") for i, k in enumerate(ordering.keys)),
            number.label("page_row"),
        )
        .where(parent.in_(list(parent_ids)), *_cursor_conditions(ordering, args))
        .subquery()
    )
    row: Any = aliased(entity, inner)
    query = (
        select(row, inner.c.page_parent, *(inner.c[f"sort_{i}"] for i in range(len(ordering.keys))))
        .where(inner.c.page_row <= size + 1)
        .order_by(inner.c.page_parent, inner.c.page_row)
    )
    grouped: dict[Any, list[Any]] = {pid: [] for pid in parent_ids}
    for r in (await session.execute(query)).all():
        grouped[r[1]].append((r[0], *r[2:]))
    return {pid: _page(ordering, args, rows, 0) for pid, rows in grouped.items()}


async def count_children(
    session: AsyncSession, stmt: AnySelect, parent: Any, parent_ids: Sequence[Any]
) -> dict[Any, int]:
    query = stmt.with_only_columns(parent, func.count()).where(parent.in_(list(parent_ids))).group_by(parent)
    counts: dict[Any, int] = {parent: count for parent, count in (await session.execute(query.order_by(None))).all()}
    return {pid: int(counts.get(pid, 0)) for pid in parent_ids}


# --- GraphQL types ---------------------------------------------------------------------------------


@strawberry.type(description="Where a page sits in its connection (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether items precede this page.")
    start_cursor: str | None = strawberry.field(description="The cursor of the first item of the page.")
    end_cursor: str | None = strawberry.field(description="The cursor of the last item of the page.")


@strawberry.type(description="An item of a connection with its cursor.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(description="Pass as after/before to page from this item.")
    node: N = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list (Relay connection), ordered stably, with keyset cursors.")
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="The items of the page with their cursors.")
    nodes: list[N] = strawberry.field(description="The items of the page, without cursors.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list holds (all pages), with the same filters.")
    async def total_count(self) -> int:
        return await self.count()


def page_info(page: Page[Any]) -> PageInfo:
    return PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )


def make_connection(page: Page[Any], convert: Callable[[Any], N], count: Callable[[], Awaitable[int]]) -> Connection[N]:
    nodes = [convert(row) for row in page.rows]
    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
        nodes=nodes,
        page_info=page_info(page),
        count=count,
    )


First = Annotated[int | None, strawberry.argument(description="Return the first n items (1–100; 20 by default).")]
After = Annotated[str | None, strawberry.argument(description="Return items after this cursor.")]
Last = Annotated[int | None, strawberry.argument(description="Return the last n items (1–100).")]
Before = Annotated[str | None, strawberry.argument(description="Return items before this cursor.")]
