"""The dated events of agencies, addresses and notices, run through the domain commands in date order,
each in its own unit of work "as of" its day: so every notice the lifecycles require is created by the
command that requires it.

:func:`founding` registers the agencies and files, approves and publishes the addresses (before any
enterprise arrives); :func:`later_events` then suspends, reinstates, cancels and exits what the plan
says, records credit facts and Wuxi quarterly reports, announces abnormal listings and withdraws a few
notices.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from demo.enterprises import Quarter, QuarterCounts, Tally, next_quarter, quarter_bounds, quarter_of
from demo.plan import TODAY, AddressPlan, AgencyPlan, Ids, Plan, day_between
from domain import commands
from domain.actor import Actor
from domain.commands.lifecycle_notices import lifecycle_notice
from domain.enums import NoticeKind
from domain.model import Address, Notice
from domain.parameters import PARAMETERS
from domain.unit_of_work import UnitOfWork
from domain.workdays import add_working_days

Action = Callable[[UnitOfWork], Awaitable[None]]

_AGENCY_REASONS = {
    ("DX", "suspended"): "托管机构未尽职履行托管义务，入驻经营主体失联较多（DX Art.13(7)）",
    ("DX", "disqualified"): "入驻经营主体提交虚假材料取得登记，情节严重（DX Art.13(3)）",
    ("TZ", "reinstated"): "入驻经营主体年报率低于95%，经约谈限期改正后效果不明显（TZ §五(三)8(4)）",
    ("WX", "suspended"): "未按规定履行托管职责，无法联系的经营主体比例较高（WX Art.26(2)(3)）",
}
_SUSPENSIONS = {
    "DX": (
        "经有关部门界定存在重大安全隐患（DX Art.13(1)）",
        "存在异常投诉举报，相关部门认定需采取措施（DX Art.13(2)）",
    ),
    "TZ": (
        "入驻经营主体年报率低于95%，整改效果不明显（TZ §五(三)8(4)）",
        "入驻经营主体失联被列入经营异常名录，整改效果不明显（TZ §五(三)8(3)）",
    ),
    "WX": ("场所存在消防安全隐患，暂停办理集群注册登记（WX Art.27）", "托管机构未按规定履行托管职责（WX Art.26(2)）"),
}
_CANCELLATIONS = {
    "DX": ("托管机构已不具备申请条件（DX Art.13(7)）", "场所拆除改建，不再具备登记条件（DX Art.5(1)）"),
    "TZ": ("经约谈拒不改正，取消该集群注册地址（TZ §五(三)8）", "场所改变用途，不再具备登记条件（TZ §五(一)2）"),
    "WX": ("场所租赁合同提前解除，不再具备登记条件（WX Art.8(3)）", "场所改建，不再具备集中办公条件（WX Art.8(2)）"),
}
_BECAUSE_OF_AGENCY = {
    "disqualified": "托管机构被取消集群登记资格（DX Art.13）",
    "terminated": "托管机构终止集群注册托管服务（WX Art.12）",
}
_EXITS = ("场地租赁到期不再续租", "园区整体改造升级", "托管机构调整经营场所")
_REGION = {"DX": "110115", "TZ": "110112", "WX": "320200"}
_ABNORMAL_BASIS = {
    "DX": "《企业信息公示暂行条例》第十七条 (Interim Regulations on Enterprise Information Publicity Art.17)",
    "TZ": "《企业信息公示暂行条例》第十七条；TZ §五(三)9(2)",
    "WX": "《企业信息公示暂行条例》第十七条；无锡市经营主体集群注册登记管理办法（试行）第二十七条 (WX Art.27)",
}
_REGULATOR = {"DX": "大兴区市场监督管理局", "TZ": "通州区市场监督管理局", "WX": "无锡市市场监督管理局"}


@dataclass(frozen=True)
class Event:
    on: dt.date
    order: int  # same-day tie-break: registrations before filings before approvals ...
    key: int
    action: Action


async def run(
    sessionmaker: async_sessionmaker[AsyncSession],
    actor: Actor,
    events: list[Event],
    progress: Callable[[int], None] = lambda n: None,
) -> None:
    for event in sorted(events, key=lambda e: (e.on, e.order, e.key)):
        async with UnitOfWork(sessionmaker, actor, today=event.on) as uow:
            await event.action(uow)
            await uow.commit()
        progress(1)


def founding(plan: Plan, ids: Ids) -> list[Event]:
    events = [Event(a.registered_on, 0, a.index, _register(a, ids)) for a in plan.agencies]
    for a in plan.addresses:
        events.append(Event(a.filed_on, 1, a.index, _file(plan, a, ids)))
        if a.approved_on:
            events.append(Event(a.approved_on, 2, a.index, _approve(a, ids)))
        if a.published_on:
            events.append(Event(a.published_on, 3, a.index, _publish(a, ids)))
    return events


def _register(a: AgencyPlan, ids: Ids) -> Action:
    async def act(uow: UnitOfWork) -> None:
        agency = await commands.register_agency(
            uow,
            uscc=a.uscc,
            name=a.name,
            role=a.role,
            kind=a.kind,
            jurisdiction_code=a.jurisdiction_code,
            established_on=a.established_on,
            tenure=a.tenure,
            lease_end=a.lease_end,
            owner_consent=a.owner_consent,
            personal=a.personal,
            credit_facts=a.credit_facts,
        )
        ids.agencies[a.index] = agency.id

    return act


def _file(plan: Plan, a: AddressPlan, ids: Ids) -> Action:
    async def act(uow: UnitOfWork) -> None:
        p = a.premises
        address = await commands.file_address(
            uow,
            agency_id=ids.agencies[a.agency],
            host_unit_id=ids.agencies[a.host_unit] if a.host_unit is not None else None,
            jurisdiction_code=a.jurisdiction_code,
            kind=a.kind,
            address_text=p.address_text,
            building=p.building,
            room=p.room,
            latitude=p.latitude,
            longitude=p.longitude,
            premises_basis=a.premises_basis,
            tenure=a.tenure,
            residential=False,
            planning_approved=True,
            lawful_and_safe=True,
            standardised=True,
            lease_end=a.lease_end,
            owner_consent=a.owner_consent,
            floor_area_m2=a.floor_area_m2,
            capacity=a.capacity,
            key_industries=a.key_industries,
        )
        ids.addresses[a.index] = address.id

    return act


def _approve(a: AddressPlan, ids: Ids) -> Action:
    async def act(uow: UnitOfWork) -> None:
        await commands.approve_address(uow, ids.addresses[a.index], expected_version=None)

    return act


def _publish(a: AddressPlan, ids: Ids) -> Action:
    async def act(uow: UnitOfWork) -> None:
        await commands.publish_address(uow, ids.addresses[a.index], expected_version=None)

    return act


async def later_events(
    sessionmaker: async_sessionmaker[AsyncSession], plan: Plan, ids: Ids, tally: Tally
) -> list[Event]:
    rng = random.Random(f"{plan.seed}/history")
    events: list[Event] = []
    for agency in plan.agencies:
        events += _agency_events(rng, plan, agency, ids)
    for address in plan.addresses:
        events += _address_events(rng, address, plan.agencies[address.agency], ids)
    events += _abnormal_announcements(tally)
    events += _quarterly_reports(rng, plan, ids, tally)
    events += await _withdrawals(rng, sessionmaker, plan)
    return events


def _agency_events(rng: random.Random, plan: Plan, a: AgencyPlan, ids: Ids) -> Iterator[Event]:
    agency_id = ids.agencies[a.index]
    if a.later_credit_fact:
        fact = a.later_credit_fact
        yield Event(
            fact.listed_on + dt.timedelta(days=rng.randint(5, 15)),
            4,
            a.index,
            _call(commands.record_credit_fact, agency_id, fact),
        )
    if a.fate is None or a.fate_on is None:
        return
    reason = _AGENCY_REASONS.get((a.pack, a.fate), "")
    if a.fate in ("suspended", "reinstated"):
        yield Event(
            a.fate_on, 5, a.index, _call(commands.suspend_agency, agency_id, reason=reason, expected_version=None)
        )
    if a.fate == "reinstated" and a.reinstated_on:
        yield Event(a.reinstated_on, 5, a.index, _call(commands.reinstate_agency, agency_id, expected_version=None))
    if a.fate == "disqualified":
        yield Event(
            a.fate_on, 5, a.index, _call(commands.disqualify_agency, agency_id, reason=reason, expected_version=None)
        )
    if a.fate == "terminated":
        yield Event(a.fate_on, 5, a.index, _call(commands.begin_agency_termination, agency_id, expected_version=None))
        exits = [d.planned_exit_on for d in plan.addresses if d.agency == a.index and d.planned_exit_on]
        ends = max(exits, default=a.fate_on) + dt.timedelta(days=5)
        yield Event(ends, 9, a.index, _call(commands.terminate_agency, agency_id, expected_version=None))


def _call(command: Callable[..., Awaitable[object]], *args: object, **kwargs: object) -> Action:
    async def act(uow: UnitOfWork) -> None:
        await command(uow, *args, **kwargs)

    return act


def _address_events(rng: random.Random, a: AddressPlan, agency: AgencyPlan, ids: Ids) -> Iterator[Event]:
    if a.fate_on is None:
        return
    address_id = ids.addresses[a.index]
    pack = a.pack
    because_of_agency = _BECAUSE_OF_AGENCY.get(agency.fate or "")
    if a.fate == "rejected":
        reason = "申请材料不符合要求，不予备案"
        yield Event(
            a.fate_on, 6, a.index, _call(commands.cancel_address, address_id, reason=reason, expected_version=None)
        )
    elif a.fate in ("suspended", "reinstated"):
        reason = rng.choice(_SUSPENSIONS[pack])
        yield Event(
            a.fate_on, 6, a.index, _call(commands.suspend_address, address_id, reason=reason, expected_version=None)
        )
        if a.reinstated_on:
            yield Event(
                a.reinstated_on, 6, a.index, _call(commands.reinstate_address, address_id, expected_version=None)
            )
    elif a.fate == "cancelled":
        reason = because_of_agency or rng.choice(_CANCELLATIONS[pack])
        yield Event(
            a.fate_on, 6, a.index, _call(commands.cancel_address, address_id, reason=reason, expected_version=None)
        )
    elif a.fate in ("exiting", "exited") and a.planned_exit_on:
        planned = a.planned_exit_on
        reason = because_of_agency or rng.choice(_EXITS)
        yield Event(
            a.fate_on,
            6,
            a.index,
            _call(
                commands.begin_address_exit, address_id, planned_exit_on=planned, reason=reason, expected_version=None
            ),
        )
        if a.fate == "exited":
            yield Event(planned, 7, a.index, _call(commands.complete_address_exit, address_id, expected_version=None))


def _abnormal_announcements(tally: Tally) -> Iterator[Event]:
    """The regulator's yearly announcement of enterprises listed for a missing annual report."""
    for n, ((pack, year), count) in enumerate(sorted(tally.abnormal_listed.items())):
        report = year - 1
        yield Event(
            dt.date(year, 7, 20),
            8,
            n,
            _call(
                commands.create_notice,
                kind=NoticeKind.ABNORMAL_LIST,
                jurisdiction_code=_REGION[pack],
                title=f"关于将未按规定报送{report}年度报告的集群注册经营主体列入经营异常名录的公告",
                title_en=f"Enterprises listed as abnormal for not filing their {report} annual report",
                body=f"{_REGULATOR[pack]}依法将{count}户未按规定期限报送{report}年度报告的集群注册经营主体"
                "列入经营异常名录。补报年度报告并公示后，可申请移出。",
                body_en=f"{count} cluster-registered enterprises that did not file their {report} annual report by "
                "30 June have been put on the list of abnormal operations. They may apply for removal once they "
                "file and publish the report.",
                legal_basis=_ABNORMAL_BASIS[pack],
            ),
        )


