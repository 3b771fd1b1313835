"""Zip archives whose bytes depend only on their content: fixed timestamps, modes, system and order."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

from opendata.fsutil import FileStats, HashingFile

_ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)  # the earliest time a zip entry can carry


class DeterministicZip:
    """Entries are stored in the order they are added, all stamped with ``when`` (UTC)."""

    def __init__(self, path: Path, when: dt.datetime) -> None:
        stamp = max(when.astimezone(dt.UTC), _ZIP_EPOCH)
        self._date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
        self._out = HashingFile(path)
        # The output is written once, front to back (entries carry data descriptors), so its digest is
        # computed while writing.
        self._zip = zipfile.ZipFile(self._out, "w", zipfile.ZIP_DEFLATED)  # type: ignore[call-overload]

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = 0o644 << 16
        return info

    def add_bytes(self, name: str, data: bytes) -> None:
        self._zip.writestr(self._info(name), data)

    def add_file(self, name: str, path: Path) -> None:
        with path.open("rb") as src, self._zip.open(self._info(name), "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)

    def add_entry(self, source: zipfile.ZipFile, entry: zipfile.ZipInfo, name: str | None = None) -> None:
        with source.open(entry) as src, self._zip.open(self._info(name or entry.filename), "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)

    def close(self) -> FileStats:
        self._zip.close()
        return self._out.close()

    def abort(self) -> None:
        self._zip.close()
        self._out.abort()
