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
from sqlalchemy import Select, Text, cast, func, literal_column, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import AnySelect
from schema.pagination import Ordering, PageArgs, _cursor_conditions, _order_by
from schema.planner.selection import DISTANCE, JsonObject


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
    selected = [render(dialect, c).label(f"c{i}") for i, c in enumerate(columns)]
    keys = [
        (exact(dialect, k.expression) if k.kind is float else k.expression).label(f"k{i}")
        for i, k in enumerate(ordering.keys)
    ]
    inner = (
        stmt.with_only_columns(*selected, *keys, func.row_number().over(order_by=order).label("rn"))
        .where(*_cursor_conditions(ordering, args))
        .order_by(*order)
        .limit(args.size + 1)
        .subquery()
    )
    fields: list[Any] = list(inner.c)
    if dialect != "postgresql":  # SQLite: a JSON value read from a subquery is text again until json()
        fields = [
            func.json(f) if isinstance(c, JsonObject) else f for f, c in zip(fields, columns, strict=False)
        ] + fields[len(columns) :]
    rows: Any
    if dialect == "postgresql":
        rows = func.coalesce(func.json_agg(func.json_build_array(*fields)), literal_column("'[]'::json"))
    else:
        rows = func.json_group_array(func.json_array(*fields))
    total = select(func.count()).select_from(stmt.order_by(None).subquery()).scalar_subquery() if count else None
    return select(rows).scalar_subquery(), total


class Exact:
    """A float column sent as text that parses back to the same double."""

    def __init__(self, expression: Any) -> None:
        self.expression = expression


def with_distance(column: Any, distance: Any) -> Any:
    """The request's column for the distance placeholder: the exact distance, or NULL without a point."""
    if isinstance(column, str) and column == DISTANCE:
        return Exact(distance) if distance is not None else null()
    return column


def render(dialect: str, column: Any) -> Any:
    """A column of the page: a nested object as its JSON, the others as they are."""
    if isinstance(column, JsonObject):
        return select(json_row(dialect, list(column.columns))).where(column.key == column.foreign).scalar_subquery()
    if isinstance(column, Exact):
        return exact(dialect, column.expression)
    return column


def exact(dialect: str, expression: Any) -> Any:
    """A float as text that parses back to the same double (SQLite's JSON keeps 15 digits only)."""
    if dialect == "postgresql":
        return cast(expression, Text)
    return func.printf("%!.17g", expression)


def decode_page(raw: Any, n_columns: int, ordering: Ordering | None = None) -> list[tuple[Any, ...]]:
    """The fetched rows as ``(columns, *sort keys)`` in the page statement's order (float keys, sent as
    text, parsed back)."""
    decoded: list[list[Any]] = orjson.loads(raw) if isinstance(raw, str | bytes) else raw
    decoded.sort(key=lambda r: r[-1])
    floats = [i for i, k in enumerate(ordering.keys) if k.kind is float] if ordering is not None else []
    out = []
    for r in decoded:
        keys = r[n_columns:-1]
        for i in floats:
            keys[i] = float(keys[i]) if keys[i] is not None else None
        out.append((r[:n_columns], *keys))
    return out


async def fetch_json_page(
    session: AsyncSession, stmt: AnySelect, ordering: Ordering, args: PageArgs, columns: list[Any], count: bool
) -> tuple[list[tuple[Any, ...]], int | None]:
    """The fetched rows as ``(columns, *sort keys)`` in the page statement's order, and the total count."""
    dialect = session.get_bind().dialect.name
    row = (await session.execute(page_statement(dialect, stmt, ordering, args, columns, count))).one()
    return decode_page(row[0], len(columns), ordering), (int(row[1]) if count else None)
