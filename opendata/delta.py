"""Deltas between two releases: a streaming merge of the two canonical CSVs, both sorted by primary key.

Neither file is loaded: each side advances one row at a time, so memory is one row per side however large
the resource. A delta row says ``insert``, ``update`` or ``delete``, the record id (the primary key; parts
of a composite key joined with ``/``), the two versions, and the record's fields as in the new release
(only the key fields for a delete). Applying the inserts and updates and dropping the deletes turns the
old release's rows into the new one's.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from opendata.writers import read_csv

DELTA_COLUMNS = ("op", "record_id", "from_version", "to_version")
_SEMVER = "(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)"

Key = tuple[Any, ...]


class UnsortedInput(Exception):
    """A release file is not in primary-key order, so no delta can be trusted."""


def key_function(schema: dict[str, Any]) -> Callable[[list[str]], Key]:
    """The primary key of a CSV row, typed so that it sorts the way the rows were written."""
    names = [f["name"] for f in schema["fields"]]
    positions = [names.index(k) for k in schema["primaryKey"]]
    integer = [schema["fields"][p]["type"] == "integer" for p in positions]

    def key(row: list[str]) -> Key:
        return tuple(int(row[p]) if is_int else row[p] for p, is_int in zip(positions, integer, strict=True))

    return key


def record_id(key: Key) -> str:
    return "/".join(str(part) for part in key)


def _sorted(rows: Iterator[list[str]], key: Callable[[list[str]], Key], path: Path) -> Iterator[tuple[Key, list[str]]]:
    previous: Key | None = None
    for row in rows:
        k = key(row)
        if previous is not None and k <= previous:
            raise UnsortedInput(f"{path}: key {record_id(k)} does not follow {record_id(previous)}")
        previous = k
        yield k, row


def merge(old: Path, new: Path, schema: dict[str, Any]) -> Iterator[tuple[str, Key, list[str]]]:
    """Yield ``(op, key, row)`` in key order; ``row`` is the new row, or the old one for a delete."""
    key = key_function(schema)
    left, right = _sorted(read_csv(old), key, old), _sorted(read_csv(new), key, new)
    a, b = next(left, None), next(right, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            assert a is not None
            yield "delete", a[0], a[1]
            a = next(left, None)
        elif a is None or b[0] < a[0]:
            yield "insert", b[0], b[1]
            b = next(right, None)
        else:
            if a[1] != b[1]:
                yield "update", b[0], b[1]
            a, b = next(left, None), next(right, None)


def delta_row(op: str, key: Key, row: list[str], schema: dict[str, Any], versions: tuple[str, str]) -> list[str]:
    if op == "delete":
        keep = set(schema["primaryKey"])
        row = [cell if f["name"] in keep else "" for f, cell in zip(schema["fields"], row, strict=True)]
    return [op, record_id(key), *versions, *row]


def delta_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The base schema with the delta columns in front; its fields are optional because a delete carries
    only the key, and its foreign keys are dropped because a delete names a row that is gone."""
    fields = []
    for field in copy.deepcopy(schema["fields"]):
        constraints = {k: v for k, v in field.get("constraints", {}).items() if k not in ("required", "unique")}
        field.pop("constraints", None)
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    head = [
        {
            "name": "op",
            "type": "string",
            "title": "操作 / Operation",
            "description": "对上一版本的操作。 / What to do to the previous release's rows.",
            "constraints": {"required": True, "enum": ["insert", "update", "delete"]},
            "categories": [
                {"value": "insert", "label": "新增 / Insert"},
                {"value": "update", "label": "修改 / Update"},
                {"value": "delete", "label": "删除 / Delete"},
            ],
        },
        {
            "name": "record_id",
            "type": "string",
            "title": "记录标识 / Record id",
            "description": "记录的主键；复合主键以“/”连接。 / The record's primary key; parts of a composite key "
            "joined with '/'.",
            "constraints": {"required": True, "unique": True},
        },
        {
            "name": "from_version",
            "type": "string",
            "title": "起始版本 / From version",
            "description": "该增量所基于的版本。 / The release this delta applies to.",
            "constraints": {"required": True, "pattern": _SEMVER},
        },
        {
            "name": "to_version",
            "type": "string",
            "title": "目标版本 / To version",
            "description": "应用该增量后得到的版本。 / The release applying this delta gives.",
            "constraints": {"required": True, "pattern": _SEMVER},
        },
    ]
    return {"fields": head + fields, "missingValues": [""], "primaryKey": ["record_id"]}