def _quarterly_reports(rng: random.Random, plan: Plan, ids: Ids, tally: Tally) -> Iterator[Event]:
    """WX Art.15: a written report within 10 working days after each quarter; most agencies are on time."""
    last_quarter = quarter_of(dt.date(TODAY.year, 1, 1) - dt.timedelta(days=1))
    for a in plan.agencies:
        if a.pack != "WX":
            continue
        quarter = next_quarter(quarter_of(a.registered_on))
        hosted = _hosted_before(tally, a.index, quarter)
        while quarter <= last_quarter:
            end = quarter_bounds(quarter)[1]
            if a.fate_on is not None and a.fate_on <= end:
                break
            counts = tally.quarters.get((a.index, quarter), QuarterCounts())
            hosted += counts.registered - counts.left
            submitted = _submission(rng, a.quality, end)
            if submitted is not None and submitted < TODAY:
                yield _quarterly_event(ids.agencies[a.index], a.index, quarter, submitted, hosted, counts)
            quarter = next_quarter(quarter)


def _hosted_before(tally: Tally, agency: int, quarter: Quarter) -> int:
    return sum(c.registered - c.left for (a, q), c in tally.quarters.items() if a == agency and q < quarter)


def _submission(rng: random.Random, quality: str, quarter_end: dt.date) -> dt.date | None:
    deadline = add_working_days(quarter_end, 10, PARAMETERS.working_day_overrides).date
    on_time, late = {"good": (0.97, 0.03), "fair": (0.85, 0.10), "poor": (0.55, 0.25), "failing": (0.4, 0.3)}[quality]
    u = rng.random()
    if u < on_time:
        return day_between(rng, quarter_end + dt.timedelta(days=3), deadline)
    if u < on_time + late:
        return deadline + dt.timedelta(days=rng.randint(1, 25))
    return None


