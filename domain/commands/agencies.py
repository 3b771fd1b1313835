"""Agency lifecycle (托管机构 / 主办单位 / 运营单位) and the records agencies keep (WX Art.13, 15)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select

from domain.commands.common import check_version, get_jurisdiction, load, packs_for, parse_enum
from domain.commands.lifecycle_notices import lifecycle_notice
from domain.enums import (
    AddressStatus,
    AgencyKind,
    AgencyRole,
    AgencyStatus,
    CreditFactKind,
    CreditSubject,
    EnterpriseStatus,
    NoticeKind,
    Tenure,
)
from domain.errors import AlreadyExists, DomainError, InvalidInput
from domain.lifecycle import next_status
from domain.model import (
    Address,
    Agency,
    AgencyPersonal,
    ContactLog,
    CreditFact,
    Enterprise,
    QuarterlyReport,
)
from domain.rules.facts import AgencyRegistrationFacts, AgencyTerminationFacts, CreditListing
from domain.unit_of_work import UnitOfWork
from domain.validators import (
    validate_date_order,
    validate_id_number,
    validate_phone,
    validate_text,
    validate_uscc,
)


@dataclass(frozen=True)
class AgencyPersonalInput:
    legal_representative_name: str | None = None
    legal_representative_id_number: str | None = None
    liaison_name: str | None = None
    liaison_phone: str | None = None


@dataclass(frozen=True)
class CreditFactInput:
    subject: str
    kind: str
    listed_on: dt.date
    removed_on: dt.date | None = None
    note: str | None = None


def _credit_fact(agency_id: int | None, fact: CreditFactInput) -> CreditFact:
    parse_enum(CreditSubject, fact.subject, "creditFacts.subject")
    parse_enum(CreditFactKind, fact.kind, "creditFacts.kind")
    validate_date_order(fact.listed_on, fact.removed_on, "creditFacts.removedOn")
    return CreditFact(
        agency_id=agency_id,
        subject=fact.subject,
        kind=fact.kind,
        listed_on=fact.listed_on,
        removed_on=fact.removed_on,
        note=validate_text(fact.note, "creditFacts.note", max_length=500, required=False),
    )


def _credit_facts_for_rules(facts: Sequence[CreditFactInput | CreditFact]) -> list[CreditListing]:
    return [
        CreditListing(subject=f.subject, kind=f.kind, listed_on=f.listed_on, removed_on=f.removed_on) for f in facts
    ]


async def register_agency(
    uow: UnitOfWork,
    *,
    uscc: str,
    name: str,
    role: str,
    kind: str,
    jurisdiction_code: str,
    established_on: dt.date | None = None,
    tenure: str | None = None,
    lease_end: dt.date | None = None,
    owner_consent: bool | None = None,
    personal: AgencyPersonalInput | None = None,
    credit_facts: Sequence[CreditFactInput] = (),
) -> Agency:
    """File an agency (WX Art.9-10, DX Art.4/7, TZ §二); the rule packs check its eligibility."""
    session = uow.session
    uscc = validate_uscc(uscc)
    name_text = validate_text(name, "name", max_length=200)
    parse_enum(AgencyRole, role, "role")
    parse_enum(AgencyKind, kind, "kind")
    if tenure is not None:
        parse_enum(Tenure, tenure, "tenure")
    validate_date_order(established_on, uow.today, "establishedOn")
    j = await get_jurisdiction(session, jurisdiction_code)
    if (await session.execute(select(Agency.id).where(Agency.uscc == uscc))).first():
        raise AlreadyExists("Agency", uscc, "uscc")
    person = personal or AgencyPersonalInput()
    personal_row = AgencyPersonal(
        legal_representative_name=validate_text(
            person.legal_representative_name, "personal.legalRepresentativeName", max_length=64, required=False
        ),
        legal_representative_id_number=validate_id_number(
            person.legal_representative_id_number, "personal.legalRepresentativeIdNumber"
        ),
        liaison_name=validate_text(person.liaison_name, "personal.liaisonName", max_length=64, required=False),
        liaison_phone=validate_phone(person.liaison_phone, "personal.liaisonPhone"),
    )
    fact_rows = [_credit_fact(None, f) for f in credit_facts]
    facts: AgencyRegistrationFacts = {
        "jurisdiction_code": j.code,
        "role": role,
        "kind": kind,
        "tenure": tenure,
        "lease_end": lease_end,
        "owner_consent": owner_consent,
        "established_on": established_on,
        "application_date": uow.today,
        "credit_facts": _credit_facts_for_rules(credit_facts),
    }
    await uow.check_rules(
        "agency.register",
        packs_for(j),
        facts,
        jurisdiction_code=j.code,
        subject_kind="Agency",
    )
    agency = Agency(
        uscc=uscc,
        name=name_text,
        role=role,
        kind=kind,
        jurisdiction_code=j.code,
        status=AgencyStatus.ACTIVE,
        registered_on=uow.today,
        established_on=established_on,
        tenure=tenure,
        lease_end=lease_end,
        owner_consent=owner_consent,
    )
    session.add(agency)
    await session.flush()
    personal_row.agency_id = agency.id
    session.add(personal_row)
    for row in fact_rows:
        row.agency_id = agency.id
        session.add(row)
    uow.attach_findings(agency.id)
    uow.record("agency.registered", agency, ["*"])
    return agency


async def _transition(uow: UnitOfWork, agency_id: int, action: str, expected_version: int | None, event: str) -> Agency:
    agency = await load(uow.session, Agency, agency_id)
    check_version(agency, expected_version, "Agency")
    agency.status = next_status("Agency", action, agency.status)
    uow.record(event, agency, ["status"])
    return agency


async def suspend_agency(uow: UnitOfWork, agency_id: int, *, reason: str, expected_version: int | None) -> Agency:
    reason_text = validate_text(reason, "reason", max_length=500)
    agency = await _transition(uow, agency_id, "suspend", expected_version, "agency.suspended")
    await lifecycle_notice(uow, NoticeKind.AGENCY_SUSPENDED, agency, reason_text)
    return agency


async def reinstate_agency(uow: UnitOfWork, agency_id: int, *, expected_version: int | None) -> Agency:
    return await _transition(uow, agency_id, "reinstate", expected_version, "agency.reinstated")


async def disqualify_agency(uow: UnitOfWork, agency_id: int, *, reason: str, expected_version: int | None) -> Agency:
    """取消资格 (DX Art.13 serious cases, WX Art.23 two D grades running)."""
    reason_text = validate_text(reason, "reason", max_length=500)
    agency = await _transition(uow, agency_id, "disqualify", expected_version, "agency.disqualified")
    agency.service_ended_on = uow.today
    uow.record("agency.disqualified", agency, ["serviceEndedOn"])
    await lifecycle_notice(uow, NoticeKind.AGENCY_DISQUALIFIED, agency, reason_text)
    return agency


# Addresses in the register: open, suspended or announced to exit (WX Art.12: removed after the service ends).
REGISTERED_ADDRESS_STATUSES = (AddressStatus.PUBLISHED, AddressStatus.SUSPENDED, AddressStatus.EXITING)


def _served_by(agency_id: int) -> ColumnElement[bool]:
    """Addresses the agency answers for: as their agency or as their host unit (主办单位)."""
    return or_(Address.agency_id == agency_id, Address.host_unit_id == agency_id)


async def hosted_enterprise_count(uow: UnitOfWork, agency_id: int) -> int:
    """Enterprises at the agency's addresses that have not completed what WX Art.12 asks (active or on the
    abnormal list): one that moved out, deregistered or filed 歇业 (business suspension) has."""
    return int(
        (
            await uow.session.execute(
                select(func.count(Enterprise.id))
                .join(Address, Enterprise.address_id == Address.id)
                .where(
                    _served_by(agency_id),
                    Enterprise.status.in_([EnterpriseStatus.ACTIVE, EnterpriseStatus.ABNORMAL]),
                )
            )
        ).scalar_one()
    )


async def registered_address_codes(uow: UnitOfWork, agency_id: int) -> list[str]:
    """The agency's addresses still in the register (published, suspended or exiting)."""
    rows = await uow.session.execute(
        select(Address.code)
        .where(_served_by(agency_id), Address.status.in_(REGISTERED_ADDRESS_STATUSES))
        .order_by(Address.code)
    )
    return list(rows.scalars())


