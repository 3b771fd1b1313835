"""Publishing: build each package's release in a staging directory, then swap it in atomically.

A publish holds an exclusive lock on the output directory and reads every row and the change-log cursor
in one snapshot. For each package it writes the canonical CSVs and the Excel copies into
``<package>/.staging-*`` (inside the output directory, so the final rename stays on one file system), and
compares them with the latest release:

- no release yet: 1.0.0;
- the schema fingerprint changed: next major (no delta);
- the data changed: next minor;
- only documentation or metadata changed: next patch;
- nothing changed: no release, the staging directory is dropped.

It then adds the deltas, descriptor, README, CHANGELOG, archive, SHA256SUMS, history and page, flushes
everything to disk, renames the directory to ``releases/<version>`` and swaps the ``latest`` symlink with
``os.replace``. Until that swap readers see the previous release, whole; a publish that fails or is killed
leaves it serving. Leftovers of a killed publish (staging directories, a release directory ``latest``
never pointed to) are removed by the next publish, under the lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tqdm import tqdm

from domain.feed import encode_cursor
from opendata import layout
from opendata.archive import DeterministicZip
from opendata.catalog import catalog
from opendata.changelog import changelog, entry
from opendata.delta import DELTA_COLUMNS, delta_row, delta_schema, merge
from opendata.excel import XLSX_MEDIATYPE, XlsxWriter
from opendata.fsutil import FileStats, exclusive_lock, fsync_dir, fsync_tree, point, replace_file, write_new
from opendata.guard import ReleaseRefused, RowChecker, check_text
from opendata.packages import (
    CONTRIBUTORS,
    LICENSES,
    PACKAGES,
    PROFILE,
    SOURCES,
    PackageDef,
    ResourceDef,
    metadata_fingerprint,
    schema_fingerprint,
)
from opendata.pages import dataset_page, index_page, readme, template_texts
from opendata.rows import Snapshot, snapshot, stream_rows
from opendata.writers import CSV_DIALECT, CsvWriter, ResourceFile, format_cell

STALL_ENV = "JIQUN_PUBLISH_STALL_AT"


def _stall_point(name: str) -> None:
    """Pause at a named step when ``JIQUN_PUBLISH_STALL_AT`` names it, so a test can kill a publish there."""
    if os.environ.get(STALL_ENV) == name:
        print(f"publish stalled at {name}", file=sys.stderr, flush=True)
        time.sleep(3600)


@dataclass(frozen=True)
class Outcome:
    package: str
    version: str
    previous: str | None
    change: str  # initial | major | minor | patch | unchanged
    cursor: int
    rows: int


def _bump(version: str, change: str) -> str:
    major, minor, patch = (int(p) for p in version.split("."))
    if change == "major":
        return f"{major + 1}.0.0"
    if change == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def read_history(out: Path, package: str) -> dict[str, Any] | None:
    path = layout.latest_dir(out, package) / layout.HISTORY
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


_DOOMED = ".doomed-"


def _remove(path: Path) -> None:
    """Take ``path`` out of sight first (one rename), then delete it at leisure."""
    doomed = path.with_name(f"{_DOOMED}{path.name}-{os.getpid()}")
    os.rename(path, doomed)
    shutil.rmtree(doomed)


def _clean_temporaries(directory: Path) -> None:
    """Temporary links and files that a killed :func:`~opendata.fsutil.point` or ``replace_file`` left."""
    for child in directory.iterdir():
        if child.name.startswith(".") and child.name.endswith(".tmp"):
            child.unlink(missing_ok=True)


def _clean_leftovers(package_dir: Path, history: dict[str, Any] | None) -> None:
    """Remove what a killed publish left: staging directories, temporaries, and release directories that no
    published history lists (renamed into place but never pointed to)."""
    _clean_temporaries(package_dir)
    for child in package_dir.iterdir():
        if child.name.startswith(layout.STAGING_PREFIX):
            shutil.rmtree(child, ignore_errors=True)
    listed = {r["version"] for r in history["releases"]} if history else set()
    releases = package_dir / layout.RELEASES
    if releases.is_dir():
        for release in releases.iterdir():
            if release.name.startswith(_DOOMED):
                shutil.rmtree(release, ignore_errors=True)
            elif release.name not in listed:
                _remove(release)


async def _write_resource(
    conn: AsyncConnection, resource: ResourceDef, staging: Path, snap: Snapshot, progress: bool, label: str
) -> tuple[ResourceFile, FileStats]:
    schema = resource.schema
    names = [f["name"] for f in schema["fields"]]
    keys = [names.index(k) for k in schema["primaryKey"]]
    checker = RowChecker(resource.name, schema)
    csv_out = CsvWriter(staging / "data" / f"{resource.name}.csv", names)
    xlsx_out = XlsxWriter(staging / "excel" / f"{resource.name}.xlsx", resource.name, schema, snap.created)
    bar = tqdm(desc=f"{label}/{resource.name}", unit=" rows", disable=not progress, leave=False)
    try:
        async for row in stream_rows(conn, resource.name):
            cells = [format_cell(row[name]) for name in names]
            checker.check("/".join(cells[k] for k in keys), cells)
            csv_out.write(cells)
            xlsx_out.write(cells)
            bar.update()
    except BaseException:
        csv_out.abort()
        xlsx_out.abort()
        raise
    finally:
        bar.close()
    return csv_out.close(), xlsx_out.close()


def _write_deltas(
    package: PackageDef, previous_dir: Path, staging: Path, versions: tuple[str, str]
) -> dict[str, tuple[ResourceFile, dict[str, int]]]:
    """Each resource's delta file and how many rows it inserts, updates and deletes."""
    deltas: dict[str, tuple[ResourceFile, dict[str, int]]] = {}
    for resource in package.resources:
        schema = resource.schema
        out = CsvWriter(
            staging / "deltas" / f"{resource.name}.csv", [*DELTA_COLUMNS, *(f["name"] for f in schema["fields"])]
        )
        tally: Counter[str] = Counter()
        try:
            for op, key, row in merge(
                previous_dir / "data" / f"{resource.name}.csv", staging / "data" / f"{resource.name}.csv", schema
            ):
                out.write(delta_row(op, key, row, schema, versions))
                tally[op] += 1
        except BaseException:
            out.abort()
            raise
        deltas[resource.name] = (out.close(), {op: tally[op] for op in ("insert", "update", "delete")})
    return deltas


