"""The enterprises of each address and everything that happens to them, as a stream of operations.

Each address draws its enterprises from its own random stream, so the data do not depend on how the
stream is cut into chunks. An enterprise's life is simulated in date order against the same state
machine the commands enforce (annual reports on time, late or missing and the abnormal listings that
follow, lost contact, false materials, complaints, tax filings, moves and deregistrations, and in Wuxi
the agency's quarterly contacts), and only the operations valid at their date are emitted.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from demo import names, people, places
from demo.catalogue import CLASS_BY_CODE, ENTERPRISE_KINDS, IndustryPicker, weighted
from demo.identifiers import uscc
from demo.plan import TODAY, WX_IN_FORCE, AddressPlan, Plan, day_between
from domain.commands.enterprises import EnterprisePersonalInput

REPORT_YEARS = (2023, 2024, 2025)
CHUNK_ENTERPRISES = 2_000

# Per agency quality: annual-report filing rate, share of late filers, dormancy, lost contact,
# false materials, and how reliably a Wuxi agency makes its quarterly contact (WX Art.13(3)).
_QUALITY = {
    "good": {"file": 0.99, "late": 0.015, "dormant": 0.015, "lost": 0.006, "false": 0.001, "contact": 0.98},
    "fair": {"file": 0.95, "late": 0.05, "dormant": 0.05, "lost": 0.02, "false": 0.004, "contact": 0.85},
    "poor": {"file": 0.85, "late": 0.12, "dormant": 0.10, "lost": 0.05, "false": 0.015, "contact": 0.6},
    "failing": {"file": 0.6, "late": 0.2, "dormant": 0.25, "lost": 0.10, "false": 0.04, "contact": 0.4},
}
_CONTACT_NOTES = {
    "phone": ("电话回访，经营正常", "电话联系，核实联络员信息", "电话提醒按时报送年度报告"),
    "wechat": ("微信联系，已告知最新扶持政策", "微信联系，经营正常"),
    "on_site": ("上门走访，经营正常", "上门走访，提醒及时公示信息变更"),
    "email": ("邮件送达托管服务通知",),
    "sms": ("短信提醒按时报送年度报告",),
}
_UNREACHED_NOTES = ("电话多次未接通", "上门走访未见经营人员", "短信、邮件均未回复")
_COMPLAINTS = ("消费者投诉：服务合同履约纠纷", "消费者投诉：退款纠纷", "举报：实际经营地与登记住所不符")


@dataclass(frozen=True, slots=True)
class Op:
    on: dt.date
    ordinal: int  # the enterprise's position in the plan
    step: int  # its position in that enterprise's life


@dataclass(frozen=True, slots=True)
class EnterpriseSpec:
    ordinal: int
    address: int  # plan index
    uscc: str
    name: str
    kind: str
    industry_code: str
    permit_items: bool
    business_scope: str
    has_branch_with_fixed_premises: bool
    actual_address: str | None
    personal: EnterprisePersonalInput


@dataclass(frozen=True, slots=True)
class Register(Op):
    spec: EnterpriseSpec


@dataclass(frozen=True, slots=True)
class AnnualReport(Op):
    year: int


@dataclass(frozen=True, slots=True)
class TaxFiling(Op):
    pass


@dataclass(frozen=True, slots=True)
class ListAbnormal(Op):
    reason: str


@dataclass(frozen=True, slots=True)
class RemoveAbnormal(Op):
    pass


@dataclass(frozen=True, slots=True)
class Finding(Op):
    kind: str
    description: str


@dataclass(frozen=True, slots=True)
class MoveOut(Op):
    pass


@dataclass(frozen=True, slots=True)
class Deregister(Op):
    pass


@dataclass(frozen=True, slots=True)
class Contact(Op):
    agency: int  # plan index
    method: str
    reached: bool
    note: str


Quarter = tuple[int, int]


@dataclass
class QuarterCounts:
    registered: int = 0
    left: int = 0
    contacted: int = 0
    unreached: int = 0


@dataclass
class Tally:
    """What later notices and reports quote: abnormal listings per pack and year, and per agency and
    quarter the enterprises that came, left, were contacted or could not be reached."""

    abnormal_listed: Counter[tuple[str, int]] = field(default_factory=Counter)
    quarters: dict[tuple[int, Quarter], QuarterCounts] = field(default_factory=dict)

    def quarter(self, agency: int, day: dt.date) -> QuarterCounts:
        return self.quarters.setdefault((agency, quarter_of(day)), QuarterCounts())


def quarter_of(day: dt.date) -> Quarter:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(quarter: Quarter) -> tuple[dt.date, dt.date]:
    year, q = quarter
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return start, end - dt.timedelta(days=1)


def next_quarter(quarter: Quarter) -> Quarter:
    return (quarter[0] + 1, 1) if quarter[1] == 4 else (quarter[0], quarter[1] + 1)


def chunks(plan: Plan, tally: Tally, size: int = CHUNK_ENTERPRISES) -> Iterator[list[Op]]:
    """The operations of whole addresses, about ``size`` enterprises at a time. Each address's operations
    are in date order, so the data are the same however the stream is cut."""
    batch: list[Op] = []
    count = 0
    for enterprises, ops in _addresses(plan, tally):
        batch.extend(ops)
        count += enterprises
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


def _addresses(plan: Plan, tally: Tally) -> Iterator[tuple[int, list[Op]]]:
    pickers = {pack: IndustryPicker(pack) for pack in ("DX", "TZ", "WX")}
    for address in plan.addresses:
        if not address.enterprises:
            continue
        rng = random.Random(f"{plan.seed}/enterprises/{address.index}")
        quality = plan.agencies[address.agency].quality
        ops: list[Op] = []
        for k in range(address.enterprises):
            ops += _life(rng, plan, address, address.first_ordinal + k, pickers[address.pack], quality, tally)
        yield address.enterprises, sorted(ops, key=lambda op: (op.on, op.ordinal, op.step))


def _registration_day(rng: random.Random, windows: list[tuple[dt.date, dt.date]]) -> dt.date:
    lengths = [(end - start).days + 1 for start, end in windows]
    start, end = rng.choices(windows, weights=lengths)[0]
    return day_between(rng, start, end)


def _spec(rng: random.Random, plan: Plan, a: AddressPlan, ordinal: int, picker: IndustryPicker) -> EnterpriseSpec:
    pack, district = a.pack, a.district
    kind = weighted(rng, ENTERPRISE_KINDS[pack])
    # A representative office only liaises for its parent (企业管理咨询).
    industry = CLASS_BY_CODE["7243"] if kind == "foreign_rep_office" else picker.pick(rng, a.key_industries, 0.55)
    p = a.premises
    if a.kind == "actual_business":
        actual: str | None = f"{p.address_text}{p.building}{p.room}"
    else:
        actual = places.street_address(rng, district) if rng.random() < 0.25 else None
    representative = plan.people.person(rng)
    contact = representative.name if rng.random() < 0.6 else plan.people.name(rng)
    with_liaison = pack == "WX" or rng.random() < 0.4
    return EnterpriseSpec(
        ordinal=ordinal,
        address=a.index,
        uscc=uscc("92" if kind == "individual_business" else "91", a.jurisdiction_code, ordinal),
        name=names.enterprise_name(rng, kind, industry, district),
        kind=kind,
        industry_code=industry.code,
        permit_items=industry.permit is not None,
        business_scope=industry.business_scope(),
        has_branch_with_fixed_premises=pack != "WX" and rng.random() < 0.01,
        actual_address=actual,
        personal=EnterprisePersonalInput(
            legal_representative_name=representative.name,
            legal_representative_id_number=representative.id_number,
            contact_person=contact,
            contact_phone=people.mobile(rng),
            liaison_name=plan.people.name(rng) if with_liaison else None,
            liaison_phone=people.mobile(rng) if with_liaison else None,
        ),
    )


@dataclass
class _Event:
    on: dt.date
    priority: int
    make: str
    args: tuple[object, ...] = ()


def _life(
    rng: random.Random,
    plan: Plan,
    a: AddressPlan,
    ordinal: int,
    picker: IndustryPicker,
    quality: str,
    tally: Tally,
) -> list[Op]:
    q = _QUALITY[quality]
    spec = _spec(rng, plan, a, ordinal, picker)
    registered = _registration_day(rng, a.windows)
    last = TODAY - dt.timedelta(days=1)
    days = dt.timedelta
    events: list[_Event] = []

    leave_on, leave_how = _departure(rng, a, registered, last)
    lost_on = None
    if rng.random() < q["lost"] and registered + days(120) <= last - days(15):
        lost_on = day_between(rng, registered + days(120), last - days(15))
    dormant_on = lost_on
    if dormant_on is None and rng.random() < q["dormant"]:
        candidate = registered + days(rng.randint(200, 900))
        dormant_on = candidate if candidate < last - days(60) else None

    for year in REPORT_YEARS:
        if registered.year > year:
            continue
        _annual_report_events(rng, events, year, q, dormant_on, last)
    presence_end = leave_on or TODAY
    tax_until = min(d for d in (dormant_on, leave_on, last) if d is not None)
    tax_on = tax_until - days(rng.randint(5, 80))
    if tax_on > registered:
        events.append(_Event(tax_on, 3, "tax"))
    if lost_on:
        events.append(_Event(lost_on, 4, "finding", ("lost_contact", "通过登记的住所无法联系，托管机构多次联络未果")))
        listed = lost_on + days(rng.randint(3, 20))
        if listed <= last:
            events.append(_Event(listed, 5, "abnormal", ("uncontactable",)))
    if rng.random() < q["false"] and registered + days(30) <= last - days(30):
        found = day_between(rng, registered + days(30), last - days(30))
        events.append(
            _Event(found, 4, "finding", ("false_material", "提交虚假材料取得登记（住所使用证明不实），依法撤销登记"))
        )
        events.append(_Event(min(found + days(rng.randint(20, 90)), last), 9, "deregister"))
    if rng.random() < 0.005 and registered + days(30) <= last:
        complaint = day_between(rng, registered + days(30), last)
        events.append(_Event(complaint, 4, "finding", ("complaint", rng.choice(_COMPLAINTS))))
    if leave_on:
        events.append(_Event(leave_on, 9, leave_how or "move_out"))

    ops: list[Op] = [Register(registered, ordinal, 0, spec)]
    tally.quarter(a.agency, registered).registered += 1
    status, abnormal_year = "active", None
    for e in sorted(events, key=lambda e: (e.on, e.priority)):
        if e.on < registered or e.on > last or status in ("moved_out", "deregistered"):
            continue
        step = len(ops)
        match e.make:
            case "report":
                year = int(e.args[0])  # type: ignore[call-overload]
                ops.append(AnnualReport(e.on, ordinal, step, year))
            case "list_no_report":
                if status == "active":
                    ops.append(ListAbnormal(e.on, ordinal, step, "no_annual_report"))
                    status, abnormal_year = "abnormal", e.args[0]
                    tally.abnormal_listed[(a.pack, e.on.year)] += 1
            case "remove":
                if status == "abnormal" and abnormal_year == e.args[0]:
                    ops.append(RemoveAbnormal(e.on, ordinal, step))
                    status, abnormal_year = "active", None
            case "abnormal":
                if status == "active":
                    ops.append(ListAbnormal(e.on, ordinal, step, str(e.args[0])))
                    status, abnormal_year = "abnormal", None
            case "tax":
                ops.append(TaxFiling(e.on, ordinal, step))
            case "finding":
                ops.append(Finding(e.on, ordinal, step, str(e.args[0]), str(e.args[1])))
            case "move_out" | "deregister":
                ops.append((MoveOut if e.make == "move_out" else Deregister)(e.on, ordinal, step))
                status = "moved_out" if e.make == "move_out" else "deregistered"
                presence_end = e.on
                tally.quarter(a.agency, e.on).left += 1
    if a.pack == "WX":
        ops.extend(_contacts(rng, a, ordinal, registered, presence_end, lost_on, q["contact"], tally, len(ops)))
    return ops


def _annual_report_events(
    rng: random.Random, events: list[_Event], year: int, q: dict[str, float], dormant_on: dt.date | None, last: dt.date
) -> None:
    """The report for ``year``, due 1 January to 30 June of the next year, or the listing that follows
    when it is missing (removed again when it is filed late)."""
    days = dt.timedelta
    window_start = dt.date(year + 1, 1, 5)
    deadline = dt.date(year + 1, 6, 30)
    listed = dt.date(year + 1, 7, 1) + days(rng.randint(0, 14))
    filed_on = window_start + days(int(rng.triangular(0, (deadline - window_start).days, 150)))
    late = rng.random() < q["late"]
    if late:
        filed_on = listed + days(rng.randint(1, 160))
    files = rng.random() < q["file"] and (dormant_on is None or filed_on < dormant_on)
    if not files:
        if listed <= last:
            events.append(_Event(listed, 2, "list_no_report", (year,)))
        return
    if filed_on > last:
        if late and listed <= last:
            events.append(_Event(listed, 2, "list_no_report", (year,)))
        return
    events.append(_Event(filed_on, 1, "report", (year,)))
    if late:
        events.append(_Event(listed, 2, "list_no_report", (year,)))
        removed = filed_on + days(rng.randint(1, 10))
        events.append(_Event(removed, 6, "remove", (year,)))


def _departure(
    rng: random.Random, a: AddressPlan, registered: dt.date, last: dt.date
) -> tuple[dt.date | None, str | None]:
    """When and how the enterprise leaves: all of them before an exit, a share after a cancellation or
    an announced exit, and otherwise the usual few who move away or close."""
    how = "move_out" if rng.random() < 0.7 else "deregister"
    if a.leave_all_between:
        start, end = a.leave_all_between
        return day_between(rng, max(start, registered + dt.timedelta(days=1)), end), how
    if a.leave_some_between and rng.random() < a.leave_some_between[2]:
        start, end, _ = a.leave_some_between
        day = day_between(rng, max(start, registered + dt.timedelta(days=1)), end)
        return (day, how) if day <= last else (None, None)
    u = rng.random()
    if u < 0.105 and registered + dt.timedelta(days=90) <= last:
        day = day_between(rng, registered + dt.timedelta(days=90), last)
        return day, "move_out" if u < 0.06 else "deregister"
    return None, None


def _contacts(
    rng: random.Random,
    a: AddressPlan,
    ordinal: int,
    registered: dt.date,
    presence_end: dt.date,
    lost_on: dt.date | None,
    reliability: float,
    tally: Tally,
    first_step: int,
) -> list[Op]:
    """WX Art.13(3): at least one contact per quarter while the enterprise is hosted."""
    ops: list[Op] = []
    start = max(registered + dt.timedelta(days=1), WX_IN_FORCE)
    end = min(presence_end - dt.timedelta(days=1), TODAY - dt.timedelta(days=1))
    quarter = quarter_of(start)
    while start <= end:
        q_start, q_end = quarter_bounds(quarter)
        lo, hi = max(q_start, start), min(q_end, end)
        if lo <= hi and rng.random() < reliability:
            day = day_between(rng, lo, hi)
            reached = lost_on is None or day < lost_on
            method = weighted(rng, {"phone": 45, "wechat": 30, "on_site": 15, "email": 7, "sms": 3})
            note = rng.choice(_CONTACT_NOTES[method]) if reached else rng.choice(_UNREACHED_NOTES)
            ops.append(Contact(day, ordinal, first_step + len(ops), a.agency, method, reached, note))
            counts = tally.quarter(a.agency, day)
            counts.contacted += reached
            counts.unreached += not reached
        quarter = next_quarter(quarter)
        start = quarter_bounds(quarter)[0]
    return ops
