"""The ``nodes(ids)`` root for agencies and enterprises: every listed object in one statement.

Agencies and enterprises are public registration data for every caller (domain/access.py), so the
rows need no visibility condition; an id of another kind, a malformed id or more ids than allowed
sends the field to the resolvers, which report the error where they report it. An id whose object does
not exist answers ``null`` at its index, as the resolver does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import GraphQLObjectType, GraphQLSchema
from sqlalchemy import func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.commands.common import MAX_ID
from domain.errors import DomainError
from domain.ids import from_global_id, is_decimal
from schema.planner.answer import node_value
from schema.planner.roots import ROOTS, ConnectionRoot
from schema.planner.selection import Collect, ConnectionShape, NodeShape, node_shape
from schema.planner.sql import json_row
from schema.queries import MAX_NODES

# Public registration data for every caller; addresses (visibility) and the rest go to the resolvers.
KINDS: dict[str, ConnectionRoot] = {ROOTS[name].kind: ROOTS[name] for name in ("agencies", "enterprises")}


@dataclass
class NodesShape:
    """The node shape and columns of each kind the planner reads, or ``None`` for a kind whose
    selection it does not cover."""

    kinds: dict[str, tuple[NodeShape, list[Any]] | None] = field(default_factory=dict)


def nodes_shape(schema: GraphQLSchema, details: Any, collect: Collect) -> NodesShape:
    shape = NodesShape()
    for kind, root in KINDS.items():
        object_type = schema.get_type(kind)
        assert isinstance(object_type, GraphQLObjectType)
        collector = ConnectionShape(columns=[root.id_column])
        node = node_shape(root, object_type, details, collect, collector)
        shape.kinds[kind] = (node, collector.columns) if node is not None else None
    return shape


def planned_keys(shape: NodesShape, ids: list[str]) -> list[tuple[str, int | None]] | None:
    """``(kind, primary key or None for one that cannot exist)`` per id, or ``None`` when the resolvers
    must answer (too many ids, a malformed one, a kind or selection the planner does not cover)."""
    if len(ids) > MAX_NODES:
        return None
    keys: list[tuple[str, int | None]] = []
    for value in ids:
        try:
            kind, key = from_global_id(value)
        except DomainError:
            return None
        if shape.kinds.get(kind) is None:
            return None
        keys.append((kind, int(key) if is_decimal(key) and int(key) <= MAX_ID else None))
    return keys


async def fetch_nodes(session: AsyncSession, shape: NodesShape, keys: list[tuple[str, int | None]]) -> list[Any]:
    dialect = session.get_bind().dialect.name
    wanted: dict[str, set[int]] = {}
    for kind, pk in keys:
        if pk is not None:
            wanted.setdefault(kind, set()).add(pk)
    kinds = sorted(wanted)
    found: dict[tuple[str, int], list[Any]] = {}
    if kinds:
        parts = []
        for kind in kinds:
            known = shape.kinds[kind]
            assert known is not None
            row = json_row(dialect, known[1])
            rows: Any = (
                func.coalesce(func.json_agg(row), literal_column("'[]'::json"))
                if dialect == "postgresql"
                else func.json_group_array(row)
            )
            parts.append(select(rows).where(KINDS[kind].id_column.in_(sorted(wanted[kind]))).scalar_subquery())
        result = (await session.execute(select(*parts))).one()
        for kind, raw in zip(kinds, result, strict=True):
            for r in orjson.loads(raw) if isinstance(raw, str | bytes) else raw:
                found[(kind, int(r[0]))] = r
    out: list[Any] = []
    for kind, pk in keys:
        row = found.get((kind, pk)) if pk is not None else None
        known = shape.kinds[kind]
        assert known is not None
        out.append(None if row is None else node_value(KINDS[kind], known[0], row, int(row[0])))
    return out