def _table(path: str, stats: FileStats, rows: int) -> dict[str, Any]:
    return {
        "type": "table",
        "path": path,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": stats.bytes,
        "hash": stats.hash,
        "rows": rows,
        "dialect": CSV_DIALECT,
    }


def _descriptor(
    package: PackageDef,
    *,
    version: str,
    previous: str | None,
    snap: Snapshot,
    base_url: str,
    data: dict[str, tuple[ResourceFile, FileStats]],
    deltas: dict[str, tuple[ResourceFile, dict[str, int]]],
) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    for r in package.resources:
        csv_file, xlsx = data[r.name]
        resources.append(
            {
                "name": r.name,
                "title": r.title,
                "description": r.description,
                **_table(f"data/{r.name}.csv", csv_file.stats, csv_file.rows),
                "schema": r.schema,
                "jiqun:excel": {
                    "path": f"excel/{r.name}.xlsx",
                    "mediatype": XLSX_MEDIATYPE,
                    "bytes": xlsx.bytes,
                    "hash": xlsx.hash,
                },
            }
        )
    for r in package.resources:
        if r.name in deltas:
            resources.append(
                {
                    "name": f"{r.name}-delta",
                    "title": f"{r.title}（增量 / delta {previous} → {version}）",
                    "description": "相对上一版本的新增、修改和删除。 / Rows inserted, updated and deleted since "
                    "the previous release.",
                    **_table(f"deltas/{r.name}.csv", deltas[r.name][0].stats, deltas[r.name][0].rows),
                    "schema": delta_schema(r.schema),
                    "jiqun:deltaOf": r.name,
                    "jiqun:fromVersion": previous,
                    "jiqun:toVersion": version,
                }
            )
    return {
        "$schema": PROFILE,
        "name": package.name,
        "id": package.id,
        "title": package.title,
        "description": package.description,
        "version": version,
        "created": format_cell(snap.created),
        "homepage": layout.dataset_url(base_url, package.name),
        "keywords": list(package.keywords),
        "licenses": list(LICENSES),
        "sources": list(SOURCES),
        "contributors": list(CONTRIBUTORS),
        "jiqun:cursor": snap.cursor,
        "jiqun:feedCursor": encode_cursor(snap.cursor),
        "jiqun:previousVersion": previous,
        "jiqun:schemaFingerprint": schema_fingerprint(package),
        "resources": resources,
    }


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _file(
    path: str, role: str, title: str, mediatype: str, stats: FileStats, rows: int | None = None
) -> dict[str, Any]:
    described: dict[str, Any] = {"path": path, "role": role, "title": title, "mediatype": mediatype}
    described.update(bytes=stats.bytes, hash=stats.hash)
    if rows is not None:
        described["rows"] = rows
    return described


