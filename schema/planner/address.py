"""The ``address(code)`` root: the address, its agency and its enterprises' pages in one statement.

Each part is a scalar subquery of its own, keyed by the address the caller may see (the visibility
condition of domain/access.py, through schema/permissions.py): the address's columns as a JSON array,
its agency's, and each selected ``enterprises`` page with its count. Free places come from
domain/capacity.py, the rule stated once. When the address is not found, or a nested page's arguments
are refused, the resolvers answer instead, so the error and its place are theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import GraphQLObjectType
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model import Address, Agency, Enterprise
from schema.filters.common import values
from schema.filters.enterprises import ADDRESS_ENTERPRISES, enterprise_ordering
from schema.pagination import PageArgs, _cursor_conditions, _page, connection_args
from schema.planner.answer import answer, node_value
from schema.planner.roots import ADDRESS_COLUMNS, ROOTS
from schema.planner.selection import (
    Collect,
    ConnectionShape,
    NodeShape,
    connection_shape,
    converter,
    named,
    node_shape,
)
from schema.planner.sql import decode_page, json_row, page_parts

COLUMNS = ADDRESS_COLUMNS


@dataclass
class AddressShape:
    """The address's response keys; ``agencies`` and ``pages`` are the nested parts, by index."""

    keys: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    columns: list[Any] = field(default_factory=lambda: [Address.id])
    agencies: list[tuple[NodeShape, list[Any]]] = field(default_factory=list)
    pages: list[tuple[ConnectionShape, Any, Any]] = field(default_factory=list)


def address_shape(address_type: GraphQLObjectType, details: Any, collect: Collect) -> AddressShape | None:
    shape = AddressShape()
    for key, group in collect(address_type, details).items():
        name = group[0].node.name.value
        if name == "__typename":
            shape.keys.append((key, ("typename", address_type.name)))
        elif name == "id":
            shape.keys.append((key, ("id",)))
        elif name in COLUMNS:
            convert = converter(address_type.fields[name].type)
            if convert is None:
                return None
            shape.columns.append(COLUMNS[name])
            shape.keys.append((key, ("col", len(shape.columns) - 1, convert)))
        elif name == "agency":
            collector = ConnectionShape(columns=[Agency.id])
            node = node_shape(ROOTS["agencies"], named(address_type.fields[name].type), group, collect, collector)
            if node is None:
                return None
            shape.agencies.append((node, collector.columns))
            shape.keys.append((key, ("agency", len(shape.agencies) - 1)))
        elif name == "enterprises":
            field_def = address_type.fields[name]
            page = connection_shape(ROOTS["enterprises"], named(field_def.type), group, collect)
            if page is None:
                return None
            shape.pages.append((page, field_def, group))
            shape.keys.append((key, ("page", len(shape.pages) - 1)))
        else:
            return None
    return shape


@dataclass(frozen=True)
class NestedPage:
    """A nested page's arguments, checked as the resolver checks them."""

    args: PageArgs
    statuses: Any
    order_by: Any


def nested_page(kwargs: dict[str, Any]) -> NestedPage:
    """The page's arguments, or the resolver's error for them (page size, cursors of the ordering)."""
    args = connection_args(kwargs.get("first"), kwargs.get("after"), kwargs.get("last"), kwargs.get("before"))
    _cursor_conditions(enterprise_ordering(kwargs.get("order_by")), args)
    chosen = values(kwargs.get("status"))
    return NestedPage(args, tuple(chosen) if chosen is not None else None, kwargs.get("order_by"))


async def fetch_address(
    session: AsyncSession, ctx: Any, code: str, visible: Any, shape: AddressShape, pages: list[NestedPage]
) -> dict[str, Any] | None:
    """The address's value, or ``None`` when the caller may see no address of this code."""
    dialect = session.get_bind().dialect.name
    where = (Address.code == code.strip(), visible)
    address_id = select(Address.id).where(*where).scalar_subquery()
    parts: list[Any] = [select(json_row(dialect, shape.columns)).where(*where).scalar_subquery()]
    agency_id = select(Address.agency_id).where(*where).scalar_subquery()
    for _node, columns in shape.agencies:
        parts.append(select(json_row(dialect, columns)).where(Agency.id == agency_id).scalar_subquery())
    orderings = []
    for (page_shape, _f, _g), nested in zip(shape.pages, pages, strict=True):
        ordering = enterprise_ordering(nested.order_by)
        orderings.append(ordering)
        stmt = ADDRESS_ENTERPRISES.statement(ctx, nested.statuses).where(Enterprise.address_id == address_id)
        rows, total = page_parts(dialect, stmt, ordering, nested.args, page_shape.columns, page_shape.count)
        parts += [rows, total] if total is not None else [rows]
    found = list((await session.execute(select(*parts))).one())
    if found[0] is None:
        return None
    row = _json(found.pop(0))
    agencies = [_json(found.pop(0)) for _ in shape.agencies]
    values_: list[Any] = []
    for (page_shape, _f, _g), nested, ordering in zip(shape.pages, pages, orderings, strict=True):
        fetched = decode_page(found.pop(0), len(page_shape.columns))
        total = int(found.pop(0)) if page_shape.count else None
        values_.append(answer(ROOTS["enterprises"], page_shape, _page(ordering, nested.args, fetched, 0), total))
    out: dict[str, Any] = {}
    for key, what in shape.keys:
        if what[0] == "agency":
            node = shape.agencies[what[1]][0]
            agency = agencies[what[1]]
            out[key] = None if agency is None else node_value(ROOTS["agencies"], node, agency, int(agency[0]))
        elif what[0] == "page":
            out[key] = values_[what[1]]
        else:
            out[key] = node_value(_ADDRESS, NodeShape([(key, what)]), row, int(row[0]))[key]
    return out


def _json(raw: Any) -> Any:
    return orjson.loads(raw) if isinstance(raw, str | bytes) else raw


@dataclass(frozen=True)
class _Kind:
    kind: str


_ADDRESS = _Kind("Address")
