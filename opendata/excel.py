"""The Excel-friendly copy of a resource: an XLSX workbook written with openpyxl in write-only mode.

XLSX rather than CSV with a BOM, because Excel opening a CSV turns an all-digit USCC into a rounded
number and drops leading zeros; here every string field is an inline text cell (integers and numbers stay
numeric), so codes survive exactly. A second sheet holds the bilingual field dictionary.

openpyxl stamps the save time into the archive and ``docProps/core.xml``; the workbook is therefore
rewritten through :class:`~opendata.archive.DeterministicZip` with the data's own time, so the same rows
give the same bytes. Write-only sheets stream to temporary files, so memory stays flat.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from opendata.archive import DeterministicZip
from opendata.fsutil import FileStats

XLSX_MEDIATYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MODIFIED_RE = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


class XlsxWriter:
    def __init__(self, path: Path, resource: str, schema: dict[str, Any], created: dt.datetime) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._raw = path.with_name(f".{path.name}.raw")
        self._created = created.astimezone(dt.UTC)
        self._wb = Workbook(write_only=True)
        self._wb.properties.creator = "jiqun"
        self._wb.properties.title = resource
        self._wb.properties.created = self._created.replace(tzinfo=None)
        self._sheet = self._wb.create_sheet(resource[:31])
        fields = schema["fields"]
        self._sheet.append([f["name"] for f in fields])
        self._kinds = [f["type"] if f["type"] in ("integer", "number") else "text" for f in fields]
        dictionary = self._wb.create_sheet("fields 字段说明")
        dictionary.append(["name", "type", "title", "description"])
        for f in fields:
            dictionary.append([f["name"], f["type"], f.get("title", ""), f.get("description", "")])

    def _cell(self, kind: str, value: str) -> Any:
        if value == "":
            return None
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if text.startswith("="):  # text, never a formula
            cell = WriteOnlyCell(self._sheet, value=text)
            cell.data_type = "s"
            return cell
        return text

    def write(self, cells: list[str]) -> None:
        self._sheet.append([self._cell(kind, value) for kind, value in zip(self._kinds, cells, strict=True)])

    def abort(self) -> None:
        """Finish the half-written workbook and delete it, which also removes openpyxl's sheet buffers."""
        try:
            self._wb.save(self._raw)
        finally:
            self._raw.unlink(missing_ok=True)

    def close(self) -> FileStats:
        self._wb.save(self._raw)
        stamp = self._created.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        out = DeterministicZip(self.path, self._created)
        try:
            with zipfile.ZipFile(self._raw) as raw:
                for entry in raw.infolist():
                    if entry.filename == "docProps/core.xml":
                        out.add_bytes(entry.filename, _MODIFIED_RE.sub(rb"\g<1>" + stamp + rb"\g<2>", raw.read(entry)))
                    else:
                        out.add_entry(raw, entry)
        except BaseException:
            out.abort()
            raise
        finally:
            self._raw.unlink(missing_ok=True)
        return out.close()
