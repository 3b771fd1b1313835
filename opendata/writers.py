"""The canonical CSV of a resource: UTF-8 without BOM, ``\\n`` line endings, RFC 4180 quoting.

Values are formatted the one way the Table Schema reads them (dates ISO 8601, datetimes in UTC with ``Z``,
booleans ``true``/``false``, floats by ``repr``), so the same rows always give the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opendata.fsutil import FileStats, HashingFile

CSV_DIALECT = {"header": True, "delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "doubleQuote": True}


@dataclass(frozen=True)
class ResourceFile:
    stats: FileStats
    rows: int


def format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


class _Utf8:
    """The text side of a :class:`HashingFile`: what ``csv.writer`` writes goes out as UTF-8."""

    def __init__(self, out: HashingFile) -> None:
        self._out = out

    def write(self, text: str) -> int:
        return self._out.write(text.encode("utf-8"))


class CsvWriter:
    def __init__(self, path: Path, header: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._out = HashingFile(path)
        self._csv = csv.writer(_Utf8(self._out), lineterminator="\n")
        self._csv.writerow(header)
        self.rows = 0

    def write(self, cells: list[str]) -> None:
        self._csv.writerow(cells)
        self.rows += 1

    def close(self) -> ResourceFile:
        return ResourceFile(self._out.close(), self.rows)

    def abort(self) -> None:
        self._out.abort()


def read_csv(path: Path) -> Iterator[list[str]]:
    """The data rows of a canonical CSV (header skipped), streamed."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        yield from reader
