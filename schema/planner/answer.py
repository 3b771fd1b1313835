"""The response value of a planned connection, from its page: global ids, cursors and enum names are
added here, as the resolvers' types do (schema/types/node.py, schema/pagination.py)."""

from __future__ import annotations

from typing import Any

from domain.ids import to_global_id
from schema.pagination import Page
from schema.planner.roots import ConnectionRoot
from schema.planner.selection import ConnectionShape, NodeShape


def node_value(root: Any, shape: NodeShape, row: list[Any], pk: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, what in shape.keys:
        if what[0] == "col":
            out[key] = what[2](row[what[1]])
        elif what[0] == "id":
            out[key] = to_global_id(root.kind, pk)
        elif what[0] == "object":
            nested = row[what[1]]
            out[key] = None if nested is None else node_value(what[3], what[2], nested, int(nested[0]))
        else:
            out[key] = what[1]
    return out


def answer(root: ConnectionRoot, shape: ConnectionShape, page: Page[Any], total: int | None) -> dict[str, Any]:
    """The connection's value; each row's first column is the node's primary key."""
    pks = [int(row[0]) for row in page.rows]
    out: dict[str, Any] = {}
    for key, what in shape.keys:
        kind = what[0]
        if kind == "typename":
            out[key] = what[1]
        elif kind == "count":
            out[key] = total
        elif kind == "nodes":
            out[key] = [node_value(root, what[1], row, pk) for row, pk in zip(page.rows, pks, strict=True)]
        elif kind == "pageInfo":
            info: dict[str, Any] = {}
            for info_key, name in what[1]:
                if name == "hasNextPage":
                    info[info_key] = page.has_next
                elif name == "hasPreviousPage":
                    info[info_key] = page.has_previous
                elif name == "startCursor":
                    info[info_key] = page.cursors[0] if page.cursors else None
                elif name == "endCursor":
                    info[info_key] = page.cursors[-1] if page.cursors else None
                else:
                    info[info_key] = name.partition(":")[2]
            out[key] = info
        else:  # edges
            edges = []
            for row, cursor, pk in zip(page.rows, page.cursors, pks, strict=True):
                edge: dict[str, Any] = {}
                for edge_key, edge_what in what[1]:
                    if edge_what[0] == "cursor":
                        edge[edge_key] = cursor
                    elif edge_what[0] == "distance":
                        distance = row[edge_what[1]]
                        edge[edge_key] = round(float(distance), 3) if distance is not None else None
                    elif edge_what[0] == "typename":
                        edge[edge_key] = edge_what[1]
                    else:
                        edge[edge_key] = node_value(root, edge_what[1], row, pk)
                edges.append(edge)
            out[key] = edges
    return out