def _quarterly_event(
    agency_id: int, index: int, quarter: Quarter, submitted: dt.date, hosted: int, counts: QuarterCounts
) -> Event:
    year, q = quarter
    summary = (
        f"{year}年第{q}季度托管情况：期末托管经营主体{hosted}户，本季度新入驻{counts.registered}户、迁出或注销{counts.left}户；"
        f"按季联系{counts.contacted}户，未能取得联系{counts.unreached}户。"
    )

    async def act(uow: UnitOfWork) -> None:
        await commands.record_quarterly_report(
            uow, agency_id, year=year, quarter=q, submitted_on=submitted, summary=summary
        )

    return Event(submitted, 4, index, act)


async def _withdrawals(rng: random.Random, sessionmaker: async_sessionmaker[AsyncSession], plan: Plan) -> list[Event]:
    """A few publication notices withdrawn for a wrong detail and published again, corrected."""
    async with sessionmaker() as session:
        notices = (
            await session.execute(
                select(Notice.id, func.coalesce(Notice.subject_id, 0), Notice.published_on)
                .where(Notice.kind == NoticeKind.ADDRESS_PUBLISHED)
                .order_by(Notice.id)
            )
        ).all()
    if len(notices) < 10:
        return []
    chosen = rng.sample(notices, max(1, round(0.01 * len(notices))))
    events = []
    for notice_id, address_id, published_on in sorted(chosen):
        on = min(published_on + dt.timedelta(days=rng.randint(1, 3)), TODAY - dt.timedelta(days=1))
        events.append(Event(on, 3, notice_id, _correction(notice_id, address_id)))
    return events


def _correction(notice_id: int, address_id: int) -> Action:
    async def act(uow: UnitOfWork) -> None:
        await commands.withdraw_notice(
            uow,
            notice_id,
            reason="公示信息中门牌号有误，已更正并重新公示 (wrong house number; corrected and published again)",
            expected_version=None,
        )
        address = await uow.session.get(Address, address_id)
        assert address is not None
        await lifecycle_notice(uow, NoticeKind.ADDRESS_PUBLISHED, address, None)

    return act