class _Build:
    """One package's release, from staging directory to swapped-in ``latest``."""

    def __init__(self, out: Path, package: PackageDef, base_url: str) -> None:
        self.out = out
        self.package = package
        self.base_url = base_url
        self.dir = out / package.name
        self.history = read_history(out, package.name)
        self.previous = self.history["releases"][0] if self.history else None
        self.staging: Path | None = None

    def decide(self, data_hashes: dict[str, str], metadata: str) -> str | None:
        prev = self.previous
        if prev is None:
            return "initial"
        if prev["schemaFingerprint"] != schema_fingerprint(self.package):
            return "major"
        if {name: r["hash"] for name, r in prev["resources"].items()} != data_hashes:
            return "minor"
        if prev["metadataFingerprint"] != metadata:
            return "patch"
        return None

    async def prepare(self, conn: AsyncConnection, snap: Snapshot, progress: bool) -> Outcome:
        """Build the release in a staging directory; nothing a reader sees changes yet."""
        self.dir.mkdir(parents=True, exist_ok=True)
        _clean_leftovers(self.dir, self.history)
        self.staging = Path(tempfile.mkdtemp(prefix=layout.STAGING_PREFIX, dir=self.dir))
        self.outcome = await self._build(conn, snap, progress, self.staging)
        return self.outcome

    def commit(self) -> None:
        if self.staging is not None and self.outcome.change != "unchanged":
            self._swap_in(self.staging, self.outcome.version)

    def discard(self) -> None:
        """Drop the staging directory if it was not renamed into place."""
        if self.staging is not None and self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)

    async def _build(self, conn: AsyncConnection, snap: Snapshot, progress: bool, staging: Path) -> Outcome:
        package, prev = self.package, self.previous
        data = {
            r.name: await _write_resource(conn, r, staging, snap, progress, package.name) for r in package.resources
        }
        _stall_point("writing")
        metadata = metadata_fingerprint(package, base_url=self.base_url, templates=template_texts())
        change = self.decide({name: c.stats.hash for name, (c, _) in data.items()}, metadata)
        total_rows = sum(c.rows for c, _ in data.values())
        if change is None:
            assert prev is not None
            return Outcome(package.name, prev["version"], prev["version"], "unchanged", prev["cursor"], total_rows)
        version = "1.0.0" if prev is None else _bump(prev["version"], change)
        previous_version = prev["version"] if prev else None

        deltas: dict[str, tuple[ResourceFile, dict[str, int]]] = {}
        if previous_version is not None and change != "major":
            deltas = _write_deltas(
                package, self.dir / layout.RELEASES / previous_version, staging, (previous_version, version)
            )
        changes = {name: counts for name, (_, counts) in deltas.items()} if deltas else None

        descriptor = _descriptor(
            package,
            version=version,
            previous=previous_version,
            snap=snap,
            base_url=self.base_url,
            data=data,
            deltas=deltas,
        )
        release: dict[str, Any] = {
            "version": version,
            "created": descriptor["created"],
            "cursor": snap.cursor,
            "previousVersion": previous_version,
            "change": change,
        }
        files = self._write_documents(staging, descriptor, release, changes, data, snap.created)
        sums = write_new(staging / "SHA256SUMS", "".join(f"{f['hash'][7:]}  {f['path']}\n" for f in files).encode())
        files.append(_file("SHA256SUMS", "checksums", "SHA256SUMS", "text/plain", sums))
        release.update(
            {
                "path": f"{layout.RELEASES}/{version}/",
                "schemaFingerprint": descriptor["jiqun:schemaFingerprint"],
                "metadataFingerprint": metadata,
                "resources": {
                    r.name: {
                        "rows": data[r.name][0].rows,
                        "bytes": data[r.name][0].stats.bytes,
                        "hash": data[r.name][0].stats.hash,
                    }
                    for r in package.resources
                },
                "changes": changes,
                "files": files,
            }
        )
        history = {
            "name": package.name,
            "id": package.id,
            "title": package.title,
            "latest": version,
            "releases": [release, *(self.history["releases"] if self.history else [])],
        }
        for name, content in (
            (layout.HISTORY, _json_bytes(history)),
            (layout.PAGE, dataset_page(self.base_url, package, descriptor, history)),
        ):
            check_text(f"{package.name}/{name}", content.decode("utf-8"))
            write_new(staging / name, content)
        fsync_tree(staging)
        return Outcome(package.name, version, previous_version, change, snap.cursor, total_rows)

    def _write_documents(
        self,
        staging: Path,
        descriptor: dict[str, Any],
        release: dict[str, Any],
        changes: dict[str, dict[str, int]] | None,
        data: dict[str, tuple[ResourceFile, FileStats]],
        created: dt.datetime,
    ) -> list[dict[str, Any]]:
        """Descriptor, README, CHANGELOG and the archive; returns the file list for SHA256SUMS and history."""
        package, version = self.package, release["version"]
        previous_changelog = None
        if release["previousVersion"] is not None:
            old = self.dir / layout.RELEASES / release["previousVersion"] / "CHANGELOG.md"
            previous_changelog = old.read_text(encoding="utf-8") if old.is_file() else None
        rows = {name: c.rows for name, (c, _) in data.items()}
        documents = {
            layout.DESCRIPTOR: (
                "descriptor",
                "Data Package 描述文件 / descriptor",
                "application/json",
                _json_bytes(descriptor),
            ),
            "README.md": (
                "readme",
                "说明 / README",
                "text/markdown",
                readme(package, descriptor, release, self.base_url),
            ),
            "CHANGELOG.md": (
                "changelog",
                "变更记录 / CHANGELOG",
                "text/markdown",
                changelog(
                    entry(
                        version=version,
                        previous=release["previousVersion"],
                        change=release["change"],
                        created=release["created"],
                        cursor=release["cursor"],
                        rows=rows,
                        changes=changes,
                    ),
                    previous_changelog,
                ).encode("utf-8"),
            ),
        }
        files: list[dict[str, Any]] = []
        for name, (role, title, mediatype, content) in documents.items():
            check_text(f"{package.name}/{name}", content.decode("utf-8"))
            files.append(_file(name, role, title, mediatype, write_new(staging / name, content)))
        for resource in descriptor["resources"]:
            role = "delta" if "jiqun:deltaOf" in resource else "data"
            files.append(
                _file(
                    resource["path"],
                    role,
                    resource["title"],
                    "text/csv",
                    FileStats(resource["bytes"], resource["hash"]),
                    resource["rows"],
                )
            )
            if "jiqun:excel" in resource:
                excel = resource["jiqun:excel"]
                stats = FileStats(excel["bytes"], excel["hash"])
                files.append(_file(excel["path"], "excel", f"{resource['title']} (XLSX)", XLSX_MEDIATYPE, stats))
        zip_name = layout.archive_name(package.name, version)
        archive = DeterministicZip(staging / zip_name, created)
        try:
            for f in files:
                archive.add_file(f["path"], staging / f["path"])
        except BaseException:
            archive.abort()
            raise
        files.append(_file(zip_name, "archive", f"{package.title} {version} (ZIP)", "application/zip", archive.close()))
        return files

    def _swap_in(self, staging: Path, version: str) -> None:
        releases = self.dir / layout.RELEASES
        releases.mkdir(exist_ok=True)
        target = releases / version
        if target.exists():
            raise ReleaseRefused(
                f"{target} already exists and is a published release; releases are immutable",
                f"{target} 已存在且已发布；已发布版本不可修改",
            )
        os.rename(staging, target)
        fsync_dir(releases)
        _stall_point("renamed")
        point(self.dir / layout.HISTORY, f"{layout.LATEST}/{layout.HISTORY}")
        point(self.dir / layout.PAGE, f"{layout.LATEST}/{layout.PAGE}")
        point(self.dir / layout.LATEST, f"{layout.RELEASES}/{version}")


def _write_site(out: Path, base_url: str) -> None:
    """The catalogue page and the DCAT-AP catalogue, from each package's latest release."""
    published = [(p, h) for p in PACKAGES if (h := read_history(out, p.name)) is not None]
    replace_file(out / layout.PAGE, index_page(base_url, published))
    replace_file(out / layout.CATALOG, catalog(base_url, published))


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(out / layout.LOCK):
        yield


async def publish(engine: AsyncEngine, out: Path, *, base_url: str, progress: bool = False) -> list[Outcome]:
    """Publish both packages from one snapshot; a package whose files would not change gets no release.

    Both packages are built before either is swapped in, so a refusal or failure in one leaves both
    previous releases serving.
    """
    base_url = base_url.rstrip("/")
    with _locked(out):
        _clean_temporaries(out)
        builds = [_Build(out, p, base_url) for p in PACKAGES]
        try:
            async with snapshot(engine) as (conn, snap):
                outcomes = [await b.prepare(conn, snap, progress) for b in builds]
            for b in builds:
                b.commit()
        finally:
            for b in builds:
                b.discard()
        _write_site(out, base_url)
    return outcomes
