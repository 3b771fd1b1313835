"""Streaming reads of the published rows, all inside one read snapshot with the change-log cursor.

Every resource is read with one query ordered by its primary key and streamed (server-side cursor,
``yield_per``), so memory stays flat however many rows there are. Strings are ordered byte-wise (``COLLATE
"C"`` on PostgreSQL, SQLite's default ``BINARY``): that is the order Python compares strings in, which the
delta merge relies on, and it does not depend on the server's locale.

Only public tables are read; the personal tables are never joined.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import aliased

from domain.access import PUBLIC, AddressTable, address_visible
from domain.capacity import free_places
from domain.db import AnySelect
from domain.ids import to_global_id
from domain.model import Address, AddressKeyIndustry, Agency, ChangeLogEntry, Enterprise, Jurisdiction, Notice

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_BATCH = 1000


@dataclass(frozen=True)
class Snapshot:
    """The change-log position the rows reflect and when that change happened."""

    cursor: int
    created: dt.datetime


@contextlib.asynccontextmanager
async def snapshot(engine: AsyncEngine) -> AsyncIterator[tuple[AsyncConnection, Snapshot]]:
    """One read-only transaction for the cursor and every row, so the cursor describes exactly the data.

    PostgreSQL needs REPEATABLE READ for that (READ COMMITTED takes a new snapshot per statement); SQLite
    in WAL mode keeps the snapshot of a transaction's first read until it ends.
    """
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = await conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        async with conn.begin():
            last = (
                await conn.execute(
                    select(ChangeLogEntry.seq, ChangeLogEntry.occurred_at).order_by(ChangeLogEntry.seq.desc()).limit(1)
                )
            ).first()
            yield conn, Snapshot(cursor=last.seq, created=last.occurred_at) if last else Snapshot(0, EPOCH)


def _published() -> ColumnElement[bool]:
    """The addresses anyone may see (domain/access.py): a record once published never leaves the
    directory; its status tells where it stands."""
    return address_visible(PUBLIC, AddressTable())


def _jurisdictions(binary: Callable[[Any], Any]) -> AnySelect:
    j = Jurisdiction
    return select(j.code, j.name_zh, j.name_en, j.parent_code, j.level, j.rule_pack, j.licence_annotation).order_by(
        binary(j.code)
    )


def _agencies(binary: Callable[[Any], Any]) -> AnySelect:
    a = Agency
    behind = or_(
        a.id.in_(select(Address.agency_id).where(_published())),
        a.id.in_(select(Address.host_unit_id).where(_published(), Address.host_unit_id.is_not(None))),
    )
    return (
        select(
            a.uscc,
            a.id,
            a.name,
            a.role,
            a.kind,
            a.jurisdiction_code,
            a.status,
            a.registered_on,
            a.service_ended_on,
            a.latest_grade,
            a.latest_grade_year,
            a.updated_at,
        )
        .where(behind)
        .order_by(binary(a.uscc))
    )


def _addresses(binary: Callable[[Any], Any]) -> AnySelect:
    agency, host = aliased(Agency), aliased(Agency)
    a = Address
    return (
        select(
            a.code,
            a.id,
            a.jurisdiction_code,
            agency.uscc.label("agency_uscc"),
            host.uscc.label("host_unit_uscc"),
            a.kind,
            a.address_text,
            a.building,
            a.room,
            a.longitude,
            a.latitude,
            a.premises_basis,
            a.capacity,
            a.occupied,
            a.status,
            a.status_changed_on,
            a.published_on,
            a.planned_exit_on,
            a.updated_at,
        )
        .join(agency, agency.id == a.agency_id)
        .outerjoin(host, host.id == a.host_unit_id)
        .where(_published())
        .order_by(binary(a.code))
    )


def _address_key_industries(binary: Callable[[Any], Any]) -> AnySelect:
    return (
        select(Address.code.label("address_code"), AddressKeyIndustry.industry)
        .join(Address, Address.id == AddressKeyIndustry.address_id)
        .where(_published())
        .order_by(binary(Address.code), binary(AddressKeyIndustry.industry))
    )


def _notices(binary: Callable[[Any], Any]) -> AnySelect:
    n = Notice
    address, agency, enterprise = aliased(Address), aliased(Agency), aliased(Enterprise)
    return (
        select(
            n.id,
            n.kind,
            n.jurisdiction_code,
            n.subject_kind,
            n.subject_id,
            address.code.label("address_code"),
            agency.uscc.label("agency_uscc"),
            enterprise.uscc.label("enterprise_uscc"),
            n.title,
            n.title_en,
            n.body,
            n.body_en,
            n.legal_basis,
            n.published_on,
            n.deadline_on,
            n.deadline_estimated,
            n.status,
            n.withdrawn_on,
            n.withdrawal_reason,
            n.updated_at,
        )
        .outerjoin(address, and_(n.subject_kind == "Address", address.id == n.subject_id))
        .outerjoin(agency, and_(n.subject_kind == "Agency", agency.id == n.subject_id))
        .outerjoin(enterprise, and_(n.subject_kind == "Enterprise", enterprise.id == n.subject_id))
        .order_by(n.id)
    )


def _location(longitude: float | None, latitude: float | None) -> str | None:
    return None if longitude is None or latitude is None else f"{longitude!r},{latitude!r}"


def _agency_row(r: Any) -> dict[str, Any]:
    return {**r._asdict(), "id": to_global_id("Agency", r.id)}


def _address_row(r: Any) -> dict[str, Any]:
    row = r._asdict()
    row["id"] = to_global_id("Address", r.id)
    row["location"] = _location(row.pop("longitude"), row.pop("latitude"))
    row["free_places"] = free_places(r.status, r.capacity, r.occupied)
    return row


def _notice_row(r: Any) -> dict[str, Any]:
    row = r._asdict()
    codes = {"Address": row.pop("address_code"), "Agency": row.pop("agency_uscc")}
    codes["Enterprise"] = row.pop("enterprise_uscc")
    row["notice_no"] = r.id
    row["id"] = to_global_id("Notice", r.id)
    has_subject = r.subject_kind is not None and r.subject_id is not None
    row["subject_id"] = to_global_id(r.subject_kind, r.subject_id) if has_subject else None
    row["subject_code"] = codes.get(r.subject_kind or "")
    return row


def _as_dict(r: Any) -> dict[str, Any]:
    return dict(r._asdict())


_QUERIES: dict[str, tuple[Callable[[Callable[[Any], Any]], AnySelect], Callable[[Any], dict[str, Any]]]] = {
    "jurisdictions": (_jurisdictions, _as_dict),
    "agencies": (_agencies, _agency_row),
    "addresses": (_addresses, _address_row),
    "address_key_industries": (_address_key_industries, _as_dict),
    "notices": (_notices, _notice_row),
}


async def stream_rows(conn: AsyncConnection, resource: str) -> AsyncIterator[dict[str, Any]]:
    """Yield the resource's rows as ``{field: value}`` in primary-key order, a batch at a time."""
    query, to_row = _QUERIES[resource]
    postgres = conn.dialect.name == "postgresql"

    def binary(column: Any) -> Any:
        return column.collate("C") if postgres else column

    result = await conn.stream(query(binary).execution_options(yield_per=_BATCH))
    async for batch in result.partitions(_BATCH):  # one await per batch, not per row
        for row in batch:
            yield to_row(row)
