"""What a client asked of a covered connection, read from its selection (fragments, aliases and
``@include``/``@skip`` already applied by graphql-core's field collection).

The result is a small tree of response keys, each naming what fills it: a column index of the page
statement, the global id, a cursor, a page-info value, the total count or a type name. ``None`` means the
selection holds something the planner does not cover, and the resolvers answer the field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)

from schema.planner.roots import ROOTS, ConnectionRoot

Convert = Callable[[Any], Any]
PAGE_INFO = {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}


@dataclass(frozen=True)
class JsonObject:
    """A column standing for a nested object: its row's columns as JSON, found by ``key == foreign``
    (rendered per dialect by schema/planner/sql.py)."""

    columns: tuple[Any, ...]
    key: Any
    foreign: Any


DISTANCE = "distance"
"""Stands for the distance column, known only with the request's ``filter.near``."""


@dataclass
class NodeShape:
    """Response keys of a node: ``("col", i, convert)``, ``("id",)`` or ``("typename", name)``."""

    keys: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)


@dataclass
class ConnectionShape:
    """The connection's response keys and the columns the page statement must read."""

    keys: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    columns: list[Any] = field(default_factory=list)
    count: bool = False


def named(t: GraphQLOutputType) -> Any:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def converter(t: GraphQLOutputType) -> Convert | None:
    base = named(t)
    if isinstance(base, GraphQLEnumType):
        names = {(v.value.value if isinstance(v.value, Enum) else v.value): n for n, v in base.values.items()}
        return lambda value: None if value is None else names[value]
    if isinstance(base, GraphQLScalarType):
        if base.name == "Boolean":
            return lambda value: None if value is None else bool(value)
        if base.name in {"String", "Int", "Float", "Date"}:
            return _same
    return None


def _same(value: Any) -> Any:
    return value


Collect = Callable[[GraphQLObjectType, Any], dict[str, Any]]


def node_shape(
    root: ConnectionRoot, node_type: Any, details: Any, collect: Collect, shape: ConnectionShape
) -> NodeShape | None:
    if not isinstance(node_type, GraphQLObjectType):
        return None
    node = NodeShape()
    for key, group in collect(node_type, details).items():
        name = group[0].node.name.value
        if name == "__typename":
            node.keys.append((key, ("typename", node_type.name)))
        elif name == "id":
            node.keys.append((key, ("id",)))
        elif name in root.objects:
            nested_root = ROOTS[root.objects[name][0]]
            collector = ConnectionShape(columns=[nested_root.id_column])
            nested = node_shape(nested_root, named(node_type.fields[name].type), group, collect, collector)
            if nested is None:
                return None
            shape.columns.append(JsonObject(tuple(collector.columns), nested_root.id_column, root.objects[name][1]))
            node.keys.append((key, ("object", len(shape.columns) - 1, nested, nested_root)))
        elif name in root.columns and not group[0].node.arguments:
            convert = converter(node_type.fields[name].type)
            if convert is None:
                return None
            shape.columns.append(root.columns[name])
            node.keys.append((key, ("col", len(shape.columns) - 1, convert)))
        else:
            return None
    return node


def connection_shape(
    root: ConnectionRoot, connection_type: GraphQLObjectType, details: Any, collect: Collect
) -> ConnectionShape | None:
    """The shape of a selection on ``connection_type``, or ``None`` when something in it is not covered."""
    shape = ConnectionShape(columns=[root.id_column])
    for key, group in collect(connection_type, details).items():
        name = group[0].node.name.value
        if name == "__typename":
            shape.keys.append((key, ("typename", connection_type.name)))
        elif name == "totalCount":
            shape.count = True
            shape.keys.append((key, ("count",)))
        elif name == "nodes":
            node = node_shape(root, named(connection_type.fields[name].type), group, collect, shape)
            if node is None:
                return None
            shape.keys.append((key, ("nodes", node)))
        elif name == "pageInfo":
            info_type = named(connection_type.fields[name].type)
            keys: list[tuple[str, str]] = []
            for info_key, info_group in collect(info_type, group).items():
                info_name = info_group[0].node.name.value
                if info_name != "__typename" and info_name not in PAGE_INFO:
                    return None
                keys.append((info_key, info_name if info_name in PAGE_INFO else "__typename:" + info_type.name))
            shape.keys.append((key, ("pageInfo", keys)))
        elif name == "edges":
            edge_type = named(connection_type.fields[name].type)
            edge_keys: list[tuple[str, tuple[Any, ...]]] = []
            for edge_key, edge_group in collect(edge_type, group).items():
                edge_name = edge_group[0].node.name.value
                if edge_name == "cursor":
                    edge_keys.append((edge_key, ("cursor",)))
                elif edge_name == "distanceKm" and root.distance:
                    at = next((i for i, c in enumerate(shape.columns) if c is DISTANCE), None)
                    if at is None:
                        shape.columns.append(DISTANCE)
                        at = len(shape.columns) - 1
                    edge_keys.append((edge_key, ("distance", at)))
                elif edge_name == "__typename":
                    edge_keys.append((edge_key, ("typename", edge_type.name)))
                elif edge_name == "node":
                    node = node_shape(root, named(edge_type.fields["node"].type), edge_group, collect, shape)
                    if node is None:
                        return None
                    edge_keys.append((edge_key, ("node", node)))
                else:
                    return None
            shape.keys.append((key, ("edges", edge_keys)))
        else:
            return None
    return shape
