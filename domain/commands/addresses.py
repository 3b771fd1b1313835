"""Address lifecycle: file, approve (备案), publish (公示), suspend, reinstate, cancel, exit."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from sqlalchemy import func, select

from domain.commands.common import check_version, get_jurisdiction, load, packs_for, parse_enum, related
from domain.commands.lifecycle_notices import lifecycle_notice
from domain.enums import AddressKind, AddressStatus, AgencyStatus, NoticeKind, PremisesBasis, Tenure
from domain.errors import DomainError, InvalidInput
from domain.key_industries import KEY_INDUSTRIES
from domain.lifecycle import next_status
from domain.model import Address, AddressKeyIndustry, AddressStatusChange, Agency
from domain.rules.facts import AddressExitFacts, AddressFilingFacts
from domain.unit_of_work import UnitOfWork
from domain.validators import validate_coordinates, validate_positive, validate_text


def _key_industries(values: Sequence[str]) -> list[str]:
    unknown = sorted(set(values) - KEY_INDUSTRIES.keys())
    if unknown:
        allowed = ", ".join(sorted(KEY_INDUSTRIES))
        raise InvalidInput(
            "keyIndustries",
            f"unknown key industries {unknown}; allowed: {allowed}",
            f"未知的重点产业 {unknown}；可选：{allowed}",
        )
    return sorted(set(values))


def _history(uow: UnitOfWork, address: Address, from_status: str | None, reason: str | None) -> None:
    uow.session.add(
        AddressStatusChange(
            address_id=address.id,
            from_status=from_status,
            to_status=address.status,
            changed_on=uow.today,
            actor=uow.actor.id,
            reason=reason,
        )
    )


async def _active_agency(uow: UnitOfWork, agency_id: int, field: str) -> Agency:
    agency = await load(uow.session, Agency, agency_id, field)
    if agency.status != AgencyStatus.ACTIVE:
        raise DomainError(
            "AGENCY_NOT_ACTIVE",
            f"agency {agency.uscc} is {agency.status}, not active",
            f"机构 {agency.uscc} 当前状态为 {agency.status}，不是正常状态",
            field=field,
        )
    return agency


async def file_address(
    uow: UnitOfWork,
    *,
    agency_id: int,
    jurisdiction_code: str,
    kind: str,
    address_text: str,
    premises_basis: str,
    tenure: str,
    residential: bool,
    planning_approved: bool,
    lawful_and_safe: bool,
    standardised: bool,
    capacity: int,
    building: str | None = None,
    room: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    lease_end: dt.date | None = None,
    owner_consent: bool | None = None,
    floor_area_m2: float | None = None,
    key_industries: Sequence[str] = (),
    host_unit_id: int | None = None,
) -> Address:
    """An agency (or Tongzhou host unit) applies to have premises filed as a cluster address."""
    session = uow.session
    parse_enum(AddressKind, kind, "kind")
    parse_enum(PremisesBasis, premises_basis, "premisesBasis")
    parse_enum(Tenure, tenure, "tenure")
    text = validate_text(address_text, "addressText", max_length=300)
    building_text = validate_text(building, "building", max_length=100, required=False)
    room_text = validate_text(room, "room", max_length=50, required=False)
    validate_positive(capacity, "capacity", maximum=100_000)
    validate_coordinates(latitude, longitude)
    if floor_area_m2 is not None and not 0 < floor_area_m2 < 10_000_000:
        raise InvalidInput("floorAreaM2", "floor area must be positive", "面积应为正数")
    industries = _key_industries(key_industries)
    j = await get_jurisdiction(session, jurisdiction_code)
    agency = await _active_agency(uow, agency_id, "agencyId")
    host_unit = await _active_agency(uow, host_unit_id, "hostUnitId") if host_unit_id is not None else None
    for holder, field in ((agency, "jurisdictionCode"), (host_unit, "hostUnitId")):
        if holder is None:
            continue
        holder_j = await get_jurisdiction(session, holder.jurisdiction_code)
        if holder_j.rule_pack != j.rule_pack or not related(holder_j, j):
            # An agency holds premises only where it is registered (its district or its city): a key of
            # one district can neither file premises elsewhere nor make itself the host unit of another's.
            raise InvalidInput(
                field,
                f"agency {holder.uscc} is registered in {holder_j.code}, not in or above {j.code}",
                f"机构 {holder.uscc} 登记于 {holder_j.code}，不能在 {j.code} 持有地址",
            )
    unit_id = host_unit.id if host_unit else agency.id
    existing = (
        await session.execute(
            select(func.count(Address.id)).where(
                func.coalesce(Address.host_unit_id, Address.agency_id) == unit_id,
                Address.kind == kind,
                Address.status.notin_([AddressStatus.CANCELLED, AddressStatus.EXITED]),
            )
        )
    ).scalar_one()
    facts: AddressFilingFacts = {
        "jurisdiction_code": j.code,
        "kind": kind,
        "premises_basis": premises_basis,
        "tenure": tenure,
        "residential": residential,
        "planning_approved": planning_approved,
        "lawful_and_safe": lawful_and_safe,
        "standardised": standardised,
        "capacity": capacity,
        "floor_area_m2": floor_area_m2,
        "lease_end": lease_end,
        "owner_consent": owner_consent,
        "application_date": uow.today,
        "same_kind_addresses_of_unit": int(existing),
        "agency_kind": agency.kind,
        "agency_role": agency.role,
    }
    await uow.check_rules(
        "address.file",
        packs_for(j),
        facts,
        jurisdiction_code=j.code,
        subject_kind="Address",
    )
    address = Address(
        code=f"{j.code}-pending-{secrets.token_hex(8)}",  # unique, so concurrent filings never wait on it
        jurisdiction_code=j.code,
        agency_id=agency.id,
        host_unit_id=host_unit.id if host_unit else None,
        kind=kind,
        address_text=text,
        building=building_text,
        room=room_text,
        latitude=latitude,
        longitude=longitude,
        premises_basis=premises_basis,
        tenure=tenure,
        residential=residential,
        planning_approved=planning_approved,
        lawful_and_safe=lawful_and_safe,
        standardised=standardised,
        lease_end=lease_end,
        owner_consent=owner_consent,
        floor_area_m2=floor_area_m2,
        capacity=capacity,
        occupied=0,
        status=AddressStatus.APPLIED,
        status_changed_on=uow.today,
        key_industries=[AddressKeyIndustry(industry=k) for k in industries],
    )
    session.add(address)
    await session.flush()
    address.code = f"{j.code}-{address.id:06d}"
    _history(uow, address, None, None)
    uow.attach_findings(address.id)
    uow.record("address.filed", address, ["*"])
    return address


async def _move(
    uow: UnitOfWork,
    address_id: int,
    action: str,
    expected_version: int | None,
    event: str,
    reason: str | None = None,
) -> tuple[Address, str]:
    address = await load(uow.session, Address, address_id)
    check_version(address, expected_version, "Address")
    before = address.status
    address.status = next_status("Address", action, before)
    address.status_changed_on = uow.today
    _history(uow, address, before, reason)
    uow.record(event, address, ["status", "statusChangedOn"])
    return address, before


async def approve_address(uow: UnitOfWork, address_id: int, *, expected_version: int | None) -> Address:
    address, _ = await _move(uow, address_id, "approve", expected_version, "address.approved")
    return address


async def publish_address(uow: UnitOfWork, address_id: int, *, expected_version: int | None) -> Address:
    address, _ = await _move(uow, address_id, "publish", expected_version, "address.published")
    address.published_on = uow.today
    uow.record("address.published", address, ["publishedOn"])
    await lifecycle_notice(uow, NoticeKind.ADDRESS_PUBLISHED, address, None)
    return address


async def suspend_address(uow: UnitOfWork, address_id: int, *, reason: str, expected_version: int | None) -> Address:
    reason_text = validate_text(reason, "reason", max_length=500)
    address, _ = await _move(uow, address_id, "suspend", expected_version, "address.suspended", reason_text)
    await lifecycle_notice(uow, NoticeKind.ADDRESS_SUSPENDED, address, reason_text)
    return address


async def reinstate_address(uow: UnitOfWork, address_id: int, *, expected_version: int | None) -> Address:
    address, _ = await _move(uow, address_id, "reinstate", expected_version, "address.reinstated")
    await lifecycle_notice(uow, NoticeKind.ADDRESS_REINSTATED, address, None)
    return address


async def cancel_address(uow: UnitOfWork, address_id: int, *, reason: str, expected_version: int | None) -> Address:
    reason_text = validate_text(reason, "reason", max_length=500)
    address, before = await _move(uow, address_id, "cancel", expected_version, "address.cancelled", reason_text)
    if before in (AddressStatus.PUBLISHED, AddressStatus.SUSPENDED):
        await lifecycle_notice(uow, NoticeKind.ADDRESS_CANCELLED, address, reason_text)
    return address


async def begin_address_exit(
    uow: UnitOfWork, address_id: int, *, planned_exit_on: dt.date, reason: str, expected_version: int | None
) -> Address:
    """Announce an exit; DX Art.14 requires telling hosted enterprises at least 30 days ahead."""
    reason_text = validate_text(reason, "reason", max_length=500)
    address = await load(uow.session, Address, address_id)
    j = await get_jurisdiction(uow.session, address.jurisdiction_code)
    if planned_exit_on < uow.today:
        raise InvalidInput("plannedExitOn", "the planned exit date is in the past", "计划退出日期早于今天")
    await uow.check_rules(
        "address.begin_exit",
        packs_for(j),
        AddressExitFacts(notice_on=uow.today, planned_exit_on=planned_exit_on, occupied=address.occupied),
        jurisdiction_code=j.code,
        subject_kind="Address",
        subject_id=address.id,
    )
    address, _ = await _move(uow, address_id, "begin_exit", expected_version, "address.exit_started", reason_text)
    address.exit_notice_on = uow.today
    address.planned_exit_on = planned_exit_on
    uow.record("address.exit_started", address, ["exitNoticeOn", "plannedExitOn"])
    await lifecycle_notice(uow, NoticeKind.ADDRESS_EXIT, address, reason_text, deadline_on=planned_exit_on)
    return address


async def complete_address_exit(uow: UnitOfWork, address_id: int, *, expected_version: int | None) -> Address:
    address = await load(uow.session, Address, address_id)
    if address.occupied:
        raise DomainError(
            "ENTERPRISES_REMAIN",
            f"{address.occupied} enterprises are still registered at {address.code}; they must move out or "
            "deregister first",
            f"{address.code} 仍有 {address.occupied} 户经营主体登记，须先迁出或注销",
            field="addressId",
            details={"remaining": address.occupied},
        )
    address, _ = await _move(uow, address_id, "complete_exit", expected_version, "address.exited")
    await lifecycle_notice(uow, NoticeKind.ADDRESS_EXITED, address, None)
    return address
