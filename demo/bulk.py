"""Enterprise operations written in bulk: one transaction and a few ``executemany`` inserts per chunk,
with exactly the rows and change-log entries the commands would write.

For each operation it runs the checks the command runs (the same validators, state machine and rule
packs, through :meth:`UnitOfWork.check_rules` and the command's own fact builder), applies the change to
an in-memory copy of the enterprise and its address, and notes the change-log entry with the entity's
public projection at that moment, in the order the command would record it. Ids come from the same
sequence (PostgreSQL) or rowid rule (SQLite) an insert would use, and ``seq`` values are taken from the
counter row as the transaction's last statement, by the unit of work's own :func:`allocate_seqs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from demo.enterprises import (
    AnnualReport,
    Contact,
    Deregister,
    Finding,
    ListAbnormal,
    MoveOut,
    Op,
    Register,
    RemoveAbnormal,
    TaxFiling,
)
from demo.plan import Ids
from domain.actor import Actor
from domain.commands.common import packs_for, parse_enum
from domain.commands.enterprises import (
    address_agencies,
    annual_report_on_time,
    check_address_open,
    new_enterprise,
    personal_row,
    registration_facts,
)
from domain.db import WRITE_OPTION
from domain.enums import AbnormalReason, EnterpriseKind, EnterpriseStatus, FindingKind
from domain.errors import AlreadyExists, InvalidInput
from domain.findings import finding_record
from domain.lifecycle import next_status
from domain.model import (
    Address,
    Agency,
    ChangeLogEntry,
    ContactLog,
    Enterprise,
    EnterpriseFinding,
    EnterprisePersonal,
    Jurisdiction,
    RuleFindingRecord,
)
from domain.model import (
    AnnualReport as AnnualReportRow,
)
from domain.projections import address_projection, agency_projection, enterprise_projection
from domain.types import utcnow
from domain.unit_of_work import UnitOfWork, allocate_seqs
from domain.validators import validate_date_order, validate_industry_code, validate_text, validate_uscc

BATCH_ROWS = 5_000
_OCCUPANCY_FIELDS = ["freePlaces", "occupied"]
_ABNORMAL_FIELDS = ["abnormalReason", "abnormalSince", "status"]


def _table(model: type[Any]) -> Table:
    return model.__table__  # type: ignore[no-any-return]


@dataclass
class _Place:
    """An address as the chunk changes it."""

    row: Address
    occupied: int
    version: int
    projection: dict[str, Any]

    def changed(self, delta: int) -> dict[str, Any]:
        self.occupied = max(self.occupied + delta, 0)
        self.version += 1
        free = max(self.row.capacity - self.occupied, 0)
        self.projection = {**self.projection, "occupied": self.occupied, "freePlaces": free, "version": self.version}
        return self.projection


class _Chunk:
    """The rows and change-log entries one chunk will write."""

    def __init__(self, agencies: dict[int, tuple[str, dict[str, Any]]]) -> None:
        self.agencies = agencies  # id -> (jurisdiction, projection); the chunk changes no agency
        self.enterprises: dict[int, Enterprise] = {}  # ordinal -> in-memory enterprise
        self.personal: list[dict[str, Any]] = []
        self.reports: list[dict[str, Any]] = []
        self.findings: list[dict[str, Any]] = []
        self.contacts: list[dict[str, Any]] = []
        self.rule_findings: list[dict[str, Any]] = []
        self.log: list[dict[str, Any]] = []
        self.reported: set[tuple[int, int]] = set()

    def record(self, type_: str, kind: str, projection: dict[str, Any], jurisdiction: str, fields: list[str]) -> None:
        self.log.append(
            {
                "type": type_,
                "entity_kind": kind,
                "entity_id": projection["id"],
                "jurisdiction_code": jurisdiction,
                "changed_fields": fields,
                "projection": projection,
            }
        )

    def enterprise_changed(self, type_: str, e: Enterprise, fields: list[str], *, bump: bool = True) -> None:
        if bump:
            e.version += 1
        self.record(type_, "Enterprise", enterprise_projection(e), e.jurisdiction_code, fields)


class BulkWriter:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], actor: Actor, ids: Ids) -> None:
        self.sessionmaker, self.actor, self.ids = sessionmaker, actor, ids
        self._jurisdictions: dict[str, Jurisdiction] = {}

    async def write(self, ops: Sequence[Op]) -> None:
        async with self.sessionmaker() as session:
            await session.connection(execution_options={WRITE_OPTION: True})
            if not self._jurisdictions:
                self._jurisdictions = {j.code: j for j in (await session.execute(select(Jurisdiction))).scalars()}
            registrations = [op for op in ops if isinstance(op, Register)]
            wanted = {self.ids.addresses[op.spec.address] for op in registrations}
            rows = (await session.execute(select(Address).where(Address.id.in_(wanted)))).scalars()
            places = {a.id: _Place(a, a.occupied, a.version, address_projection(a)) for a in rows}
            serving = await address_agencies(session, (p.row for p in places.values()))
            new_ids = iter(await _reserve(session, _table(Enterprise), len(registrations)))
            contacted = {self.ids.agencies[op.agency] for op in ops if isinstance(op, Contact)}
            agencies = (await session.execute(select(Agency).where(Agency.id.in_(contacted)))).scalars()
            chunk = _Chunk({a.id: (a.jurisdiction_code, agency_projection(a)) for a in agencies})
            for op in ops:
                if isinstance(op, Register):
                    place = places[self.ids.addresses[op.spec.address]]
                    await self._register(op, chunk, place, serving, next(new_ids))
                else:
                    self._apply(op, chunk, places)
            await self._flush(session, chunk, places.values())
            await session.commit()

    async def _register(
        self, op: Register, chunk: _Chunk, place: _Place, agencies: Mapping[int, Agency], enterprise_id: int
    ) -> None:
        """What :func:`domain.commands.register_enterprise` checks and records."""
        s, address, on = op.spec, place.row, op.on
        uscc = validate_uscc(s.uscc)
        name = validate_text(s.name, "name", max_length=200)
        parse_enum(EnterpriseKind, s.kind, "kind")
        industry = validate_industry_code(s.industry_code)
        scope = validate_text(s.business_scope, "businessScope", max_length=2000, required=False)
        actual = validate_text(s.actual_address, "actualAddress", max_length=300, required=False)
        person = personal_row(s.personal)
        check_address_open(address, place.occupied, agencies)
        j = self._jurisdictions[address.jurisdiction_code]
        e = new_enterprise(
            address,
            j,
            uscc=uscc,
            name=name,
            kind=s.kind,
            industry_code=industry,
            permit_items=s.permit_items,
            business_scope=scope,
            has_branch_with_fixed_premises=s.has_branch_with_fixed_premises,
            actual_address=actual,
            registered_on=on,
        )
        checker = UnitOfWork(self.sessionmaker, self.actor, today=on)
        await checker.check_rules(
            "enterprise.register",
            packs_for(j),
            registration_facts(address, j, e),
            jurisdiction_code=j.code,
            subject_kind="Enterprise",
            on=on,
        )
        e.id, e.version = enterprise_id, 1  # what the insert and the version counter would give it
        chunk.enterprises[op.ordinal] = e
        chunk.personal.append({**_columns(EnterprisePersonal, person), "enterprise_id": enterprise_id})
        for f in checker.findings:
            row = finding_record(f, jurisdiction_code=j.code, subject_kind="Enterprise", subject_id=enterprise_id)
            chunk.rule_findings.append(_columns(RuleFindingRecord, row))
        chunk.record("enterprise.registered", "Enterprise", enterprise_projection(e), j.code, ["*"])
        chunk.record("address.occupancy_changed", "Address", place.changed(+1), j.code, _OCCUPANCY_FIELDS)

    def _apply(self, op: Op, chunk: _Chunk, places: dict[int, _Place]) -> None:
        e = chunk.enterprises[op.ordinal]
        place = places[e.address_id]
        today = op.on
        match op:
            case AnnualReport():
                if not 1990 <= op.year < today.year:
                    raise InvalidInput(
                        "year",
                        f"an annual report for {op.year} cannot be filed on {today}",
                        f"{today} 不能报送 {op.year} 年度报告",
                    )
                if (op.ordinal, op.year) in chunk.reported:
                    raise AlreadyExists("AnnualReport", f"{e.uscc}/{op.year}", "year")
                chunk.reported.add((op.ordinal, op.year))
                chunk.reports.append(
                    {
                        "enterprise_id": e.id,
                        "year": op.year,
                        "filed_on": today,
                        "on_time": annual_report_on_time(op.year, today),
                    }
                )
                chunk.enterprise_changed("enterprise.annual_report_recorded", e, ["annualReports"], bump=False)
            case TaxFiling():
                if e.last_tax_filing_on is None or today > e.last_tax_filing_on:
                    e.last_tax_filing_on = today
                    chunk.enterprise_changed("enterprise.tax_filing_recorded", e, ["lastTaxFilingOn"])
            case ListAbnormal():
                parse_enum(AbnormalReason, op.reason, "reason")
                e.status = next_status("Enterprise", "list_abnormal", e.status)
                e.abnormal_since, e.abnormal_reason = today, op.reason
                chunk.enterprise_changed("enterprise.abnormal_listed", e, _ABNORMAL_FIELDS)
            case RemoveAbnormal():
                e.status = next_status("Enterprise", "remove_abnormal", e.status)
                e.abnormal_since, e.abnormal_reason = None, None
                chunk.enterprise_changed("enterprise.abnormal_removed", e, _ABNORMAL_FIELDS)
            case Finding():
                parse_enum(FindingKind, op.kind, "kind")
                chunk.findings.append(
                    {
                        "enterprise_id": e.id,
                        "address_id": e.address_id,
                        "agency_id": place.row.agency_id,
                        "kind": op.kind,
                        "found_on": today,
                        "description": validate_text(op.description, "description", max_length=1000, required=False),
                    }
                )
                chunk.enterprise_changed(f"enterprise.{op.kind}_recorded", e, ["findings"], bump=False)
            case MoveOut() | Deregister():
                held = e.status in (EnterpriseStatus.ACTIVE, EnterpriseStatus.ABNORMAL)
                moving = isinstance(op, MoveOut)
                e.status = next_status("Enterprise", "move_out" if moving else "deregister", e.status)
                if moving:
                    e.moved_out_on = today
                else:
                    e.deregistered_on = today
                validate_date_order(e.registered_on, today, "movedOutOn" if moving else "deregisteredOn")
                if moving or held:
                    projection = place.changed(-1)
                    jurisdiction = place.row.jurisdiction_code
                    chunk.record("address.occupancy_changed", "Address", projection, jurisdiction, _OCCUPANCY_FIELDS)
                if moving:
                    chunk.enterprise_changed("enterprise.moved_out", e, ["movedOutOn", "status"])
                else:
                    chunk.enterprise_changed("enterprise.deregistered", e, ["deregisteredOn", "status"])
            case Contact():
                agency_id = self.ids.agencies[op.agency]
                if place.row.agency_id != agency_id:
                    raise InvalidInput(
                        "enterpriseId", "the enterprise is not hosted by this agency", "该经营主体不由此机构托管"
                    )
                chunk.contacts.append(
                    {
                        "agency_id": agency_id,
                        "enterprise_id": e.id,
                        "contacted_on": today,
                        "method": validate_text(op.method, "method", max_length=32) or "",
                        "reached": op.reached,
                        "note": validate_text(op.note, "note", max_length=500, required=False),
                    }
                )
                jurisdiction, projection = chunk.agencies[agency_id]
                chunk.record("agency.contact_log_recorded", "Agency", projection, jurisdiction, ["contactLogs"])
            case _:
                raise TypeError(f"unknown operation {type(op).__name__}")

    async def _flush(self, session: AsyncSession, chunk: _Chunk, places: Iterable[_Place]) -> None:
        now = utcnow()
        enterprises = [
            {**_columns(Enterprise, e), "created_at": now, "updated_at": now} for e in chunk.enterprises.values()
        ]
        await _insert(session, _table(Enterprise), enterprises)
        await _insert(session, _table(EnterprisePersonal), chunk.personal)
        for model, rows in (
            (AnnualReportRow, chunk.reports),
            (EnterpriseFinding, chunk.findings),
            (ContactLog, chunk.contacts),
            (RuleFindingRecord, chunk.rule_findings),
        ):
            for row, row_id in zip(rows, await _reserve(session, _table(model), len(rows)), strict=True):
                row["id"] = row_id
            if model is RuleFindingRecord:
                for row in rows:
                    row["recorded_at"] = now
            await _insert(session, _table(model), rows)
        moved = [
            {"b_id": p.row.id, "b_occupied": p.occupied, "b_version": p.version, "b_now": now}
            for p in places
            if p.version != p.row.version
        ]
        if moved:
            table = _table(Address)
            statement = (
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(occupied=bindparam("b_occupied"), version=bindparam("b_version"), updated_at=bindparam("b_now"))
            )
            await session.execute(statement, moved)
        if chunk.log:
            for seq, entry in zip(await allocate_seqs(session, len(chunk.log)), chunk.log, strict=True):
                entry.update(seq=seq, occurred_at=now, actor=self.actor.id)
            await _insert(session, _table(ChangeLogEntry), chunk.log)


def _columns(model: type[Any], obj: object) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in _table(model).columns}


async def _insert(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH_ROWS):
        await session.execute(insert(table), rows[start : start + BATCH_ROWS])


async def _reserve(session: AsyncSession, table: Table, n: int) -> list[int]:
    """``n`` ids for ``table``, the ones its next ``n`` inserts would have got."""
    if n == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        result = await session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": n},
        )
        return sorted(int(r[0]) for r in result)
    top = (await session.execute(select(func.coalesce(func.max(table.c.id), 0)))).scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + n))
