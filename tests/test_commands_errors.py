"""Bad input to every command is refused with the right error code and field, and writes nothing.

Each command gets a list of bad calls against one small registry (``World``), built once per backend.
Every refusal must leave the registry exactly as it was: after each call the whole database is
compared with the snapshot taken before the first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from domain import commands, labels
from domain.actor import SYSTEM
from domain.commands.agencies import AgencyPersonalInput, CreditFactInput
from domain.commands.enterprises import EnterprisePersonalInput
from domain.db import create_engine, create_sessionmaker
from domain.errors import KIND_ZH, AlreadyExists, DomainError, IllegalTransition, NotFound, StaleVersion
from domain.lifecycle import MACHINES
from domain.model import Notice
from domain.unit_of_work import UnitOfWork
from tests import factories
from tests.conftest import BACKENDS
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.db_state import assert_unchanged, snapshot
from tests.factories import ADDRESS_DEFAULTS, AGENCY_DEFAULTS, ENTERPRISE_DEFAULTS, make_uscc

TODAY = dt.date(2026, 3, 2)
ID_NUMBER = "11010519491231002X"
TOO_LONG = "长" * 4001
STALE = 99
HUGE_ID = 2**40


@dataclass
class World:
    """One registry with an entity in each state the refusals need."""

    agency: int  # active, hosts everything below
    disqualified: int  # a disqualified agency
    published: int  # published address with one active enterprise (capacity 5)
    applied: int  # address just filed
    cancelled: int  # address cancelled before approval
    full: int  # published address whose single place is taken
    exiting: int  # address leaving, one enterprise still registered
    enterprise: int  # active, at ``published``
    deregistered: int  # deregistered, at ``published``
    notice: int  # the publication notice of ``published``
    withdrawn: int  # a withdrawn notice
    enterprise_uscc: str
    agency_uscc: str


async def build_world(uow: Callable[..., UnitOfWork]) -> World:
    agency = await factories.agency(uow, personal=AgencyPersonalInput("王五", ID_NUMBER, "赵六", "13800138000"))
    disqualified = await factories.agency(uow)
    async with uow() as u:
        await commands.disqualify_agency(u, disqualified.id, reason="严重违规", expected_version=None)
        await u.commit()
    published = await factories.published_address(uow, agency.id, capacity=5)
    full = await factories.published_address(uow, agency.id, capacity=1, room="302")
    exiting = await factories.published_address(uow, agency.id, capacity=3, room="303")
    async with uow() as u:
        applied = await commands.file_address(u, agency_id=agency.id, **{**ADDRESS_DEFAULTS, "room": "304"})
        cancelled = await commands.file_address(u, agency_id=agency.id, **{**ADDRESS_DEFAULTS, "room": "305"})
        await u.commit()
    async with uow() as u:
        await commands.cancel_address(u, cancelled.id, reason="申请人撤回", expected_version=None)
        await u.commit()
    enterprise = await factories.enterprise(
        uow, published.id, personal=EnterprisePersonalInput("李四", ID_NUMBER, "张三", "13900139000")
    )
    deregistered = await factories.enterprise(uow, published.id)
    await factories.enterprise(uow, full.id)
    await factories.enterprise(uow, exiting.id)
    async with uow() as u:
        await commands.deregister_enterprise(u, deregistered.id, expected_version=None)
        await commands.begin_address_exit(
            u, exiting.id, planned_exit_on=TODAY + dt.timedelta(days=90), reason="租约到期", expected_version=None
        )
        notice = await commands.create_notice(
            u,
            kind="other",
            jurisdiction_code="110115",
            title="集群注册工作提示",
            title_en="Notice on cluster registration",
            body="请各托管机构按期报送季度报告。",
            body_en="Agencies shall submit their quarterly reports on time.",
            legal_basis="大兴区集群登记管理措施",
        )
        await u.commit()
    async with uow() as u:
        await commands.withdraw_notice(u, notice.id, reason="内容有误", expected_version=None)
        await u.commit()
    async with uow() as u:
        publication = (
            await u.session.execute(
                select(Notice.id).where(Notice.subject_kind == "Address", Notice.subject_id == published.id)
            )
        ).scalar_one()
    return World(
        agency=agency.id,
        disqualified=disqualified.id,
        published=published.id,
        applied=applied.id,
        cancelled=cancelled.id,
        full=full.id,
        exiting=exiting.id,
        enterprise=enterprise.id,
        deregistered=deregistered.id,
        notice=publication,
        withdrawn=notice.id,
        enterprise_uscc=enterprise.uscc,
        agency_uscc=agency.uscc,
    )


Call = Callable[[UnitOfWork, World], Awaitable[object]]


@dataclass(frozen=True)
class Case:
    name: str
    call: Call
    code: str
    field: str | None
    # For ILLEGAL_TRANSITION: the machine, the action and the state the entity is in.
    transition: tuple[str, str, str] | None = None


def case(name: str, code: str, field: str | None, call: Call) -> Case:
    return Case(name, call, code, field)


def illegal(kind: str, action: str, current: str, call: Call) -> Case:
    return Case(f"illegal {action} from {current}", call, "ILLEGAL_TRANSITION", "status", (kind, action, current))


def stale(call: Call) -> Case:
    return Case("stale expected version", call, "STALE_VERSION", "expectedVersion")


def not_found(call: Call, field: str | None = "id") -> Case:
    return Case("unknown id", call, "NOT_FOUND", field)


C = commands
BAD = "INVALID_INPUT"
ANY = {"expected_version": None}
OLD = {"expected_version": STALE}


@dataclass(frozen=True)
class _WorldId:
    name: str


class _World:
    """``W.agency`` in the table below stands for the ``agency`` id of the world the test builds."""

    def __getattr__(self, name: str) -> _WorldId:
        return _WorldId(name)


W = _World()


def call(command: Callable[..., Awaitable[object]], *args: object, **kwargs: object) -> Call:
    """The call ``command(uow, *args, **kwargs)``, with ``W.<name>`` resolved against the world."""

    def run(u: UnitOfWork, world: World) -> Awaitable[object]:
        def resolve(value: object) -> object:
            return getattr(world, value.name) if isinstance(value, _WorldId) else value

        return command(u, *map(resolve, args), **{k: resolve(v) for k, v in kwargs.items()})

    return run


def _agency(**overrides: object) -> dict[str, object]:
    return {**AGENCY_DEFAULTS, "uscc": make_uscc(), **overrides}


def _address(**overrides: object) -> dict[str, object]:
    return {**ADDRESS_DEFAULTS, "agency_id": W.agency, "room": "401", **overrides}


def _enterprise(**overrides: object) -> dict[str, object]:
    return {**ENTERPRISE_DEFAULTS, "uscc": make_uscc(), "address_id": W.published, **overrides}


def _notice(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "kind": "other",
        "jurisdiction_code": "110115",
        "title": "集群注册工作提示",
        "title_en": "Notice",
        "body": "请按期报送。",
        "body_en": "Report on time.",
        "legal_basis": "大兴区集群登记管理措施",
    }
    return {**fields, **overrides}


def _fact(**overrides: object) -> CreditFactInput:
    fields: dict[str, object] = {"subject": "agency", "kind": "abnormal_list", "listed_on": dt.date(2025, 1, 1)}
    return CreditFactInput(**{**fields, **overrides})  # type: ignore[arg-type]


CASES: dict[str, list[Case]] = {
    "register_agency": [
        case("wrong check character", BAD, "uscc", call(C.register_agency, **_agency(uscc="91350100M000100Y44"))),
        case("letter O in USCC", BAD, "uscc", call(C.register_agency, **_agency(uscc="91350100M0O0100Y43"))),
        case(
            "USCC already registered", "ALREADY_EXISTS", "uscc", call(C.register_agency, **_agency(uscc=W.agency_uscc))
        ),
        case(
            "malformed jurisdiction",
            BAD,
            "jurisdictionCode",
            call(C.register_agency, **_agency(jurisdiction_code="999999")),
        ),
        case(
            "unknown jurisdiction",
            "NOT_FOUND",
            "jurisdictionCode",
            call(C.register_agency, **_agency(jurisdiction_code="110119")),
        ),
        case("name too long", BAD, "name", call(C.register_agency, **_agency(name="名" * 201))),
        case("unknown role", BAD, "role", call(C.register_agency, **_agency(role="landlord"))),
        case("unknown kind", BAD, "kind", call(C.register_agency, **_agency(kind="bank"))),
        case("unknown tenure", BAD, "tenure", call(C.register_agency, **_agency(tenure="borrowed"))),
        case(
            "established in the future",
            BAD,
            "establishedOn",
            call(C.register_agency, **_agency(established_on=TODAY + dt.timedelta(days=1))),
        ),
        case(
            "bad ID number",
            BAD,
            "personal.legalRepresentativeIdNumber",
            call(
                C.register_agency,
                **_agency(personal=AgencyPersonalInput(legal_representative_id_number="110105194912310021")),
            ),
        ),
        case(
            "bad phone",
            BAD,
            "personal.liaisonPhone",
            call(C.register_agency, **_agency(personal=AgencyPersonalInput(liaison_phone="call me"))),
        ),
        case(
            "unknown credit fact kind",
            BAD,
            "creditFacts.kind",
            call(C.register_agency, **_agency(credit_facts=[_fact(kind="gossip")])),
        ),
    ],
    "suspend_agency": [
        illegal("Agency", "suspend", "disqualified", call(C.suspend_agency, W.disqualified, reason="违规", **ANY)),
        stale(call(C.suspend_agency, W.agency, reason="违规", **OLD)),
        case("reason too long", BAD, "reason", call(C.suspend_agency, W.agency, reason=TOO_LONG, **ANY)),
        case("blank reason", BAD, "reason", call(C.suspend_agency, W.agency, reason="  ", **ANY)),
        case(
            "phone number in the reason",
            BAD,
            "reason",
            call(C.suspend_agency, W.agency, reason="联系人电话13800138000", **ANY),
        ),
        not_found(call(C.suspend_agency, HUGE_ID, reason="违规", **ANY)),
    ],
    "reinstate_agency": [
        illegal("Agency", "reinstate", "active", call(C.reinstate_agency, W.agency, **ANY)),
        stale(call(C.reinstate_agency, W.agency, **OLD)),
        not_found(call(C.reinstate_agency, 424242, **ANY)),
    ],
    "disqualify_agency": [
        illegal(
            "Agency", "disqualify", "disqualified", call(C.disqualify_agency, W.disqualified, reason="违规", **ANY)
        ),
        stale(call(C.disqualify_agency, W.agency, reason="违规", **OLD)),
        case("reason too long", BAD, "reason", call(C.disqualify_agency, W.agency, reason=TOO_LONG, **ANY)),
        case(
            "ID number in the reason",
            BAD,
            "reason",
            call(C.disqualify_agency, W.agency, reason=f"法定代表人{ID_NUMBER}", **ANY),
        ),
        not_found(call(C.disqualify_agency, HUGE_ID, reason="违规", **ANY)),
    ],
    "begin_agency_termination": [
        illegal("Agency", "begin_termination", "disqualified", call(C.begin_agency_termination, W.disqualified, **ANY)),
        stale(call(C.begin_agency_termination, W.agency, **OLD)),
        not_found(call(C.begin_agency_termination, 0, **ANY)),
    ],
    "terminate_agency": [
        illegal("Agency", "terminate", "disqualified", call(C.terminate_agency, W.disqualified, **ANY)),
        stale(call(C.terminate_agency, W.agency, **OLD)),
        not_found(call(C.terminate_agency, -1, **ANY)),
    ],
    "file_address": [
        case(
            "malformed jurisdiction",
            BAD,
            "jurisdictionCode",
            call(C.file_address, **_address(jurisdiction_code="11011")),
        ),
        case(
            "unknown jurisdiction",
            "NOT_FOUND",
            "jurisdictionCode",
            call(C.file_address, **_address(jurisdiction_code="110119")),
        ),
        case(
            "jurisdiction of another pack",
            BAD,
            "jurisdictionCode",
            call(C.file_address, **_address(jurisdiction_code="320214")),
        ),
        case("address text too long", BAD, "addressText", call(C.file_address, **_address(address_text="址" * 301))),
        case("room too long", BAD, "room", call(C.file_address, **_address(room="室" * 51))),
        case("unknown kind", BAD, "kind", call(C.file_address, **_address(kind="virtual"))),
        case("unknown premises basis", BAD, "premisesBasis", call(C.file_address, **_address(premises_basis="verbal"))),
        case("unknown tenure", BAD, "tenure", call(C.file_address, **_address(tenure="squatted"))),
        case(
            "unknown key industry", BAD, "keyIndustries", call(C.file_address, **_address(key_industries=["alchemy"]))
        ),
        case("zero capacity", BAD, "capacity", call(C.file_address, **_address(capacity=0))),
        case("latitude without longitude", BAD, "latitude", call(C.file_address, **_address(longitude=None))),
        case("negative floor area", BAD, "floorAreaM2", call(C.file_address, **_address(floor_area_m2=-5.0))),
        case(
            "agency not active",
            "AGENCY_NOT_ACTIVE",
            "agencyId",
            call(C.file_address, **_address(agency_id=W.disqualified)),
        ),
        not_found(call(C.file_address, **_address(agency_id=HUGE_ID)), "agencyId"),
    ],
    "approve_address": [
        illegal("Address", "approve", "published", call(C.approve_address, W.published, **ANY)),
        stale(call(C.approve_address, W.applied, **OLD)),
        not_found(call(C.approve_address, HUGE_ID, **ANY)),
    ],
    "publish_address": [
        illegal("Address", "publish", "applied", call(C.publish_address, W.applied, **ANY)),
        illegal("Address", "publish", "published", call(C.publish_address, W.published, **ANY)),
        stale(call(C.publish_address, W.published, **OLD)),
        not_found(call(C.publish_address, 424242, **ANY)),
    ],
    "suspend_address": [
        illegal("Address", "suspend", "applied", call(C.suspend_address, W.applied, reason="整改", **ANY)),
        stale(call(C.suspend_address, W.published, reason="整改", **OLD)),
        case("reason too long", BAD, "reason", call(C.suspend_address, W.published, reason=TOO_LONG, **ANY)),
        case(
            "ID number in the reason",
            BAD,
            "reason",
            call(C.suspend_address, W.published, reason=f"负责人 {ID_NUMBER} 失联", **ANY),
        ),
        case(
            "phone number in the reason",
            BAD,
            "reason",
            call(C.suspend_address, W.published, reason="请致电 010-62345678", **ANY),
        ),
        not_found(call(C.suspend_address, HUGE_ID, reason="整改", **ANY)),
    ],
    "reinstate_address": [
        illegal("Address", "reinstate", "published", call(C.reinstate_address, W.published, **ANY)),
        stale(call(C.reinstate_address, W.published, **OLD)),
        not_found(call(C.reinstate_address, 424242, **ANY)),
    ],
    "cancel_address": [
        illegal("Address", "cancel", "cancelled", call(C.cancel_address, W.cancelled, reason="重复", **ANY)),
        illegal("Address", "cancel", "exiting", call(C.cancel_address, W.exiting, reason="重复", **ANY)),
        stale(call(C.cancel_address, W.published, reason="重复", **OLD)),
        case("reason too long", BAD, "reason", call(C.cancel_address, W.published, reason=TOO_LONG, **ANY)),
        case(
            "phone number in the reason",
            BAD,
            "reason",
            call(C.cancel_address, W.published, reason="投诉电话 13912345678", **ANY),
        ),
        not_found(call(C.cancel_address, HUGE_ID, reason="重复", **ANY)),
    ],
    "begin_address_exit": [
        illegal(
            "Address",
            "begin_exit",
            "applied",
            call(C.begin_address_exit, W.applied, planned_exit_on=TODAY + dt.timedelta(days=90), reason="到期", **ANY),
        ),
        stale(
            call(C.begin_address_exit, W.published, planned_exit_on=TODAY + dt.timedelta(days=90), reason="到期", **OLD)
        ),
        case(
            "planned exit in the past",
            BAD,
            "plannedExitOn",
            call(C.begin_address_exit, W.published, planned_exit_on=TODAY - dt.timedelta(days=1), reason="到期", **ANY),
        ),
        case(
            "reason too long",
            BAD,
            "reason",
            call(
                C.begin_address_exit, W.published, planned_exit_on=TODAY + dt.timedelta(days=90), reason=TOO_LONG, **ANY
            ),
        ),
        not_found(
            call(C.begin_address_exit, HUGE_ID, planned_exit_on=TODAY + dt.timedelta(days=90), reason="到期", **ANY)
        ),
    ],
    "complete_address_exit": [
        illegal("Address", "complete_exit", "applied", call(C.complete_address_exit, W.applied, **ANY)),
        case(
            "enterprises still registered",
            "ENTERPRISES_REMAIN",
            "addressId",
            call(C.complete_address_exit, W.exiting, **ANY),
        ),
        not_found(call(C.complete_address_exit, HUGE_ID, **ANY)),
    ],
    "register_enterprise": [
        case(
            "wrong check character", BAD, "uscc", call(C.register_enterprise, **_enterprise(uscc="91110000600037341K"))
        ),
        case("letter I in USCC", BAD, "uscc", call(C.register_enterprise, **_enterprise(uscc="9111000060003734IL"))),
        case("USCC too short", BAD, "uscc", call(C.register_enterprise, **_enterprise(uscc="9111000060003734"))),
        case(
            "USCC already registered",
            "ALREADY_EXISTS",
            "uscc",
            call(C.register_enterprise, **_enterprise(uscc=W.enterprise_uscc)),
        ),
        case("name too long", BAD, "name", call(C.register_enterprise, **_enterprise(name="企" * 201))),
        case(
            "business scope too long",
            BAD,
            "businessScope",
            call(C.register_enterprise, **_enterprise(business_scope=TOO_LONG)),
        ),
        case("unknown kind", BAD, "kind", call(C.register_enterprise, **_enterprise(kind="cooperative_bank"))),
        case(
            "bad industry code", BAD, "industryCode", call(C.register_enterprise, **_enterprise(industry_code="A6510"))
        ),
        case(
            "registered in the future",
            BAD,
            "registeredOn",
            call(C.register_enterprise, **_enterprise(registered_on=TODAY + dt.timedelta(days=1))),
        ),
        case(
            "bad ID number",
            BAD,
            "personal.legalRepresentativeIdNumber",
            call(
                C.register_enterprise,
                **_enterprise(personal=EnterprisePersonalInput(legal_representative_id_number="11010519491231002")),
            ),
        ),
        case(
            "bad phone",
            BAD,
            "personal.contactPhone",
            call(C.register_enterprise, **_enterprise(personal=EnterprisePersonalInput(contact_phone="12"))),
        ),
        case(
            "address not published",
            "ADDRESS_NOT_OPEN",
            "addressId",
            call(C.register_enterprise, **_enterprise(address_id=W.applied)),
        ),
        case(
            "address exiting",
            "ADDRESS_NOT_OPEN",
            "addressId",
            call(C.register_enterprise, **_enterprise(address_id=W.exiting)),
        ),
        case(
            "address full", "ADDRESS_FULL", "addressId", call(C.register_enterprise, **_enterprise(address_id=W.full))
        ),
        not_found(call(C.register_enterprise, **_enterprise(address_id=HUGE_ID)), "addressId"),
    ],
    "move_out_enterprise": [
        illegal("Enterprise", "move_out", "deregistered", call(C.move_out_enterprise, W.deregistered, **ANY)),
        stale(call(C.move_out_enterprise, W.enterprise, **OLD)),
        case(
            "moved out before registration",
            BAD,
            "movedOutOn",
            call(C.move_out_enterprise, W.enterprise, **ANY, moved_out_on=TODAY - dt.timedelta(days=1)),
        ),
        not_found(call(C.move_out_enterprise, HUGE_ID, **ANY)),
    ],
    "deregister_enterprise": [
        illegal("Enterprise", "deregister", "deregistered", call(C.deregister_enterprise, W.deregistered, **ANY)),
        stale(call(C.deregister_enterprise, W.enterprise, **OLD)),
        case(
            "deregistered before registration",
            BAD,
            "deregisteredOn",
            call(C.deregister_enterprise, W.enterprise, **ANY, deregistered_on=dt.date(2020, 1, 1)),
        ),
        not_found(call(C.deregister_enterprise, 424242, **ANY)),
    ],
    "record_annual_report": [
        case("report for the current year", BAD, "year", call(C.record_annual_report, W.enterprise, year=2026)),
        case("report for a year long past", BAD, "year", call(C.record_annual_report, W.enterprise, year=1900)),
        case("absurd year", BAD, "year", call(C.record_annual_report, W.enterprise, year=HUGE_ID)),
        not_found(call(C.record_annual_report, HUGE_ID, year=2025)),
    ],
    "list_abnormal": [
        illegal(
            "Enterprise",
            "list_abnormal",
            "deregistered",
            call(C.list_abnormal, W.deregistered, reason="uncontactable", **ANY),
        ),
        stale(call(C.list_abnormal, W.enterprise, reason="uncontactable", **OLD)),
        case("unknown reason", BAD, "reason", call(C.list_abnormal, W.enterprise, reason="bad_luck", **ANY)),
        not_found(call(C.list_abnormal, HUGE_ID, reason="uncontactable", **ANY)),
    ],
    "remove_abnormal": [
        illegal("Enterprise", "remove_abnormal", "active", call(C.remove_abnormal, W.enterprise, **ANY)),
        stale(call(C.remove_abnormal, W.enterprise, **OLD)),
        not_found(call(C.remove_abnormal, HUGE_ID, **ANY)),
    ],
    "record_finding": [
        case("unknown kind", BAD, "kind", call(C.record_finding, W.enterprise, kind="rumour")),
        case(
            "found in the future",
            BAD,
            "foundOn",
            call(C.record_finding, W.enterprise, kind="complaint", found_on=TODAY + dt.timedelta(days=3)),
        ),
        case(
            "description too long",
            BAD,
            "description",
            call(C.record_finding, W.enterprise, kind="complaint", description=TOO_LONG),
        ),
        not_found(call(C.record_finding, HUGE_ID, kind="complaint")),
    ],
    "record_tax_filing": [
        case(
            "filed in the future",
            BAD,
            "filedOn",
            call(C.record_tax_filing, W.enterprise, filed_on=TODAY + dt.timedelta(days=1)),
        ),
        not_found(call(C.record_tax_filing, HUGE_ID, filed_on=TODAY)),
    ],
    "create_notice": [
        case(
            "malformed jurisdiction",
            BAD,
            "jurisdictionCode",
            call(C.create_notice, **_notice(jurisdiction_code="ABCDEF")),
        ),
        case(
            "unknown jurisdiction",
            "NOT_FOUND",
            "jurisdictionCode",
            call(C.create_notice, **_notice(jurisdiction_code="320299")),
        ),
        case("unknown kind", BAD, "kind", call(C.create_notice, **_notice(kind="gossip"))),
        case("title too long", BAD, "title", call(C.create_notice, **_notice(title="题" * 201))),
        case("body too long", BAD, "body", call(C.create_notice, **_notice(body=TOO_LONG))),
        case(
            "ID number in the body",
            BAD,
            "body",
            call(C.create_notice, **_notice(body=f"法定代表人身份证号{ID_NUMBER}。")),
        ),
        case(
            "mobile number in the English body",
            BAD,
            "bodyEn",
            call(C.create_notice, **_notice(body_en="Call +86 139 1234 5678.")),
        ),
        case("landline in the title", BAD, "title", call(C.create_notice, **_notice(title="咨询电话0510-82345678"))),
        case(
            "deadline before publication",
            BAD,
            "deadlineOn",
            call(C.create_notice, **_notice(deadline_on=TODAY - dt.timedelta(days=1))),
        ),
        case(
            "deadline given twice",
            BAD,
            "deadlineOn",
            call(C.create_notice, **_notice(deadline_on=TODAY, deadline_working_days=5)),
        ),
        case(
            "zero working days", BAD, "deadlineWorkingDays", call(C.create_notice, **_notice(deadline_working_days=0))
        ),
    ],
    "withdraw_notice": [
        illegal("Notice", "withdraw", "withdrawn", call(C.withdraw_notice, W.withdrawn, reason="重复", **ANY)),
        stale(call(C.withdraw_notice, W.notice, reason="重复", **OLD)),
        case("reason too long", BAD, "reason", call(C.withdraw_notice, W.notice, reason=TOO_LONG, **ANY)),
        case(
            "phone number in the reason",
            BAD,
            "reason",
            call(C.withdraw_notice, W.notice, reason="详询13800138000", **ANY),
        ),
        case(
            "withdrawn before publication",
            BAD,
            "withdrawnOn",
            call(C.withdraw_notice, W.notice, reason="重复", **ANY, withdrawn_on=TODAY - dt.timedelta(days=1)),
        ),
        not_found(call(C.withdraw_notice, HUGE_ID, reason="重复", **ANY)),
    ],
    "record_quarterly_report": [
        case("quarter 5", BAD, "quarter", call(C.record_quarterly_report, W.agency, year=2025, quarter=5)),
        case("year 0", BAD, "year", call(C.record_quarterly_report, W.agency, year=0, quarter=1)),
        case("absurd year", BAD, "year", call(C.record_quarterly_report, W.agency, year=HUGE_ID, quarter=1)),
        case(
            "submitted before the quarter ended",
            BAD,
            "submittedOn",
            call(C.record_quarterly_report, W.agency, year=2026, quarter=1),
        ),
        case(
            "summary too long",
            BAD,
            "summary",
            call(C.record_quarterly_report, W.agency, year=2025, quarter=4, summary="报" * 4001),
        ),
        not_found(call(C.record_quarterly_report, HUGE_ID, year=2025, quarter=4)),
    ],
    "record_contact_log": [
        case(
            "enterprise hosted elsewhere",
            BAD,
            "enterpriseId",
            call(C.record_contact_log, W.disqualified, W.enterprise, contacted_on=TODAY, method="phone", reached=True),
        ),
        case(
            "contact in the future",
            BAD,
            "contactedOn",
            call(
                C.record_contact_log,
                W.agency,
                W.enterprise,
                contacted_on=TODAY + dt.timedelta(days=1),
                method="phone",
                reached=True,
            ),
        ),
        case(
            "method too long",
            BAD,
            "method",
            call(C.record_contact_log, W.agency, W.enterprise, contacted_on=TODAY, method="m" * 33, reached=True),
        ),
        case(
            "note too long",
            BAD,
            "note",
            call(
                C.record_contact_log,
                W.agency,
                W.enterprise,
                contacted_on=TODAY,
                method="visit",
                reached=True,
                note=TOO_LONG,
            ),
        ),
        not_found(
            call(C.record_contact_log, W.agency, HUGE_ID, contacted_on=TODAY, method="phone", reached=True),
            "enterpriseId",
        ),
    ],
    "record_credit_fact": [
        case(
            "unknown subject",
            BAD,
            "creditFacts.subject",
            call(C.record_credit_fact, W.agency, _fact(subject="neighbour")),
        ),
        case("unknown kind", BAD, "creditFacts.kind", call(C.record_credit_fact, W.agency, _fact(kind="gossip"))),
        case(
            "removed before listed",
            BAD,
            "creditFacts.removedOn",
            call(C.record_credit_fact, W.agency, _fact(removed_on=dt.date(2024, 1, 1))),
        ),
        case("note too long", BAD, "creditFacts.note", call(C.record_credit_fact, W.agency, _fact(note=TOO_LONG))),
        not_found(call(C.record_credit_fact, HUGE_ID, _fact())),
    ],
}


def test_every_command_has_bad_input_cases() -> None:
    """The agency, address, enterprise and notice commands; scoring and supervision have their own tests."""
    assert len(CASES) == 27 and set(CASES) <= set(commands.__all__)


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_chinese_messages_name_the_kind_in_chinese() -> None:
    assert StaleVersion("Address", 93, 94).message_zh == "地址当前版本为 94，不是预期的 93；请刷新后重试"
    assert NotFound("Agency", 7).message_zh == "机构 7 不存在"
    assert AlreadyExists("Enterprise", "91110000MA01").message_zh == "经营主体 91110000MA01 已存在"
    assert IllegalTransition("Notice", "withdraw", "WITHDRAWN", ["PUBLISHED"]).message_zh.startswith("公告当前状态为")


def check_error(error: DomainError, expected: Case) -> None:
    assert (error.code, error.field) == (expected.code, expected.field), str(error)
    assert error.message_en and CJK.search(error.message_zh), str(error)
    assert not [kind for kind in KIND_ZH if kind in error.message_zh], error.message_zh
    if expected.transition is not None:
        kind, action, current = expected.transition
        allowed = sorted(MACHINES[kind][action].allowed_from)
        assert error.details == {"current": current, "allowedFrom": allowed, "action": action}
        for state in [current, *allowed]:
            assert labels.en(state) in error.message_en and labels.zh(state) in error.message_zh, (state, str(error))


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
) -> Iterator[tuple[str, World]]:
    """One world per backend for the whole module: every case must leave it unchanged, and checks so."""
    databases = sqlite_databases if request.param == "sqlite" else postgres_databases
    assert databases is not None
    url = databases.create()

    async def build() -> World:
        engine = create_engine(url)
        try:
            sessionmaker = create_sessionmaker(engine)
            return await build_world(lambda today=None: UnitOfWork(sessionmaker, SYSTEM, today=today or TODAY))
        finally:
            await engine.dispose()

    yield url, asyncio.run(build())
    databases.drop(url)


@pytest.mark.parametrize("command", sorted(CASES))
async def test_bad_input_is_refused_and_writes_nothing(command: str, world: tuple[str, World]) -> None:
    url, registry = world
    engine = create_engine(url)
    try:
        sessionmaker = create_sessionmaker(engine)
        state = await snapshot(sessionmaker)
        for expected in CASES[command]:
            with pytest.raises(DomainError) as info:
                async with UnitOfWork(sessionmaker, SYSTEM, today=TODAY) as u:
                    await expected.call(u, registry)
                    await u.commit()
            try:
                check_error(info.value, expected)
                await assert_unchanged(sessionmaker, state)
            except AssertionError as exc:
                raise AssertionError(f"{command}: {expected.name}: {exc}") from exc
    finally:
        await engine.dispose()


async def test_a_registration_racing_a_twin_is_refused_cleanly(uow, sessionmaker) -> None:
    """Two registrations of one USCC at once: the loser gets a domain error (the unique index on
    PostgreSQL, the write lock on SQLite), never a raw database error, and writes nothing."""
    uscc = make_uscc()
    first_flushed = asyncio.Event()

    async def register(delay_commit: bool) -> object:
        async with uow() as u:
            agency = await C.register_agency(u, **{**AGENCY_DEFAULTS, "uscc": uscc})
            if delay_commit:
                first_flushed.set()
                await asyncio.sleep(0.3)
            await u.commit()
            return agency

    async def second() -> object:
        await first_flushed.wait()
        return await register(False)

    before = await snapshot(sessionmaker)
    results = await asyncio.gather(register(True), second(), return_exceptions=True)
    assert not isinstance(results[0], BaseException), results[0]
    loser = results[1]
    assert isinstance(loser, DomainError) and loser.code in {"CONFLICT", "ALREADY_EXISTS"}, repr(loser)
    after = await snapshot(sessionmaker)
    assert after.counts["agencies"] == before.counts["agencies"] + 1
    assert after.max_seq == before.max_seq + 1
