"""The lifecycles end to end: the state machines the commands enforce, occupancy, the notices the
lifecycle creates, and the change-log row every change writes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import commands as C
from domain import labels
from domain.commands.agencies import AgencyPersonalInput, CreditFactInput
from domain.commands.enterprises import EnterprisePersonalInput
from domain.enums import AddressStatus, AgencyStatus, EnterpriseStatus, NoticeStatus
from domain.errors import DomainError, IllegalTransition
from domain.ids import int_pk, to_global_id
from domain.lifecycle import MACHINES
from domain.model import (
    Address,
    Agency,
    AgencyPersonal,
    ChangeLogEntry,
    Enterprise,
    EnterprisePersonal,
    Notice,
)
from domain.privacy import find_personal_data
from domain.projections import projection_of
from domain.unit_of_work import UnitOfWork
from tests import factories
from tests.factories import ADDRESS_DEFAULTS

Sessionmaker = async_sessionmaker[AsyncSession]
MODELS = {"Agency": Agency, "Address": Address, "Enterprise": Enterprise, "Notice": Notice}
STATUSES = {"Agency": AgencyStatus, "Address": AddressStatus, "Enterprise": EnterpriseStatus, "Notice": NoticeStatus}
LATER = dt.date(2026, 6, 1)

# One command per lifecycle action; each takes the unit of work and the entity's id.
ACTIONS: dict[tuple[str, str], Callable[[UnitOfWork, int], Awaitable[object]]] = {
    ("Agency", "suspend"): lambda u, i: C.suspend_agency(u, i, reason="整改", expected_version=None),
    ("Agency", "reinstate"): lambda u, i: C.reinstate_agency(u, i, expected_version=None),
    ("Agency", "disqualify"): lambda u, i: C.disqualify_agency(u, i, reason="严重违规", expected_version=None),
    ("Agency", "begin_termination"): lambda u, i: C.begin_agency_termination(u, i, expected_version=None),
    ("Agency", "terminate"): lambda u, i: C.terminate_agency(u, i, expected_version=None),
    ("Address", "approve"): lambda u, i: C.approve_address(u, i, expected_version=None),
    ("Address", "publish"): lambda u, i: C.publish_address(u, i, expected_version=None),
    ("Address", "suspend"): lambda u, i: C.suspend_address(u, i, reason="整改", expected_version=None),
    ("Address", "reinstate"): lambda u, i: C.reinstate_address(u, i, expected_version=None),
    ("Address", "cancel"): lambda u, i: C.cancel_address(u, i, reason="撤回", expected_version=None),
    ("Address", "begin_exit"): lambda u, i: C.begin_address_exit(
        u, i, planned_exit_on=LATER, reason="租约到期", expected_version=None
    ),
    ("Address", "complete_exit"): lambda u, i: C.complete_address_exit(u, i, expected_version=None),
    ("Enterprise", "list_abnormal"): lambda u, i: C.list_abnormal(u, i, reason="uncontactable", expected_version=None),
    ("Enterprise", "remove_abnormal"): lambda u, i: C.remove_abnormal(u, i, expected_version=None),
    ("Enterprise", "move_out"): lambda u, i: C.move_out_enterprise(u, i, expected_version=None),
    ("Enterprise", "file_business_suspension"): lambda u, i: C.file_business_suspension(u, i, expected_version=None),
    ("Enterprise", "resume_business"): lambda u, i: C.resume_business(u, i, expected_version=None),
    ("Enterprise", "deregister"): lambda u, i: C.deregister_enterprise(u, i, expected_version=None),
    ("Notice", "withdraw"): lambda u, i: C.withdraw_notice(u, i, reason="内容有误", expected_version=None),
}


def test_every_lifecycle_action_has_a_command() -> None:
    assert set(ACTIONS) == {(kind, action) for kind, machine in MACHINES.items() for action in machine}


async def _act(kind: str, action: str, entity_id: int, u: UnitOfWork) -> Any:
    return await ACTIONS[kind, action](u, entity_id)


async def run(uow: Callable[..., UnitOfWork], fn: Callable[[UnitOfWork], Awaitable[Any]], **kw: Any) -> Any:
    async with uow(**kw) as u:
        result = await fn(u)
        await u.commit()
        return result


async def max_seq(sessionmaker: Sessionmaker) -> int:
    async with sessionmaker() as s:
        return int((await s.execute(select(func.coalesce(func.max(ChangeLogEntry.seq), 0)))).scalar_one())


async def subjects(uow: Callable[..., UnitOfWork]) -> dict[str, int]:
    agency = await factories.agency(uow)
    host = await factories.agency(uow)
    address = await factories.published_address(uow, host.id)
    enterprise = await factories.enterprise(uow, address.id)
    async with uow() as u:
        fresh = await C.file_address(u, agency_id=host.id, **{**ADDRESS_DEFAULTS, "room": "9"})
        notice = await C.create_notice(
            u,
            kind="other",
            jurisdiction_code="110115",
            title="提示",
            title_en="Notice",
            body="请按期报送。",
            body_en="Report on time.",
            legal_basis="大兴区集群登记管理措施",
        )
        await u.commit()
    return {"Agency": agency.id, "Address": fresh.id, "Enterprise": enterprise.id, "Notice": notice.id}


@pytest.mark.parametrize("kind", sorted(MACHINES))
async def test_commands_allow_exactly_the_moves_of_the_state_machine(kind: str, uow, sessionmaker) -> None:
    """Every action from every state: allowed moves land in the target state, the others are refused
    naming the current state and the allowed ones, and change nothing."""
    entity_id = (await subjects(uow))[kind]
    model: Any = MODELS[kind]
    for action, move in MACHINES[kind].items():
        for state in STATUSES[kind]:
            async with sessionmaker() as s:
                await s.execute(update(model).where(model.id == entity_id).values(status=state))
                await s.commit()
            seq = await max_seq(sessionmaker)
            outcome = f"{kind}.{action} from {state}"
            if state in move.allowed_from:
                await run(uow, partial(_act, kind, action, entity_id))
                assert await max_seq(sessionmaker) > seq, outcome
                expected = move.to
            else:
                with pytest.raises(IllegalTransition) as info:
                    await run(uow, partial(_act, kind, action, entity_id))
                assert info.value.details["current"] == state, outcome
                assert info.value.details["allowedFrom"] == sorted(move.allowed_from), outcome
                assert labels.en(state) in info.value.message_en and labels.zh(state) in info.value.message_zh, outcome
                assert await max_seq(sessionmaker) == seq, outcome
                expected = state
            async with sessionmaker() as s:
                assert (await s.get(model, entity_id)).status == expected, outcome  # type: ignore[union-attr]


async def places(sessionmaker: Sessionmaker, address_id: int) -> tuple[int, int, int]:
    """``(occupied, enterprises holding a place, capacity)``; the first two must always agree."""
    async with sessionmaker() as s:
        address = await s.get(Address, address_id)
        assert address is not None
        holding = (
            await s.execute(
                select(func.count(Enterprise.id)).where(
                    Enterprise.address_id == address_id,
                    Enterprise.status.in_([EnterpriseStatus.ACTIVE, EnterpriseStatus.ABNORMAL]),
                )
            )
        ).scalar_one()
        last = (
            await s.execute(
                select(ChangeLogEntry)
                .where(ChangeLogEntry.entity_id == to_global_id("Address", address_id))
                .order_by(ChangeLogEntry.seq.desc())
                .limit(1)
            )
        ).scalar_one()
        assert last.projection is not None
        assert last.projection["occupied"] == address.occupied
        assert last.projection["freePlaces"] == address.capacity - address.occupied
        return address.occupied, int(holding), address.capacity


async def test_occupancy_follows_registrations_move_outs_and_deregistrations(uow, sessionmaker) -> None:
    agency = await factories.agency(uow)
    address = (await factories.published_address(uow, agency.id, capacity=3)).id
    e1, e2, e3 = [(await factories.enterprise(uow, address)).id for _ in range(3)]
    assert await places(sessionmaker, address) == (3, 3, 3)

    with pytest.raises(DomainError) as info:
        await factories.enterprise(uow, address)
    assert (info.value.code, info.value.details) == ("ADDRESS_FULL", {"capacity": 3, "occupied": 3})
    assert await places(sessionmaker, address) == (3, 3, 3)

    steps: list[tuple[Callable[[UnitOfWork], Awaitable[object]], int]] = [
        (lambda u: C.move_out_enterprise(u, e1, expected_version=None), 2),
        (lambda u: C.list_abnormal(u, e2, reason="no_annual_report", expected_version=None), 2),
        (lambda u: C.deregister_enterprise(u, e1, expected_version=None), 2),  # moved out: holds no place
        (lambda u: C.deregister_enterprise(u, e2, expected_version=None), 1),  # abnormal still held one
        (lambda u: C.move_out_enterprise(u, e3, expected_version=None), 0),
        (lambda u: C.deregister_enterprise(u, e3, expected_version=None), 0),
    ]
    for step, occupied in steps:
        await run(uow, step)
        assert await places(sessionmaker, address) == (occupied, occupied, 3)
    for _ in range(3):
        await factories.enterprise(uow, address)
    assert await places(sessionmaker, address) == (3, 3, 3)


async def test_only_a_published_address_takes_registrations(uow, sessionmaker) -> None:
    agency = (await factories.agency(uow)).id

    async def refused(address_id: int, status: str) -> None:
        with pytest.raises(DomainError) as info:
            await factories.enterprise(uow, address_id)
        assert (info.value.code, info.value.field, info.value.details) == (
            "ADDRESS_NOT_OPEN",
            "addressId",
            {"status": status},
        )
        assert status in info.value.message_en

    address = (await run(uow, lambda u: C.file_address(u, agency_id=agency, **ADDRESS_DEFAULTS))).id
    await refused(address, "applied")
    await run(uow, lambda u: ACTIONS["Address", "approve"](u, address))
    await refused(address, "filed")
    await run(uow, lambda u: ACTIONS["Address", "publish"](u, address))
    enterprise = await factories.enterprise(uow, address)
    await run(uow, lambda u: ACTIONS["Address", "suspend"](u, address))
    await refused(address, "suspended")
    await run(uow, lambda u: ACTIONS["Address", "reinstate"](u, address))
    await run(uow, lambda u: ACTIONS["Address", "begin_exit"](u, address))
    await refused(address, "exiting")
    await run(uow, lambda u: C.move_out_enterprise(u, enterprise.id, expected_version=None))
    await run(uow, lambda u: ACTIONS["Address", "complete_exit"](u, address))
    await refused(address, "exited")

    other = await factories.published_address(uow, agency, room="12")
    await run(uow, lambda u: ACTIONS["Address", "cancel"](u, other.id))
    await refused(other.id, "cancelled")
    assert await places(sessionmaker, address) == (0, 0, ADDRESS_DEFAULTS["capacity"])


# --- notices --------------------------------------------------------------------------------------

# 2025-09-30 is the eve of the National Day holiday (1-8 October 2025); 11 October, a Saturday, is a
# working day. Five working days after 30 September: 9, 10, 11, 13 and 14 October.
EVE_OF_HOLIDAY = dt.date(2025, 9, 30)
FIVE_WORKING_DAYS_LATER = dt.date(2025, 10, 14)
ID_NUMBER = "11010519491231002X"
PERSONAL_VALUES = [ID_NUMBER, "13800138000", "13900139000", "王五", "赵六", "李四", "张三"]


async def new_notices(sessionmaker: Sessionmaker, after: int) -> list[Notice]:
    async with sessionmaker() as s:
        return list((await s.execute(select(Notice).where(Notice.id > after).order_by(Notice.id))).scalars())


async def test_lifecycle_commands_publish_the_notices_the_rules_require(uow, sessionmaker) -> None:
    def on_eve(*, today: dt.date | None = None, **kw: Any) -> UnitOfWork:
        return uow(today=today or EVE_OF_HOLIDAY, **kw)

    personal = AgencyPersonalInput("王五", ID_NUMBER, "赵六", "13800138000")
    agency = (await factories.agency(on_eve, personal=personal)).id
    closing = (await factories.agency(on_eve)).id
    latest: list[Notice] = []

    async def notices_of(fn: Callable[[UnitOfWork], Awaitable[object]]) -> list[tuple[Any, ...]]:
        """The notices ``fn`` published, each checked for bilingual, public texts."""
        seen = max((n.id for n in await new_notices(sessionmaker, 0)), default=0)
        await run(on_eve, fn)
        latest[:] = notices = await new_notices(sessionmaker, seen)
        for n in notices:
            texts = [n.title, n.title_en, n.body, n.body_en, n.legal_basis, n.withdrawal_reason or ""]
            assert all(not list(find_personal_data(t)) for t in texts), texts
            assert all(v not in t for v in PERSONAL_VALUES for t in texts), texts
            assert n.title and n.title_en != n.title and n.body and n.body_en != n.body
            assert (n.status, n.published_on, n.jurisdiction_code) == ("published", EVE_OF_HOLIDAY, "110115")
        return [(n.kind, n.subject_kind, n.subject_id, n.deadline_on, n.deadline_estimated) for n in notices]

    a = (await run(on_eve, lambda u: C.file_address(u, agency_id=agency, **ADDRESS_DEFAULTS))).id
    assert await notices_of(lambda u: C.approve_address(u, a, expected_version=None)) == []
    assert await notices_of(lambda u: C.publish_address(u, a, expected_version=None)) == [
        ("address_published", "Address", a, FIVE_WORKING_DAYS_LATER, False)
    ]
    published = latest[0]
    assert "DX Art.7" in published.legal_basis and ADDRESS_DEFAULTS["address_text"] in published.body
    assert await notices_of(lambda u: C.suspend_address(u, a, reason="消防整改", expected_version=None)) == [
        ("address_suspended", "Address", a, None, False)
    ]
    suspended = latest[0]
    assert "消防整改" in suspended.body and "Reason: 消防整改" in suspended.body_en
    assert await notices_of(lambda u: C.reinstate_address(u, a, expected_version=None)) == [
        ("address_reinstated", "Address", a, None, False)
    ]
    exit_on = dt.date(2025, 12, 31)
    assert await notices_of(
        lambda u: C.begin_address_exit(u, a, planned_exit_on=exit_on, reason="租约到期", expected_version=None)
    ) == [("address_exit", "Address", a, exit_on, False)]
    assert await notices_of(lambda u: C.complete_address_exit(u, a, expected_version=None)) == [
        ("address_exited", "Address", a, None, False)
    ]

    b = (await factories.published_address(on_eve, agency, room="2")).id
    assert await notices_of(lambda u: C.cancel_address(u, b, reason="材料不实", expected_version=None)) == [
        ("address_cancelled", "Address", b, None, False)
    ]
    c = (await run(on_eve, lambda u: C.file_address(u, agency_id=agency, **{**ADDRESS_DEFAULTS, "room": "3"}))).id
    assert await notices_of(lambda u: C.cancel_address(u, c, reason="申请撤回", expected_version=None)) == []

    assert await notices_of(lambda u: C.suspend_agency(u, agency, reason="未报送季度报告", expected_version=None)) == [
        ("agency_suspended", "Agency", agency, None, False)
    ]
    assert await notices_of(lambda u: C.reinstate_agency(u, agency, expected_version=None)) == []
    assert await notices_of(lambda u: C.disqualify_agency(u, agency, reason="连续两年D级", expected_version=None)) == [
        ("agency_disqualified", "Agency", agency, None, False)
    ]
    assert await notices_of(lambda u: C.begin_agency_termination(u, closing, expected_version=None)) == []
    assert await notices_of(lambda u: C.terminate_agency(u, closing, expected_version=None)) == [
        ("agency_terminated", "Agency", closing, None, False)
    ]


async def test_a_deadline_beyond_the_known_calendar_is_marked_estimated(uow, sessionmaker) -> None:
    notice = await run(
        uow,
        lambda u: C.create_notice(
            u,
            kind="other",
            jurisdiction_code="320200",
            title="公示",
            title_en="Notice",
            body="公示期五个工作日。",
            body_en="Five working days.",
            legal_basis="无锡市经营主体集群注册登记管理办法（试行）",
            published_on=dt.date(2035, 1, 2),
            deadline_working_days=5,
        ),
    )
    assert (notice.deadline_on, notice.deadline_estimated) == (dt.date(2035, 1, 9), True)


# --- the change log -------------------------------------------------------------------------------

PERSONAL_FIELDS = {
    column.name
    for table in (AgencyPersonal.__table__, EnterprisePersonal.__table__)
    for column in table.columns
    if not column.foreign_keys
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def assert_public(value: Any) -> None:
    """No personal field name and no personal value anywhere in a projection."""
    forbidden = PERSONAL_FIELDS | {_camel(f) for f in PERSONAL_FIELDS}
    if isinstance(value, dict):
        assert not forbidden & set(value), sorted(forbidden & set(value))
        for v in value.values():
            assert_public(v)
    elif isinstance(value, list):
        for v in value:
            assert_public(v)
    text = json.dumps(value, ensure_ascii=False)
    assert not list(find_personal_data(text)), text
    assert not [v for v in PERSONAL_VALUES if v in text], text


async def logged(
    uow: Callable[..., UnitOfWork],
    sessionmaker: Sessionmaker,
    fn: Callable[[UnitOfWork], Awaitable[Any]],
    expected: list[tuple[str, str]],
) -> Any:
    """Run one command and check its change-log rows: contiguous seqs, one row per changed entity of
    the expected kinds and types, each with the entity's current public projection."""
    before = await max_seq(sessionmaker)
    result = await run(uow, fn)
    async with sessionmaker() as s:
        rows = list(
            (await s.execute(select(ChangeLogEntry).where(ChangeLogEntry.seq > before).order_by(ChangeLogEntry.seq)))
            .scalars()
            .all()
        )
        assert [r.seq for r in rows] == list(range(before + 1, before + 1 + len(rows)))
        assert sorted((r.entity_kind, r.type) for r in rows) == sorted(expected)
        assert len({(r.entity_kind, r.entity_id) for r in rows}) == len(rows), "an entity was logged twice"
        for row in rows:
            entity = await s.get(MODELS[row.entity_kind], int_pk(row.entity_id, row.entity_kind))
            kind, gid, jurisdiction, projection = projection_of(entity)
            assert (row.entity_kind, row.entity_id, row.jurisdiction_code) == (kind, gid, jurisdiction)
            assert row.projection == projection, row.type
            assert row.actor == "system" and row.changed_fields and row.occurred_at.tzinfo is not None
            assert_public(row.projection)
    return result