async def begin_agency_termination(uow: UnitOfWork, agency_id: int, *, expected_version: int | None) -> Agency:
    """The agency announces it will end its service (WX Art.12: notify in advance, help every entity)."""
    return await _transition(uow, agency_id, "begin_termination", expected_version, "agency.termination_started")


async def terminate_agency(uow: UnitOfWork, agency_id: int, *, expected_version: int | None) -> Agency:
    """End the service; WX Art.12 allows it only once every hosted enterprise has moved or closed and
    the premises have left the register (each address exits through ``begin_address_exit`` and
    ``complete_address_exit``)."""
    agency = await load(uow.session, Agency, agency_id)
    check_version(agency, expected_version, "Agency")
    remaining = await hosted_enterprise_count(uow, agency.id)
    j = await get_jurisdiction(uow.session, agency.jurisdiction_code)
    await uow.check_rules(
        "agency.terminate",
        packs_for(j),
        AgencyTerminationFacts(hosted_enterprises_remaining=remaining, agency_id=agency.id),
        jurisdiction_code=j.code,
        subject_kind="Agency",
        subject_id=agency.id,
    )
    if remaining:
        # Reached where no pack refused above (outside Wuxi): the same rule, cited as the rule check cites it.
        raise DomainError(
            "ENTERPRISES_REMAIN",
            f"{remaining} {'enterprise is' if remaining == 1 else 'enterprises are'} still registered at this "
            "agency's addresses and must first move, deregister or file a business suspension (WX Art.12)",
            f"仍有 {remaining} 户经营主体登记在该机构的地址，"
            "须先完成住所变更登记、注销登记或歇业备案（无锡办法第十二条）",
            field="agencyId",
            details={"remaining": remaining},
            rule="WX-12",
            article="WX Art.12",
        )
    if still_registered := await registered_address_codes(uow, agency.id):
        raise DomainError(
            "ADDRESSES_REMAIN",
            f"{len(still_registered)} of this agency's addresses are still in the register "
            f"({', '.join(still_registered[:10])}); they must exit first (WX Art.12)",
            f"该机构仍有 {len(still_registered)} 个地址在地址库中（{'、'.join(still_registered[:10])}），"
            "须先办理地址退出（无锡办法第十二条）",
            field="agencyId",
            details={"addresses": still_registered},
            article="WX Art.12",
        )
    agency.status = next_status("Agency", "terminate", agency.status)
    agency.service_ended_on = uow.today
    uow.record("agency.terminated", agency, ["status", "serviceEndedOn"])
    await lifecycle_notice(uow, NoticeKind.AGENCY_TERMINATED, agency, None)
    return agency


