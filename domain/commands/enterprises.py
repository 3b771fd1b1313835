"""Enterprises at cluster addresses: registration, move-out, deregistration, annual reports, the
abnormal list, findings and tax filings (the facts the supervision rules read)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.commands.agencies import CreditFactInput
from domain.commands.common import check_version, get_jurisdiction, load, packs_for, parse_enum
from domain.enums import (
    AbnormalReason,
    AddressStatus,
    AgencyStatus,
    CreditFactKind,
    CreditSubject,
    EnterpriseKind,
    EnterpriseStatus,
    FindingKind,
    HazardSeverity,
)
from domain.errors import AlreadyExists, DomainError, InvalidInput
from domain.key_industries import key_industries_of
from domain.lifecycle import next_status
from domain.model import (
    Address,
    Agency,
    AnnualReport,
    Enterprise,
    EnterpriseFinding,
    EnterprisePersonal,
    Jurisdiction,
)
from domain.rules.facts import EnterpriseRegistrationFacts
from domain.unit_of_work import UnitOfWork
from domain.validators import (
    validate_date_order,
    validate_id_number,
    validate_industry_code,
    validate_phone,
    validate_text,
    validate_uscc,
)


@dataclass(frozen=True)
class EnterprisePersonalInput:
    legal_representative_name: str | None = None
    legal_representative_id_number: str | None = None
    contact_person: str | None = None
    contact_phone: str | None = None
    liaison_name: str | None = None
    liaison_phone: str | None = None


def registered_address(address: Address, jurisdiction: Jurisdiction) -> str:
    """The licence's domicile text with the jurisdiction's annotation (DX Art.10, WX Art.18)."""
    text = "".join(p for p in (address.address_text, address.building, address.room) if p)
    note = jurisdiction.licence_annotation
    return f"{text}{note}" if note.startswith("（") else f"{text}（{note}）"


def annual_report_on_time(year: int, filed_on: dt.date) -> bool:
    """Annual reports for ``year`` are due between 1 January and 30 June of the next year."""
    return filed_on <= dt.date(year + 1, 6, 30)


def personal_row(person: EnterprisePersonalInput) -> EnterprisePersonal:
    return EnterprisePersonal(
        legal_representative_name=validate_text(
            person.legal_representative_name, "personal.legalRepresentativeName", max_length=64, required=False
        ),
        legal_representative_id_number=validate_id_number(
            person.legal_representative_id_number, "personal.legalRepresentativeIdNumber"
        ),
        contact_person=validate_text(person.contact_person, "personal.contactPerson", max_length=64, required=False),
        contact_phone=validate_phone(person.contact_phone, "personal.contactPhone"),
        liaison_name=validate_text(person.liaison_name, "personal.liaisonName", max_length=64, required=False),
        liaison_phone=validate_phone(person.liaison_phone, "personal.liaisonPhone"),
    )


def new_enterprise(
    address: Address,
    jurisdiction: Jurisdiction,
    *,
    uscc: str,
    name: str,
    kind: str,
    industry_code: str,
    permit_items: bool,
    business_scope: str | None,
    has_branch_with_fixed_premises: bool,
    actual_address: str | None,
    registered_on: dt.date,
) -> Enterprise:
    """The enterprise a registration at ``address`` creates, from validated input; not yet in a session
    (shared with bulk loaders, which must write exactly the row the command writes)."""
    return Enterprise(
        uscc=uscc,
        name=name,
        kind=kind,
        industry_code=industry_code,
        permit_items=permit_items,
        business_scope=business_scope,
        has_branch_with_fixed_premises=has_branch_with_fixed_premises,
        address_id=address.id,
        jurisdiction_code=jurisdiction.code,
        registered_address=registered_address(address, jurisdiction),
        actual_address=actual_address,
        registered_on=registered_on,
        status=EnterpriseStatus.ACTIVE,
    )


def registration_facts(
    address: Address, jurisdiction: Jurisdiction, enterprise: Enterprise
) -> EnterpriseRegistrationFacts:
    """The facts the rule packs check at ``enterprise.register`` (shared with bulk loaders, which must
    check exactly what the command checks)."""
    return {
        "jurisdiction_code": jurisdiction.code,
        "kind": enterprise.kind,
        "industry_code": enterprise.industry_code,
        "permit_items": enterprise.permit_items,
        "business_scope": enterprise.business_scope or "",
        "has_branch_with_fixed_premises": enterprise.has_branch_with_fixed_premises,
        "address_kind": address.kind,
        "address_key_industries": [k.industry for k in address.key_industries],
        "enterprise_key_industries": key_industries_of(enterprise.industry_code),
        "actual_address": enterprise.actual_address,
        "registered_address": address.address_text,
    }


INACTIVE_AGENCY_STATUSES = (
    AgencyStatus.SUSPENDED,
    AgencyStatus.DISQUALIFIED,
    AgencyStatus.TERMINATING,
    AgencyStatus.TERMINATED,
)


async def address_agencies(session: AsyncSession, addresses: Iterable[Address]) -> dict[int, Agency]:
    """The agencies and host units of ``addresses``, by id (what :func:`check_address_open` reads)."""
    ids = {i for a in addresses for i in (a.agency_id, a.host_unit_id) if i is not None}
    rows = (await session.execute(select(Agency).where(Agency.id.in_(ids)))).scalars()
    return {a.id: a for a in rows}


def check_address_open(address: Address, occupied: int, agencies: Mapping[int, Agency]) -> None:
    """Refuse a registration at an address that is not published, whose agency or host unit no longer
    serves (DX Art.13, WX Art.12/23/26: a suspended, disqualified or departing agency takes no new
    entities), or that has no free place. Shared with bulk loaders, which must refuse exactly what the
    command refuses."""
    if address.status != AddressStatus.PUBLISHED:
        raise DomainError(
            "ADDRESS_NOT_OPEN",
            f"address {address.code} is {address.status}; enterprises register only at published addresses",
            f"地址 {address.code} 当前状态为 {address.status}，仅已公示的地址可办理集群注册",
            field="addressId",
            details={"status": address.status},
        )
    for agency_id in (address.agency_id, address.host_unit_id):
        agency = agencies.get(agency_id) if agency_id is not None else None
        if agency is not None and agency.status in INACTIVE_AGENCY_STATUSES:
            raise DomainError(
                "AGENCY_NOT_ACTIVE",
                f"the agency {agency.name} of address {address.code} is {agency.status}; "
                "it may not take new registrations",
                f"地址 {address.code} 的托管机构 {agency.name} 当前状态为 {agency.status}，不得办理新的集群注册",
                field="addressId",
                details={"agencyId": agency.id, "agencyStatus": agency.status},
            )
    if occupied >= address.capacity:
        raise DomainError(
            "ADDRESS_FULL",
            f"address {address.code} is full ({occupied} of {address.capacity} places taken)",
            f"地址 {address.code} 已满（{occupied}/{address.capacity}）",
            field="addressId",
            details={"capacity": address.capacity, "occupied": occupied},
        )


async def register_enterprise(
    uow: UnitOfWork,
    *,
    uscc: str,
    name: str,
    kind: str,
    industry_code: str,
    address_id: int,
    permit_items: bool = False,
    business_scope: str | None = None,
    has_branch_with_fixed_premises: bool = False,
    actual_address: str | None = None,
    registered_on: dt.date | None = None,
    personal: EnterprisePersonalInput | None = None,
    credit_facts: Sequence[CreditFactInput] = (),
) -> Enterprise:
    """Register an enterprise at a published cluster address that has a free place."""
    session = uow.session
    uscc = validate_uscc(uscc)
    name_text = validate_text(name, "name", max_length=200)
    parse_enum(EnterpriseKind, kind, "kind")
    industry = validate_industry_code(industry_code)
    scope = validate_text(business_scope, "businessScope", max_length=2000, required=False)
    actual = validate_text(actual_address, "actualAddress", max_length=300, required=False)
    on = registered_on or uow.today
    validate_date_order(on, uow.today, "registeredOn")
    personal_data = personal_row(personal or EnterprisePersonalInput())
    address = await load(session, Address, address_id, "addressId")
    if (await session.execute(select(Enterprise.id).where(Enterprise.uscc == uscc))).first():
        raise AlreadyExists("Enterprise", uscc, "uscc")
    check_address_open(address, address.occupied, await address_agencies(session, [address]))
    if address.published_on is not None and on < address.published_on:
        # Registration at a cluster address starts with its publication (DX Art.7, TZ §五(一)3, WX Art.10).
        raise InvalidInput(
            "registeredOn",
            f"{address.code} was published on {address.published_on}; an enterprise cannot be registered there on {on}",
            f"{address.code} 于 {address.published_on} 公示，经营主体不能以更早的日期 {on} 在此登记",
            publishedOn=address.published_on.isoformat(),
        )
    j = await get_jurisdiction(session, address.jurisdiction_code)
    enterprise = new_enterprise(
        address,
        j,
        uscc=uscc,
        name=name_text,
        kind=kind,
        industry_code=industry,
        permit_items=permit_items,
        business_scope=scope,
        has_branch_with_fixed_premises=has_branch_with_fixed_premises,
        actual_address=actual,
        registered_on=on,
    )
    facts = registration_facts(address, j, enterprise)
    if credit_facts:  # declared at intake (DX Art.9(1)); checked, not stored
        for c in credit_facts:
            parse_enum(CreditFactKind, c.kind, "creditFacts.kind")
            parse_enum(CreditSubject, c.subject, "creditFacts.subject")
        facts["credit_facts"] = [
            {"subject": c.subject, "kind": c.kind, "listed_on": c.listed_on, "removed_on": c.removed_on}
            for c in credit_facts
        ]
    await uow.check_rules(
        "enterprise.register",
        packs_for(j),
        facts,
        jurisdiction_code=j.code,
        subject_kind="Enterprise",
        on=on,
    )
    session.add(enterprise)
    address.occupied += 1
    await session.flush()
    personal_data.enterprise_id = enterprise.id
    session.add(personal_data)
    uow.attach_findings(enterprise.id)
    uow.record("enterprise.registered", enterprise, ["*"])
    uow.record("address.occupancy_changed", address, ["occupied", "freePlaces"])
    return enterprise


async def _release_place(uow: UnitOfWork, enterprise: Enterprise) -> None:
    address = await load(uow.session, Address, enterprise.address_id, "addressId")
    address.occupied = max(address.occupied - 1, 0)
    uow.record("address.occupancy_changed", address, ["occupied", "freePlaces"])


async def move_out_enterprise(
    uow: UnitOfWork, enterprise_id: int, *, expected_version: int | None, moved_out_on: dt.date | None = None
) -> Enterprise:
    enterprise = await load(uow.session, Enterprise, enterprise_id)
    check_version(enterprise, expected_version, "Enterprise")
    enterprise.status = next_status("Enterprise", "move_out", enterprise.status)
    enterprise.moved_out_on = moved_out_on or uow.today
    validate_date_order(enterprise.registered_on, enterprise.moved_out_on, "movedOutOn")
    await _release_place(uow, enterprise)
    uow.record("enterprise.moved_out", enterprise, ["status", "movedOutOn"])
    return enterprise


async def deregister_enterprise(
    uow: UnitOfWork, enterprise_id: int, *, expected_version: int | None, deregistered_on: dt.date | None = None
) -> Enterprise:
    enterprise = await load(uow.session, Enterprise, enterprise_id)
    check_version(enterprise, expected_version, "Enterprise")
    held_place = enterprise.status in (
        EnterpriseStatus.ACTIVE,
        EnterpriseStatus.ABNORMAL,
        EnterpriseStatus.BUSINESS_SUSPENDED,
    )
    enterprise.status = next_status("Enterprise", "deregister", enterprise.status)
    enterprise.deregistered_on = deregistered_on or uow.today
    validate_date_order(enterprise.registered_on, enterprise.deregistered_on, "deregisteredOn")
    if held_place:
        await _release_place(uow, enterprise)
    uow.record("enterprise.deregistered", enterprise, ["status", "deregisteredOn"])
    return enterprise


async def file_business_suspension(
    uow: UnitOfWork, enterprise_id: int, *, expected_version: int | None, on: dt.date | None = None
) -> Enterprise:
    """歇业备案: the enterprise suspends business and keeps its registration (and its place) at the address.
    WX Art.12 lists it with moving and deregistering as what lets the agency end its service."""
    enterprise = await load(uow.session, Enterprise, enterprise_id)
    check_version(enterprise, expected_version, "Enterprise")
    enterprise.status = next_status("Enterprise", "file_business_suspension", enterprise.status)
    enterprise.business_suspended_on = on or uow.today
    validate_date_order(enterprise.registered_on, enterprise.business_suspended_on, "on")
    validate_date_order(enterprise.business_suspended_on, uow.today, "on")
    uow.record("enterprise.business_suspended", enterprise, ["status", "businessSuspendedOn"])
    return enterprise


async def resume_business(uow: UnitOfWork, enterprise_id: int, *, expected_version: int | None) -> Enterprise:
    """The enterprise resumes business after 歇业; it counts as hosted again."""
    enterprise = await load(uow.session, Enterprise, enterprise_id)
    check_version(enterprise, expected_version, "Enterprise")
    enterprise.status = next_status("Enterprise", "resume_business", enterprise.status)
    enterprise.business_suspended_on = None
    uow.record("enterprise.business_resumed", enterprise, ["status", "businessSuspendedOn"])
    return enterprise


async def record_annual_report(
    uow: UnitOfWork, enterprise_id: int, *, year: int, filed_on: dt.date | None = None
) -> AnnualReport:
    enterprise = await load(uow.session, Enterprise, enterprise_id)
    filed = filed_on or uow.today
    if not 1990 <= year < filed.year:
        raise InvalidInput(
            "year", f"an annual report for {year} cannot be filed on {filed}", f"{filed} 不能报送 {year} 年度报告"
        )
    exists = await uow.session.execute(
        select(AnnualReport.id).where(AnnualReport.enterprise_id == enterprise.id, AnnualReport.year == year)
    )
    if exists.first():
        raise AlreadyExists("AnnualReport", f"{enterprise.uscc}/{year}", "year")
    report = AnnualReport(
        enterprise_id=enterprise.id, year=year, filed_on=filed, on_time=annual_report_on_time(year, filed)
    )
    uow.session.add(report)
    uow.record("enterprise.annual_report_recorded", enterprise, ["annualReports"])
    return report


async def list_abnormal(
    uow: UnitOfWork, enterprise_id: int, *, reason: str, expected_version: int | None, on: dt.date | None = None
) -> Enterprise:
    """列入经营异常名录 (WX Art.27 ¶2, TZ §五(三)9(2))."""
    parse_enum(AbnormalReason, reason, "reason")
    enterprise = await load(uow.session, Enterprise, enterprise_id)
    check_version(enterprise, expected_version, "Enterprise")
    enterprise.status = next_status("Enterprise", "list_abnormal", enterprise.status)
    enterprise.abnormal_since = on or uow.today
    enterprise.abnormal_reason = reason
    uow.record("enterprise.abnormal_listed", enterprise, ["status", "abnormalSince", "abnormalReason"])
    return enterprise


async def remove_abnormal(uow: UnitOfWork, enterprise_id: int, *, expected_version: int | None) -> Enterprise:
    enterprise = await load(uow.session, Enterprise, enterprise_id)
    check_version(enterprise, expected_version, "Enterprise")
    enterprise.status = next_status("Enterprise", "remove_abnormal", enterprise.status)
    enterprise.abnormal_since = None
    enterprise.abnormal_reason = None
    uow.record("enterprise.abnormal_removed", enterprise, ["status", "abnormalSince", "abnormalReason"])
    return enterprise


async def record_finding(
    uow: UnitOfWork,
    enterprise_id: int,
    *,
    kind: str,
    found_on: dt.date | None = None,
    description: str | None = None,
    agency_involved: bool = False,
    hazard_severity: str | None = None,
    reported_by: str | None = None,
) -> EnterpriseFinding:
    """A false-material, lost-contact, complaint or safety finding, attributed to the address and the
    agency hosting the enterprise at the time (TZ §五(三)8(3)(5), WX Art.26(3)(7)).

    ``agency_involved`` records that the agency itself supplied the false materials (WX Art.26(7) acts on
    that, not on a hosted enterprise's own fraud); ``hazard_severity`` and ``reported_by`` record the
    department's determination of a hazard (DX Art.13(1) acts on 重大 hazards only)."""
    parse_enum(FindingKind, kind, "kind")
    if agency_involved and kind != FindingKind.FALSE_MATERIAL:
        raise InvalidInput(
            "agencyInvolved",
            "only a false-material finding can record the agency's involvement (WX Art.26(7))",
            "仅提交虚假材料的认定可记录集群注册登记机构参与（无锡办法第二十六条第七项）",
        )
    if hazard_severity is not None:
        parse_enum(HazardSeverity, hazard_severity, "hazardSeverity")
        if kind != FindingKind.SAFETY_HAZARD:
            raise InvalidInput(
                "hazardSeverity",
                "only a safety-hazard finding has a severity (DX Art.13(1))",
                "仅安全隐患认定可记录隐患等级（大兴措施第十三条第一项）",
            )
    enterprise = await load(uow.session, Enterprise, enterprise_id)
    address = await uow.session.get(Address, enterprise.address_id)
    found = found_on or uow.today
    validate_date_order(found, uow.today, "foundOn")
    finding = EnterpriseFinding(
        enterprise_id=enterprise.id,
        address_id=enterprise.address_id,
        agency_id=address.agency_id if address else None,
        kind=kind,
        found_on=found,
        description=validate_text(description, "description", max_length=1000, required=False),
        agency_involved=agency_involved,
        hazard_severity=hazard_severity,
        reported_by=validate_text(reported_by, "reportedBy", max_length=200, required=False),
    )
    uow.session.add(finding)
    uow.record(f"enterprise.{kind}_recorded", enterprise, ["findings"])
    return finding


async def record_tax_filing(uow: UnitOfWork, enterprise_id: int, *, filed_on: dt.date) -> Enterprise:
    """The latest tax filing date, which the Beijing removal rule reads (BJ L508: 2 years without)."""
    enterprise = await load(uow.session, Enterprise, enterprise_id)
    validate_date_order(filed_on, uow.today, "filedOn")
    if enterprise.last_tax_filing_on is None or filed_on > enterprise.last_tax_filing_on:
        enterprise.last_tax_filing_on = filed_on
        uow.record("enterprise.tax_filing_recorded", enterprise, ["lastTaxFilingOn"])
    return enterprise
