"""Per-request data loaders: every row a page needs is fetched in one statement per kind of row.

A resolver asks ``await by_id(ctx, Agency).load(7)``; all such calls made while a page resolves are
collected into one ``WHERE id IN (...)``. Child lists (an address's status history, an agency's
ratings) and child connections (an address's enterprises) are batched the same way, so the number of
statements a query needs depends on its shape, never on how many rows it returns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from domain.db import AnySelect
from schema.context import Context
from schema.pagination import (
    Connection,
    Ordering,
    Page,
    PageArgs,
    count_children,
    fetch_child_pages,
    make_connection,
)

T = TypeVar("T")
N = TypeVar("N")


def by_key(ctx: Context, model: type[T], column: Any = None) -> DataLoader[Any, T | None]:
    """Rows of ``model`` by a unique column (the primary key by default)."""
    column = column if column is not None else model.__mapper__.primary_key[0]  # type: ignore[attr-defined]

    def factory(c: Context) -> DataLoader[Any, T | None]:
        async def load(keys: list[Any]) -> list[T | None]:
            async with c.read() as session:
                rows = (await session.execute(select(model).where(column.in_(keys)))).scalars().all()
            found = {getattr(r, column.key): r for r in rows}
            return [found.get(k) for k in keys]

        return DataLoader(load)

    return ctx.loader(f"{model.__name__}.{column.key}", factory)


def by_id(ctx: Context, model: type[T]) -> DataLoader[Any, T | None]:
    return by_key(ctx, model)


def grouped(
    ctx: Context, name: str, column: Any, build: Callable[[list[Any]], AnySelect]
) -> DataLoader[Any, list[Any]]:
    """Lists of rows per key: ``build(keys)`` selects the rows of all keys, ``column`` tells whose."""

    def factory(c: Context) -> DataLoader[Any, list[Any]]:
        async def load(keys: list[Any]) -> list[list[Any]]:
            async with c.read() as session:
                rows = (await session.execute(build(keys))).all()
            out: dict[Any, list[Any]] = defaultdict(list)
            for row in rows:
                out[row[1]].append(row[0])
            return [out.get(k, []) for k in keys]

        return DataLoader(load)

    return ctx.loader(name, factory)


@dataclass(frozen=True)
class ChildRelation:
    """A parent's child connection: ``statement(ctx, filters)`` selects the children the caller may see
    with the given filters; ``parent`` is the child column naming the parent."""

    name: str
    entity: type
    parent: Any
    statement: Callable[[Context, Hashable], AnySelect]


def _child_pages(ctx: Context, relation: ChildRelation) -> DataLoader[Any, Page[Any]]:
    def factory(c: Context) -> DataLoader[Any, Page[Any]]:
        async def load(keys: list[tuple[Any, Ordering, PageArgs, Hashable]]) -> list[Page[Any]]:
            batches: dict[tuple[Ordering, PageArgs, Hashable], list[Any]] = defaultdict(list)
            for parent_id, ordering, args, filters in keys:
                batches[(ordering, args, filters)].append(parent_id)
            pages: dict[Any, Page[Any]] = {}
            async with c.read() as session:
                for (ordering, args, filters), ids in batches.items():
                    stmt = relation.statement(c, filters)
                    found = await fetch_child_pages(
                        session, relation.entity, stmt, relation.parent, ids, ordering, args
                    )
                    for parent_id, page in found.items():
                        pages[(parent_id, ordering, args, filters)] = page
            return [pages[k] for k in keys]

        return DataLoader(load)

    return ctx.loader(f"pages:{relation.name}", factory)


def _child_counts(ctx: Context, relation: ChildRelation) -> DataLoader[Any, int]:
    def factory(c: Context) -> DataLoader[Any, int]:
        async def load(keys: list[tuple[Any, Hashable]]) -> list[int]:
            batches: dict[Hashable, list[Any]] = defaultdict(list)
            for parent_id, filters in keys:
                batches[filters].append(parent_id)
            counts: dict[tuple[Any, Hashable], int] = {}
            async with c.read() as session:
                for filters, ids in batches.items():
                    found = await count_children(session, relation.statement(c, filters), relation.parent, ids)
                    counts.update({(pid, filters): n for pid, n in found.items()})
            return [counts[k] for k in keys]

        return DataLoader(load)

    return ctx.loader(f"counts:{relation.name}", factory)


async def child_page(
    ctx: Context, relation: ChildRelation, parent_id: Any, ordering: Ordering, args: PageArgs, filters: Hashable = ()
) -> tuple[Page[Any], Callable[[], Awaitable[int]]]:
    """One parent's page of children, batched with its siblings', and how to count them all."""
    page = await _child_pages(ctx, relation).load((parent_id, ordering, args, filters))

    def count() -> Awaitable[int]:
        return _child_counts(ctx, relation).load((parent_id, filters))

    return page, count


async def child_connection(
    ctx: Context,
    relation: ChildRelation,
    parent_id: Any,
    ordering: Ordering,
    args: PageArgs,
    convert: Callable[[Any], N],
    filters: Hashable = (),
) -> Connection[N]:
    page, count = await child_page(ctx, relation, parent_id, ordering, args, filters)
    return make_connection(page, convert, count)