async def record_credit_fact(uow: UnitOfWork, agency_id: int, fact: CreditFactInput) -> CreditFact:
    agency = await load(uow.session, Agency, agency_id)
    row = _credit_fact(agency.id, fact)
    uow.session.add(row)
    uow.record("agency.credit_fact_recorded", agency, ["creditFacts"])
    return row


async def record_quarterly_report(
    uow: UnitOfWork,
    agency_id: int,
    *,
    year: int,
    quarter: int,
    submitted_on: dt.date | None = None,
    summary: str | None = None,
) -> QuarterlyReport:
    """WX Art.15: a written report within 10 working days after each quarter."""
    agency = await load(uow.session, Agency, agency_id)
    if not 1 <= quarter <= 4:
        raise InvalidInput("quarter", "quarter must be 1 to 4", "季度应为 1 到 4")
    submitted = submitted_on or uow.today
    if not 1990 <= year <= submitted.year:
        raise InvalidInput(
            "year",
            f"a report for {year} cannot be submitted on {submitted}",
            f"{submitted} 不能报送 {year} 年的季度报告",
        )
    quarter_end = dt.date(year, 3 * quarter, 1) + dt.timedelta(days=31)
    validate_date_order(quarter_end.replace(day=1), submitted, "submittedOn")
    exists = await uow.session.execute(
        select(QuarterlyReport.id).where(
            QuarterlyReport.agency_id == agency.id, QuarterlyReport.year == year, QuarterlyReport.quarter == quarter
        )
    )
    if exists.first():
        raise AlreadyExists("QuarterlyReport", f"{year}Q{quarter}", "quarter")
    row = QuarterlyReport(
        agency_id=agency.id,
        year=year,
        quarter=quarter,
        submitted_on=submitted,
        summary=validate_text(summary, "summary", max_length=4000, required=False),
    )
    uow.session.add(row)
    uow.record("agency.quarterly_report_recorded", agency, ["quarterlyReports"])
    return row


async def record_contact_log(
    uow: UnitOfWork,
    agency_id: int,
    enterprise_id: int,
    *,
    contacted_on: dt.date,
    method: str,
    reached: bool,
    note: str | None = None,
) -> ContactLog:
    """WX Art.13(3): the agency's contact with a hosted enterprise, at least once a quarter."""
    agency = await load(uow.session, Agency, agency_id)
    enterprise = await load(uow.session, Enterprise, enterprise_id, "enterpriseId")
    address = await uow.session.get(Address, enterprise.address_id)
    if address is None or address.agency_id != agency.id:
        raise InvalidInput("enterpriseId", "the enterprise is not hosted by this agency", "该经营主体不由此机构托管")
    validate_date_order(contacted_on, uow.today, "contactedOn")
    row = ContactLog(
        agency_id=agency.id,
        enterprise_id=enterprise.id,
        contacted_on=contacted_on,
        method=validate_text(method, "method", max_length=32) or "",
        reached=reached,
        note=validate_text(note, "note", max_length=500, required=False),
    )
    uow.session.add(row)
    uow.record("agency.contact_log_recorded", agency, ["contactLogs"])
    return row
