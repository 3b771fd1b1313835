"""The stored facts that supervision and scoring hand to the rule packs, as of a date.

Everything dated (annual reports, findings, contact logs, quarterly reports, credit listings, moves and
deregistrations) is cut at the evaluation date, so a run "as of" a past date sees what was recorded by
then. Statuses (active, abnormal) are the current ones: the registry keeps their dates (abnormal_since)
but not their history.

Loading is done in a few bulk queries per run; the per-subject facts are then pure functions of the
loaded records, so a whole jurisdiction costs the same handful of statements as one agency.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import AbnormalReason, EnterpriseKind, FindingKind
from domain.model import (
    Address,
    Agency,
    AnnualReport,
    ContactLog,
    CreditFact,
    Enterprise,
    EnterpriseFinding,
    QuarterlyReport,
)
from domain.rules.facts import (
    AddressSupervisionFacts,
    AgencySupervisionFacts,
    AnnualReportStats,
    ContactGap,
    CreditListing,
    DatedFinding,
    EnterpriseSupervisionFacts,
    PriorStage,
    QuarterlyReportDue,
)
from domain.workdays import add_working_days

QUARTERLY_REPORT_WORKING_DAYS = 10  # WX Art.15


@dataclass(frozen=True)
class EnterpriseRow:
    id: int
    address_id: int
    jurisdiction_code: str
    kind: str
    status: str
    registered_on: dt.date
    moved_out_on: dt.date | None
    deregistered_on: dt.date | None
    abnormal_since: dt.date | None
    abnormal_reason: str | None
    last_tax_filing_on: dt.date | None

    def hosted_on(self, day: dt.date) -> bool:
        """Registered at its cluster address on ``day`` (moved out or deregistered only later)."""
        return (
            self.registered_on <= day
            and (self.moved_out_on is None or self.moved_out_on > day)
            and (self.deregistered_on is None or self.deregistered_on > day)
        )

    def abnormal_on(self, day: dt.date) -> bool:
        return self.status == "abnormal" and self.abnormal_since is not None and self.abnormal_since <= day

    @property
    def group(self) -> str:
        """WX Art.26(4) counts individual businesses and enterprises separately."""
        return "individual_business" if self.kind == EnterpriseKind.INDIVIDUAL_BUSINESS else "enterprise"


@dataclass(frozen=True)
class FindingRow:
    enterprise_id: int
    address_id: int | None
    agency_id: int | None
    kind: str
    found_on: dt.date
    agency_involved: bool = False
    hazard_severity: str | None = None


@dataclass
class Records:
    """What one run loaded: enterprises of the selected addresses and everything dated about them."""

    as_of: dt.date
    enterprises: list[EnterpriseRow]
    reports: dict[int, dict[int, tuple[dt.date, bool]]]
    findings: list[FindingRow]
    contacts: dict[int, list[dt.date]]
    quarterly: dict[int, dict[tuple[int, int], dt.date]]
    credit: dict[int, list[CreditListing]]
    address_agency: dict[int, int]
    address_unit: dict[int, int]
    by_address: dict[int, list[EnterpriseRow]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        grouped: dict[int, list[EnterpriseRow]] = defaultdict(list)
        for e in self.enterprises:
            grouped[e.address_id].append(e)
        self.by_address = dict(grouped)

    def of_addresses(self, address_ids: Iterable[int]) -> list[EnterpriseRow]:
        return [e for a in address_ids for e in self.by_address.get(a, ())]


_ENTERPRISE_COLUMNS = (
    Enterprise.id,
    Enterprise.address_id,
    Enterprise.jurisdiction_code,
    Enterprise.kind,
    Enterprise.status,
    Enterprise.registered_on,
    Enterprise.moved_out_on,
    Enterprise.deregistered_on,
    Enterprise.abnormal_since,
    Enterprise.abnormal_reason,
    Enterprise.last_tax_filing_on,
)


async def load_records(
    session: AsyncSession, addresses: Sequence[Address], agency_ids: Sequence[int], as_of: dt.date
) -> Records:
    """Enterprises registered at ``addresses`` by ``as_of``, with their dated records, and the credit
    listings and quarterly reports of ``agency_ids``."""
    address_ids = [a.id for a in addresses]
    rows = (
        await session.execute(
            select(*_ENTERPRISE_COLUMNS)
            .where(Enterprise.address_id.in_(address_ids), Enterprise.registered_on <= as_of)
            .order_by(Enterprise.id)
        )
    ).all()
    enterprises = [EnterpriseRow(*r) for r in rows]
    ids = [e.id for e in enterprises]
    reports: dict[int, dict[int, tuple[dt.date, bool]]] = defaultdict(dict)
    findings: list[FindingRow] = []
    contacts: dict[int, list[dt.date]] = defaultdict(list)
    for chunk in _chunks(ids):
        for eid, year, filed_on, on_time in (
            await session.execute(
                select(AnnualReport.enterprise_id, AnnualReport.year, AnnualReport.filed_on, AnnualReport.on_time)
                .where(AnnualReport.enterprise_id.in_(chunk), AnnualReport.filed_on <= as_of)
                .order_by(AnnualReport.enterprise_id, AnnualReport.year)
            )
        ).all():
            reports[eid][year] = (filed_on, on_time)
        findings += [
            FindingRow(*r)
            for r in (
                await session.execute(
                    select(
                        EnterpriseFinding.enterprise_id,
                        EnterpriseFinding.address_id,
                        EnterpriseFinding.agency_id,
                        EnterpriseFinding.kind,
                        EnterpriseFinding.found_on,
                        EnterpriseFinding.agency_involved,
                        EnterpriseFinding.hazard_severity,
                    )
                    .where(EnterpriseFinding.enterprise_id.in_(chunk), EnterpriseFinding.found_on <= as_of)
                    .order_by(EnterpriseFinding.found_on, EnterpriseFinding.id)
                )
            ).all()
        ]
        for eid, day in (
            await session.execute(
                select(ContactLog.enterprise_id, ContactLog.contacted_on)
                # WX Art.13(3) asks the agency to contact (联系) each entity: an attempt that did not reach
                # it is not a contact, so only reached ones are loaded.
                .where(
                    ContactLog.enterprise_id.in_(chunk),
                    ContactLog.contacted_on <= as_of,
                    ContactLog.reached.is_(True),
                )
                .order_by(ContactLog.contacted_on, ContactLog.id)
            )
        ).all():
            contacts[eid].append(day)
    quarterly: dict[int, dict[tuple[int, int], dt.date]] = defaultdict(dict)
    credit: dict[int, list[CreditListing]] = defaultdict(list)
    if agency_ids:
        for aid, year, quarter, submitted in (
            await session.execute(
                select(
                    QuarterlyReport.agency_id,
                    QuarterlyReport.year,
                    QuarterlyReport.quarter,
                    QuarterlyReport.submitted_on,
                )
                .where(QuarterlyReport.agency_id.in_(agency_ids), QuarterlyReport.submitted_on <= as_of)
                .order_by(QuarterlyReport.agency_id, QuarterlyReport.year, QuarterlyReport.quarter)
            )
        ).all():
            quarterly[aid][(year, quarter)] = submitted
        for aid, subject, kind, listed, removed in (
            await session.execute(
                select(
                    CreditFact.agency_id,
                    CreditFact.subject,
                    CreditFact.kind,
                    CreditFact.listed_on,
                    CreditFact.removed_on,
                )
                .where(CreditFact.agency_id.in_(agency_ids), CreditFact.listed_on <= as_of)
                .order_by(CreditFact.listed_on, CreditFact.id)
            )
        ).all():
            credit[aid].append(
                {
                    "subject": subject,
                    "kind": kind,
                    "listed_on": listed,
                    "removed_on": removed if removed and removed <= as_of else None,
                }
            )
    return Records(
        as_of=as_of,
        enterprises=enterprises,
        reports=dict(reports),
        findings=findings,
        contacts=dict(contacts),
        quarterly=dict(quarterly),
        credit=dict(credit),
        address_agency={a.id: a.agency_id for a in addresses},
        address_unit={a.id: a.host_unit_id or a.agency_id for a in addresses},
    )


def _chunks(ids: Sequence[int], size: int = 5000) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


async def addresses_of(
    session: AsyncSession, *, jurisdiction_codes: Sequence[str] = (), agency_ids: Sequence[int] = ()
) -> list[Address]:
    """Addresses in the jurisdictions, or run or hosted by the agencies (not those never opened)."""
    conditions = []
    if jurisdiction_codes:
        conditions.append(Address.jurisdiction_code.in_(jurisdiction_codes))
    if agency_ids:
        conditions += [Address.agency_id.in_(agency_ids), Address.host_unit_id.in_(agency_ids)]
    if not conditions:
        return []
    return list((await session.execute(select(Address).where(or_(*conditions)).order_by(Address.id))).scalars().all())


# --- annual reports -----------------------------------------------------------------------------------


def report_year_as_of(as_of: dt.date) -> int:
    """The latest report year whose filing period (1 January to 30 June of the next year) has ended."""
    return as_of.year - 1 if as_of > dt.date(as_of.year, 6, 30) else as_of.year - 2


def annual_report_stats(enterprises: Iterable[EnterpriseRow], records: Records, year: int) -> AnnualReportStats:
    """Enterprises due to report for ``year`` (registered by its end, still hosted when the filing period
    closed) and those that reported on time."""
    deadline = dt.date(year + 1, 6, 30)
    due = [e for e in enterprises if e.registered_on <= dt.date(year, 12, 31) and e.hosted_on(deadline)]
    on_time = [e.id for e in due if records.reports.get(e.id, {}).get(year, (None, False))[1]]
    missing = sorted({e.id for e in due} - set(on_time))
    return {
        "year": year,
        "due": len(due),
        "on_time": len(on_time),
        "rate": len(on_time) / len(due) if due else None,
        "missing": missing,
    }


def annual_report_by_group(
    enterprises: Sequence[EnterpriseRow], records: Records, year: int
) -> dict[str, AnnualReportStats]:
    return {
        group: annual_report_stats([e for e in enterprises if e.group == group], records, year)
        for group in ("individual_business", "enterprise")
    }


# --- per-subject facts ----------------------------------------------------------------------------------


def _findings(records: Records, kinds: Iterable[str], since: dt.date, **match: int) -> list[DatedFinding]:
    wanted = set(kinds)
    return [
        {
            "enterprise_id": f.enterprise_id,
            "found_on": f.found_on,
            "agency_involved": f.agency_involved,
            "severity": f.hazard_severity,
        }
        for f in records.findings
        if f.kind in wanted and f.found_on >= since and all(getattr(f, k) == v for k, v in match.items())
    ]


def address_facts(
    records: Records, address: Address, lookback_start: dt.date, prior_stage: PriorStage | None
) -> AddressSupervisionFacts:
    """Facts of the ``supervision.address`` checkpoint (DX Art.13, TZ §五(三)8)."""
    as_of = records.as_of
    enterprises = records.by_address.get(address.id, [])
    hosted = [e for e in enterprises if e.hosted_on(as_of)]
    hosted_ids = {e.id for e in hosted}
    recent = [f for f in records.findings if f.address_id == address.id and f.found_on >= lookback_start]
    return {
        "address_id": address.id,
        "code": address.code,
        "status": address.status,
        "kind": address.kind,
        "tenure": address.tenure,
        "lease_end": address.lease_end,
        "capacity": address.capacity,
        "occupied": len(hosted),
        "agency_id": address.agency_id,
        "host_unit_id": address.host_unit_id or address.agency_id,
        "hosted": len(hosted),
        "lookback_start": lookback_start,
        "safety_hazards": _findings(records, [FindingKind.SAFETY_HAZARD], lookback_start, address_id=address.id),
        "false_materials_recent": _findings(
            records, [FindingKind.FALSE_MATERIAL], lookback_start, address_id=address.id
        ),
        "false_materials_total": len(
            {
                f.enterprise_id
                for f in records.findings
                if f.address_id == address.id and f.kind == FindingKind.FALSE_MATERIAL
            }
        ),
        "complaints": sorted(f.found_on for f in recent if f.kind == FindingKind.COMPLAINT),
        "enterprises_with_findings": len({f.enterprise_id for f in recent if f.enterprise_id in hosted_ids}),
        "uncontactable_abnormal": sorted(
            e.id for e in hosted if e.abnormal_on(as_of) and e.abnormal_reason == AbnormalReason.UNCONTACTABLE
        ),
        "abnormal": sum(1 for e in hosted if e.abnormal_on(as_of)),
        "annual_report": annual_report_stats(enterprises, records, report_year_as_of(as_of)),
        "prior_stage": prior_stage,
    }


def _quarters(start: dt.date, end: dt.date) -> Iterable[tuple[int, int, dt.date, dt.date]]:
    """Calendar quarters ``(year, quarter, first day, last day)`` from the one containing ``start`` to
    the last one that ends by ``end``."""
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while True:
        first = dt.date(year, 3 * quarter - 2, 1)
        last = (dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)) - dt.timedelta(days=1)
        if last > end:
            return
        yield year, quarter, first, last
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def quarterly_reports_due(
    records: Records, agency: Agency, window_start: dt.date, overrides: dict[dt.date, bool] | None
) -> list[QuarterlyReportDue]:
    """WX Art.15 reports whose due date (10 working days after the quarter) falls in the window, for
    quarters the agency served in; each report counts in the period its due date falls in."""
    due_reports: list[QuarterlyReportDue] = []
    for year, quarter, _, last in _quarters(window_start - dt.timedelta(days=92), records.as_of):
        due = add_working_days(last, QUARTERLY_REPORT_WORKING_DAYS, overrides)
        if last >= agency.registered_on and window_start <= due.date <= records.as_of:
            due_reports.append(
                {
                    "year": year,
                    "quarter": quarter,
                    "quarter_end": last,
                    "due_on": due.date,
                    "due_estimated": due.estimated,
                    "submitted_on": records.quarterly.get(agency.id, {}).get((year, quarter)),
                }
            )
    return due_reports


def contact_gaps(enterprises: Sequence[EnterpriseRow], records: Records, window_start: dt.date) -> list[ContactGap]:
    """WX Art.13(3): enterprises hosted for a whole quarter of the window without a recorded contact that
    reached them (an unanswered attempt does not count)."""
    gaps: list[ContactGap] = []
    for year, quarter, first, last in _quarters(window_start, records.as_of):
        if first < window_start:
            continue
        for e in enterprises:
            contacted = any(first <= d <= last for d in records.contacts.get(e.id, ()))
            if e.registered_on <= first and e.hosted_on(last) and not contacted:
                gaps.append({"enterprise_id": e.id, "year": year, "quarter": quarter, "quarter_start": first})
    return gaps


def agency_facts(
    records: Records,
    agency: Agency,
    window_start: dt.date,
    citywide: Mapping[str, Any] | None,
    overrides: dict[dt.date, bool] | None = None,
) -> AgencySupervisionFacts:
    """Facts of the ``supervision.agency`` checkpoint (DX Art.13(7), WX Art.13(3), 15, 26, BJ L2533),
    over the enterprises at the addresses the agency runs."""
    as_of = records.as_of
    own = [a for a, agency_id in records.address_agency.items() if agency_id == agency.id]
    enterprises = records.of_addresses(own)
    hosted = [e for e in enterprises if e.hosted_on(as_of)]
    lost = {
        f.enterprise_id for f in records.findings if f.kind == FindingKind.LOST_CONTACT and f.found_on >= window_start
    }
    uncontactable = sorted(
        e.id
        for e in hosted
        if (e.abnormal_on(as_of) and e.abnormal_reason == AbnormalReason.UNCONTACTABLE) or e.id in lost
    )
    return {
        "agency_id": agency.id,
        "status": agency.status,
        "kind": agency.kind,
        "role": agency.role,
        "registered_on": agency.registered_on,
        "credit_facts": records.credit.get(agency.id, []),
        "window_start": window_start,
        "hosted": len(hosted),
        "hosted_by_group": {g: sum(1 for e in hosted if e.group == g) for g in ("individual_business", "enterprise")},
        "uncontactable": uncontactable,
        "annual_report_by_kind": annual_report_by_group(enterprises, records, report_year_as_of(as_of)),
        "citywide_annual_report_rates": citywide or {},
        "false_materials": _findings(records, [FindingKind.FALSE_MATERIAL], window_start, agency_id=agency.id),
        "quarterly_reports": quarterly_reports_due(records, agency, window_start, overrides),
        "contact_gaps": contact_gaps(enterprises, records, window_start),
    }


def enterprise_facts(records: Records, e: EnterpriseRow) -> EnterpriseSupervisionFacts:
    """Facts of the ``supervision.enterprise`` checkpoint (BJ L508, L2533)."""
    since = e.abnormal_since
    reports = records.reports.get(e.id, {})
    filed = sorted(y for y, (filed_on, _) in reports.items() if since and filed_on >= since)
    return {
        "enterprise_id": e.id,
        "kind": e.kind,
        "status": e.status,
        "abnormal_since": since,
        "abnormal_reason": e.abnormal_reason,
        # Only the latest filing is stored; one after the evaluation date still shows the enterprise filing.
        "last_tax_filing_on": e.last_tax_filing_on,
        "missing_report_years": missing_report_years(e.registered_on, since, reports),
        "reports_filed_since_abnormal": filed,
    }


def missing_report_years(
    registered_on: dt.date, marked_on: dt.date | None, reports: Mapping[int, tuple[dt.date, bool]]
) -> list[int]:
    """The report years an abnormal mark set on ``marked_on`` was for (BJ L2533): every year from the
    registration year whose deadline (30 June of the next year) had passed by the mark and whose report
    had not been filed by then. The registry stores the mark's date, not its year, so this reads it back."""
    if marked_on is None:
        return []
    return [
        year
        for year in range(registered_on.year, marked_on.year)
        if dt.date(year + 1, 6, 30) < marked_on and (year not in reports or reports[year][0] >= marked_on)
    ]
