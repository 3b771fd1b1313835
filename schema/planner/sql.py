"""One statement per planned connection: the page's rows as a JSON array built by the database, and the
total count beside it when asked.

The page is the resolvers' own: the shared statement with its filters, the keyset conditions of the
cursors, the ordering and ``LIMIT size + 1`` (schema/pagination.py). Each row becomes a JSON array of the
selected columns, the sort keys and the row's position; ``json_agg(json_build_array(...))`` on PostgreSQL,
``json_group_array(json_array(...))`` on SQLite, so the driver hands over one value instead of a row set.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import AnySelect
from schema.pagination import Ordering, PageArgs, _cursor_conditions, _order_by


def json_row(dialect: str, columns: list[Any]) -> Any:
    """One row's columns as a JSON array."""
    return func.json_build_array(*columns) if dialect == "postgresql" else func.json_array(*columns)


def page_statement(
    dialect: str, stmt: AnySelect, ordering: Ordering, args: PageArgs, columns: list[Any], count: bool
) -> Select[Any]:
    rows, total = page_parts(dialect, stmt, ordering, args, columns, count)
    outer = select(rows.label("rows"))
    return outer.add_columns(total.label("total")) if total is not None else outer


def page_parts(
    dialect: str, stmt: AnySelect, ordering: Ordering, args: PageArgs, columns: list[Any], count: bool
) -> tuple[Any, Any]:
    """The page's rows as one JSON value, and its total count, as scalar subqueries (so several pages
    and objects can share one statement)."""
    order = _order_by(ordering, args.backward)
    selected = [c.label(f"c{i}") for i, c in enumerate(columns)]
    keys = [k.expression.label(f"k{i}") for i, k in enumerate(ordering.keys)]
    inner = (
        stmt.with_only_columns(*selected, *keys, func.row_number().over(order_by=order).label("rn"))
        .where(*_cursor_conditions(ordering, args))
        .order_by(*order)
        .limit(args.size + 1)
        .subquery()
    )
    fields = list(inner.c)
    rows: Any
    if dialect == "postgresql":
        rows = func.coalesce(func.json_agg(func.json_build_array(*fields)), literal_column("'[]'::json"))
    else:
        rows = func.json_group_array(func.json_array(*fields))
    total = select(func.count()).select_from(stmt.order_by(None).subquery()).scalar_subquery() if count else None
    return select(rows).scalar_subquery(), total


def decode_page(raw: Any, n_columns: int) -> list[tuple[Any, ...]]:
    """The fetched rows as ``(columns, *sort keys)`` in the page statement's order."""
    decoded: list[list[Any]] = orjson.loads(raw) if isinstance(raw, str | bytes) else raw
    decoded.sort(key=lambda r: r[-1])
    return [(r[:n_columns], *r[n_columns:-1]) for r in decoded]


async def fetch_json_page(
    session: AsyncSession, stmt: AnySelect, ordering: Ordering, args: PageArgs, columns: list[Any], count: bool
) -> tuple[list[tuple[Any, ...]], int | None]:
    """The fetched rows as ``(columns, *sort keys)`` in the page statement's order, and the total count."""
    dialect = session.get_bind().dialect.name
    row = (await session.execute(page_statement(dialect, stmt, ordering, args, columns, count))).one()
    return decode_page(row[0], len(columns)), (int(row[1]) if count else None)