async def test_every_change_writes_one_log_row_per_changed_entity(uow, sessionmaker) -> None:
    A, D, E, N = "Agency", "Address", "Enterprise", "Notice"
    person = EnterprisePersonalInput("李四", ID_NUMBER, "张三", "13900139000", "赵六", "13800138000")

    def log(fn: Callable[[UnitOfWork], Awaitable[Any]], *expected: tuple[str, str]) -> Awaitable[Any]:
        return logged(uow, sessionmaker, fn, list(expected))

    agency = await log(
        lambda u: C.register_agency(
            u,
            **{**factories.AGENCY_DEFAULTS, "uscc": factories.make_uscc()},
            personal=AgencyPersonalInput("王五", ID_NUMBER, "赵六", "13800138000"),
        ),
        (A, "agency.registered"),
    )
    g = agency.id
    address = await log(lambda u: C.file_address(u, agency_id=g, **ADDRESS_DEFAULTS), (D, "address.filed"))
    a = address.id
    await log(lambda u: C.approve_address(u, a, expected_version=None), (D, "address.approved"))
    await log(
        lambda u: C.publish_address(u, a, expected_version=None), (D, "address.published"), (N, "notice.published")
    )
    registration = {**factories.ENTERPRISE_DEFAULTS, "address_id": a, "personal": person}
    e = (
        await log(
            lambda u: C.register_enterprise(u, **registration, uscc=factories.make_uscc()),
            (E, "enterprise.registered"),
            (D, "address.occupancy_changed"),
        )
    ).id
    await log(lambda u: C.record_annual_report(u, e, year=2025), (E, "enterprise.annual_report_recorded"))
    await log(lambda u: C.record_tax_filing(u, e, filed_on=dt.date(2026, 2, 1)), (E, "enterprise.tax_filing_recorded"))
    await log(lambda u: C.record_finding(u, e, kind="complaint"), (E, "enterprise.complaint_recorded"))
    await log(
        lambda u: C.list_abnormal(u, e, reason="uncontactable", expected_version=None),
        (E, "enterprise.abnormal_listed"),
    )
    await log(lambda u: C.remove_abnormal(u, e, expected_version=None), (E, "enterprise.abnormal_removed"))
    await log(
        lambda u: C.record_contact_log(u, g, e, contacted_on=dt.date(2026, 2, 27), method="phone", reached=True),
        (A, "agency.contact_log_recorded"),
    )
    await log(lambda u: C.record_quarterly_report(u, g, year=2025, quarter=4), (A, "agency.quarterly_report_recorded"))
    await log(
        lambda u: C.record_credit_fact(
            u, g, CreditFactInput("legal_representative", "dishonest_debtor", dt.date(2024, 5, 1))
        ),
        (A, "agency.credit_fact_recorded"),
    )
    await log(
        lambda u: C.suspend_address(u, a, reason="整改", expected_version=None),
        (D, "address.suspended"),
        (N, "notice.published"),
    )
    await log(
        lambda u: C.reinstate_address(u, a, expected_version=None), (D, "address.reinstated"), (N, "notice.published")
    )
    second = (
        await log(
            lambda u: C.register_enterprise(u, **registration, uscc=factories.make_uscc()),
            (E, "enterprise.registered"),
            (D, "address.occupancy_changed"),
        )
    ).id
    await log(
        lambda u: C.deregister_enterprise(u, second, expected_version=None),
        (E, "enterprise.deregistered"),
        (D, "address.occupancy_changed"),
    )
    await log(
        lambda u: C.move_out_enterprise(u, e, expected_version=None),
        (E, "enterprise.moved_out"),
        (D, "address.occupancy_changed"),
    )
    await log(lambda u: C.deregister_enterprise(u, e, expected_version=None), (E, "enterprise.deregistered"))
    await log(
        lambda u: C.begin_address_exit(u, a, planned_exit_on=LATER, reason="到期", expected_version=None),
        (D, "address.exit_started"),
        (N, "notice.published"),
    )
    await log(
        lambda u: C.complete_address_exit(u, a, expected_version=None), (D, "address.exited"), (N, "notice.published")
    )
    notice = await log(
        lambda u: C.create_notice(
            u,
            kind="supervision",
            jurisdiction_code="110115",
            title="抽查结果",
            title_en="Inspection results",
            body="抽查未发现问题。",
            body_en="No problems found.",
            legal_basis="大兴区集群登记管理措施",
            deadline_working_days=5,
        ),
        (N, "notice.published"),
    )
    await log(
        lambda u: C.withdraw_notice(u, notice.id, reason="重复发布", expected_version=None), (N, "notice.withdrawn")
    )
    other = (await factories.published_address(uow, g, room="8")).id
    await log(
        lambda u: C.cancel_address(u, other, reason="撤回", expected_version=None),
        (D, "address.cancelled"),
        (N, "notice.published"),
    )
    await log(
        lambda u: C.suspend_agency(u, g, reason="整改", expected_version=None),
        (A, "agency.suspended"),
        (N, "notice.published"),
    )
    await log(lambda u: C.reinstate_agency(u, g, expected_version=None), (A, "agency.reinstated"))
    await log(lambda u: C.begin_agency_termination(u, g, expected_version=None), (A, "agency.termination_started"))
    await log(
        lambda u: C.terminate_agency(u, g, expected_version=None), (A, "agency.terminated"), (N, "notice.published")
    )
    rogue = (await factories.agency(uow)).id
    await log(
        lambda u: C.disqualify_agency(u, rogue, reason="严重违规", expected_version=None),
        (A, "agency.disqualified"),
        (N, "notice.published"),
    )

    async with sessionmaker() as s:
        rows = (await s.execute(select(ChangeLogEntry).order_by(ChangeLogEntry.seq))).scalars().all()
        counter = (await s.execute(select(func.max(ChangeLogEntry.seq)))).scalar_one()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1)) and counter == len(rows)
    for row in rows:
        assert_public(row.projection)
