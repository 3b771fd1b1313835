"""The plan of agencies and addresses: who registers when, which premises they file, and what becomes of
them (suspension, reinstatement, cancellation, exit), all decided up front from the seed.

The plan is small (it grows with the number of addresses, never with enterprises) and is the same
whichever path writes the data, so the command path and the bulk path produce the same rows. Dates run
up to the fixed demo day, so every command is issued "as of" the day its event happened.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from demo import names, people, places
from demo.catalogue import ADDRESS_KEY_INDUSTRIES, weighted
from demo.identifiers import uscc
from domain.commands.agencies import AgencyPersonalInput, CreditFactInput

TODAY = dt.date(2026, 3, 2)
WX_IN_FORCE = dt.date(2024, 7, 19)  # WX Art.32

BASE_AGENCIES = {"DX": 18, "TZ_HOST": 10, "TZ_OPERATOR": 6, "WX": 26}
BASE_ADDRESSES = {"DX": 130, "TZ": 110, "WX": 160}
BASE_ENTERPRISES = 20_000

_AGENCY_KINDS: dict[str, dict[str, float]] = {
    "DX": {"incubator": 4, "maker_space": 4, "park_operator": 5, "business_secretary": 3, "other_enterprise": 1},
    "TZ_OPERATOR": {"other_enterprise": 3, "park_operator": 3, "business_secretary": 2, "maker_space": 1},
    "WX": {
        "incubator": 4,
        "maker_space": 4,
        "park_operator": 5,
        "business_secretary": 6,
        "bookkeeping_agency": 3,
        "accounting_firm": 2,
        "law_firm": 1.5,
        "tax_agent_firm": 1,
    },
}
# Agencies that run premises (parks, incubators) file more addresses than service firms do.
_ADDRESS_SHARE = {"park_operator": 3, "incubator": 2.5, "maker_space": 2, "township_government": 2, "park_committee": 3}
_REGISTRATION_PERIODS = {
    "DX": (dt.date(2020, 1, 6), dt.date(2024, 9, 30)),
    "TZ_HOST": (dt.date(2021, 3, 1), dt.date(2022, 6, 30)),
    "TZ_OPERATOR": (dt.date(2021, 6, 1), dt.date(2024, 6, 28)),
    "WX": (dt.date(2024, 7, 22), dt.date(2025, 8, 29)),
}
_QUALITY: dict[str, float] = {"good": 80, "fair": 12, "poor": 8}

# Share of addresses given each fate (at least one each once there are enough addresses).
ADDRESS_FATES = {
    "pending_applied": 0.015,
    "pending_filed": 0.015,
    "rejected": 0.005,
    "suspended": 0.02,
    "reinstated": 0.015,
    "cancelled": 0.015,
    "exiting": 0.01,
    "exited": 0.01,
}
_MIN_ADDRESSES_FOR_EVERY_FATE = 15

_OLD_CREDIT_NOTES = {
    "abnormal_list": "因未按时报送年度报告被列入经营异常名录，补报后已移出",
    "dishonest_debtor": "曾被列为失信被执行人，已履行完毕并移出",
}


@dataclass
class AgencyPlan:
    index: int
    group: str  # DX, TZ_HOST, TZ_OPERATOR, WX
    district: places.District
    role: str
    kind: str
    uscc: str
    name: str
    registered_on: dt.date
    established_on: dt.date
    tenure: str
    lease_end: dt.date | None
    owner_consent: bool | None
    personal: AgencyPersonalInput
    credit_facts: tuple[CreditFactInput, ...]
    quality: str
    host_unit: int | None = None  # Tongzhou operators work under one host unit
    fate: str | None = None  # suspended | reinstated | disqualified | terminated
    fate_on: dt.date | None = None
    reinstated_on: dt.date | None = None
    terminated_on: dt.date | None = None
    later_credit_fact: CreditFactInput | None = None

    @property
    def pack(self) -> str:
        return self.group[:2]

    @property
    def jurisdiction_code(self) -> str:
        return self.district.code


@dataclass
class AddressPlan:
    index: int
    agency: int
    host_unit: int | None
    district: places.District
    kind: str
    premises: places.Premises
    premises_basis: str
    tenure: str
    lease_end: dt.date | None
    owner_consent: bool | None
    floor_area_m2: float
    capacity: int
    key_industries: tuple[str, ...]
    fate: str = "open"
    filed_on: dt.date = TODAY
    approved_on: dt.date | None = None
    published_on: dt.date | None = None
    fate_on: dt.date | None = None  # suspended, cancelled, exit notice
    reinstated_on: dt.date | None = None
    planned_exit_on: dt.date | None = None
    windows: list[tuple[dt.date, dt.date]] = field(default_factory=list)  # when enterprises may register
    leave_all_between: tuple[dt.date, dt.date] | None = None  # every enterprise must leave (exit)
    leave_some_between: tuple[dt.date, dt.date, float] | None = None  # a share leaves (cancelled, exiting)
    enterprises: int = 0
    first_ordinal: int = 0

    @property
    def pack(self) -> str:
        return "DX" if self.district.code == "110115" else "TZ" if self.district.code == "110112" else "WX"

    @property
    def jurisdiction_code(self) -> str:
        return self.district.code


@dataclass
class Ids:
    """Database ids of what the plan names by position, filled in as the commands create them."""

    agencies: dict[int, int] = field(default_factory=dict)
    addresses: dict[int, int] = field(default_factory=dict)


@dataclass
class Plan:
    seed: int
    scale: float
    people: people.People
    agencies: list[AgencyPlan]
    addresses: list[AddressPlan]

    @property
    def enterprise_count(self) -> int:
        return sum(a.enterprises for a in self.addresses)


def day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day in ``[start, end]`` (``start`` when the range is empty)."""
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def scaled(base: int, scale: float) -> int:
    return max(1, round(base * scale))


def make_plan(seed: int, scale: float) -> Plan:
    who = people.People(seed)
    agencies = _agencies(random.Random(f"{seed}/agencies"), who, scale)
    _agency_fates(random.Random(f"{seed}/agency-fates"), agencies)
    addresses = _addresses(random.Random(f"{seed}/addresses"), agencies, scale)
    _address_timelines(random.Random(f"{seed}/address-fates"), agencies, addresses)
    _enterprise_counts(random.Random(f"{seed}/occupancy"), addresses, round(BASE_ENTERPRISES * scale))
    return Plan(seed, scale, who, agencies, addresses)


def _agencies(rng: random.Random, who: people.People, scale: float) -> list[AgencyPlan]:
    groups: list[tuple[str, places.District]] = []
    groups += [("DX", places.DAXING)] * scaled(BASE_AGENCIES["DX"], scale)
    hosts = min(scaled(BASE_AGENCIES["TZ_HOST"], scale), len(names.TONGZHOU_HOST_UNITS))
    groups += [("TZ_HOST", places.TONGZHOU)] * hosts
    groups += [("TZ_OPERATOR", places.TONGZHOU)] * scaled(BASE_AGENCIES["TZ_OPERATOR"], scale)
    groups += [("WX", places.WUXI[i % len(places.WUXI)]) for i in range(scaled(BASE_AGENCIES["WX"], scale))]
    agencies: list[AgencyPlan] = []
    host_indices: list[int] = []
    for index, (group, district) in enumerate(groups):
        start, end = _REGISTRATION_PERIODS[group]
        registered = day_between(rng, start, end)
        if group == "TZ_HOST":
            kind, name = names.TONGZHOU_HOST_UNITS[len(host_indices)]
            role, department, tenure = "host_unit", "11", "owned"
            established = day_between(rng, dt.date(1998, 1, 1), dt.date(2012, 12, 31))
            host_indices.append(index)
        else:
            kind = weighted(rng, _AGENCY_KINDS[group])
            name = names.agency_name(rng, kind, district)
            role = "operator" if group == "TZ_OPERATOR" else "hosting_agency"
            department = "31" if kind == "law_firm" else "91"
            tenure = weighted(rng, {"owned": 40, "leased": 50, "entrusted": 10})
            established = registered - dt.timedelta(days=rng.randint(400, 4000))
        lease_end = _lease_end(rng, group[:2], registered) if tenure != "owned" else None
        representative = who.person(rng)
        liaison_phone = people.landline(rng, district.code) if rng.random() < 0.6 else people.mobile(rng)
        agencies.append(
            AgencyPlan(
                index=index,
                group=group,
                district=district,
                role=role,
                kind=kind,
                uscc=uscc(department, district.code, 500_000_000 + index),
                name=name,
                registered_on=registered,
                established_on=established,
                tenure=tenure,
                lease_end=lease_end,
                owner_consent=True if tenure != "owned" else None,
                personal=AgencyPersonalInput(
                    legal_representative_name=representative.name,
                    legal_representative_id_number=representative.id_number,
                    liaison_name=who.name(rng),
                    liaison_phone=liaison_phone,
                ),
                credit_facts=_old_credit_facts(rng, registered) if group != "TZ_HOST" else (),
                quality=weighted(rng, _QUALITY) if group != "TZ_HOST" else weighted(rng, {"good": 85, "fair": 15}),
            )
        )
    for a in agencies:
        if a.group == "TZ_OPERATOR" and host_indices:
            a.host_unit = host_indices[a.index % len(host_indices)]
            a.registered_on = max(a.registered_on, agencies[a.host_unit].registered_on + dt.timedelta(days=30))
    return agencies


def _lease_end(rng: random.Random, pack: str, start: dt.date) -> dt.date:
    """Leases that satisfy DX Art.4(1) (five years left) and WX Art.8(3) (two years), with some margin."""
    months = rng.randint(66, 144) if pack == "DX" else rng.randint(36, 120)
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    return dt.date(year, month + 1, min(start.day, 28))


def _old_credit_facts(rng: random.Random, registered: dt.date) -> tuple[CreditFactInput, ...]:
    """A listing long since removed, well before the DX (3 years) and WX (2 years) windows."""
    if rng.random() >= 0.12:
        return ()
    kind = rng.choice(tuple(_OLD_CREDIT_NOTES))
    listed = registered - dt.timedelta(days=rng.randint(5 * 365, 9 * 365))
    removed = listed + dt.timedelta(days=rng.randint(60, 400))
    subject = rng.choice(("agency", "legal_representative"))
    return (CreditFactInput(subject, kind, listed, removed, _OLD_CREDIT_NOTES[kind]),)


def _agency_fates(rng: random.Random, agencies: list[AgencyPlan]) -> None:
    def assign(group: str, fate: str, share: float, earliest: dt.date, latest: dt.date) -> None:
        """Agencies with a record of trouble, long enough in service, come to this fate; their enterprises
        fare worse (lost contact, missing reports), which is what brought it about."""
        members = [a for a in agencies if a.group == group]
        if len(members) < 4:
            return
        settled = latest - dt.timedelta(days=200)
        pool = [a for a in members if a.fate is None and a.registered_on < settled]
        pool.sort(key=lambda a: ({"poor": 0, "fair": 1, "good": 2}[a.quality], rng.random()))
        for a in pool[: max(1, round(share * len(members)))]:
            a.fate = fate
            if fate != "terminated":  # ending service is the agency's own choice, not a sanction
                a.quality = "failing" if fate in ("suspended", "disqualified") else "poor"
            a.fate_on = day_between(rng, max(earliest, a.registered_on + dt.timedelta(days=200)), latest)

    today = TODAY
    assign("DX", "suspended", 0.06, today - dt.timedelta(days=200), today - dt.timedelta(days=20))
    assign("DX", "disqualified", 0.04, today - dt.timedelta(days=300), today - dt.timedelta(days=60))
    assign("TZ_OPERATOR", "reinstated", 0.17, today - dt.timedelta(days=400), today - dt.timedelta(days=150))
    assign("WX", "suspended", 0.04, today - dt.timedelta(days=150), today - dt.timedelta(days=20))
    assign("WX", "terminated", 0.04, dt.date(2025, 3, 1), today - dt.timedelta(days=150))
    for a in agencies:
        if a.fate == "reinstated" and a.fate_on:
            a.reinstated_on = a.fate_on + dt.timedelta(days=rng.randint(45, 120))
        if a.fate in ("suspended", "disqualified") and rng.random() < 0.5 and a.fate_on:
            listed = a.fate_on - dt.timedelta(days=rng.randint(20, 90))
            a.later_credit_fact = CreditFactInput(
                "legal_representative", "dishonest_debtor", listed, None, "法定代表人被列为失信被执行人"
            )


def _addresses(rng: random.Random, agencies: list[AgencyPlan], scale: float) -> list[AddressPlan]:
    owners: list[tuple[int, int | None]] = []  # (filing agency, host unit)
    for pack in ("DX", "WX"):
        members = [a for a in agencies if a.pack == pack]
        owners += [(i, None) for i in _spread(rng, members, scaled(BASE_ADDRESSES[pack], scale))]
    hosts = [a for a in agencies if a.group == "TZ_HOST"]
    operators = [a for a in agencies if a.group == "TZ_OPERATOR"]
    tz_total = scaled(BASE_ADDRESSES["TZ"], scale)
    tz_owners = [(o.index, o.host_unit) for o in operators][:tz_total]
    for host_index in _spread(rng, hosts, tz_total - len(tz_owners)):
        working_here = [o for o in operators if o.host_unit == host_index]
        if working_here and rng.random() < 0.6:
            tz_owners.append((rng.choice(working_here).index, host_index))
        else:
            tz_owners.append((host_index, None))
    owners += tz_owners
    addresses = []
    actual_business_units: set[int] = set()
    for index, (agency_index, host_unit) in enumerate(owners):
        agency = agencies[agency_index]
        unit = host_unit if host_unit is not None else agency_index
        kind = "cluster_registration"
        if agency.pack == "TZ" and unit not in actual_business_units and rng.random() < 0.2:
            kind = "actual_business"  # TZ §五(一)1: one actual-business address per host unit
            actual_business_units.add(unit)
        addresses.append(_address(rng, index, agency, host_unit, kind))
    return addresses


def _spread(rng: random.Random, members: list[AgencyPlan], total: int) -> list[int]:
    """``total`` agency indices: every member once, the rest weighted by how many premises such agencies run."""
    if not members or total <= 0:
        return []
    chosen = list(members[:total])
    weights = [_ADDRESS_SHARE.get(m.kind, 1.0) for m in members]
    chosen += rng.choices(members, weights=weights, k=total - len(chosen))
    return [m.index for m in chosen]


def _address(rng: random.Random, index: int, agency: AgencyPlan, host_unit: int | None, kind: str) -> AddressPlan:
    pack = agency.pack
    district = agency.district
    capacity = int(math.exp(rng.uniform(math.log(25), math.log(180))))
    if pack == "TZ":
        basis = weighted(rng, {"title_deed": 60, "safety_appraisal": 15, "completion_acceptance": 20, "other": 5})
    else:
        basis = weighted(rng, {"title_deed": 80, "completion_acceptance": 15, "other": 5})
    tenure = weighted(rng, {"owned": 35, "leased": 55, "entrusted": 10})
    keys = ADDRESS_KEY_INDUSTRIES[pack]
    key_industries = tuple(sorted({weighted(rng, keys) for _ in range(rng.randint(1, 3))}))
    return AddressPlan(
        index=index,
        agency=agency.index,
        host_unit=host_unit,
        district=district,
        kind=kind,
        premises=places.premises(rng, district),
        premises_basis=basis,
        tenure=tenure,
        lease_end=None,
        owner_consent=True if tenure != "owned" else None,
        floor_area_m2=float(round(capacity * rng.uniform(8, 20))),
        capacity=capacity,
        key_industries=key_industries,
    )


def _address_timelines(rng: random.Random, agencies: list[AgencyPlan], addresses: list[AddressPlan]) -> None:
    """Filing, approval and publication dates, then each address's fate and registration windows. A fate
    goes to the first free address whose agency was registered early enough for it."""
    free = [a for a in addresses if agencies[a.agency].fate is None]
    rng.shuffle(free)
    done: set[int] = set()
    for fate, share in ADDRESS_FATES.items():
        wanted = round(share * len(addresses))
        if len(addresses) >= _MIN_ADDRESSES_FOR_EVERY_FATE:
            wanted = max(1, wanted)
        for a in free:
            if wanted == 0:
                break
            if a.index not in done and _timeline(rng, a, fate, agencies):
                done.add(a.index)
                wanted -= 1
    for a in addresses:
        if a.index not in done:
            _timeline(rng, a, "open", agencies)


def _timeline(rng: random.Random, a: AddressPlan, fate: str, agencies: list[AgencyPlan]) -> bool:
    """Give ``a`` the fate and its dates; False (and ``a`` untouched) when its agency came too late."""
    agency = agencies[a.agency]
    earliest = agency.registered_on + dt.timedelta(days=3)
    if a.host_unit is not None:
        earliest = max(earliest, agencies[a.host_unit].registered_on + dt.timedelta(days=3))
    days = dt.timedelta
    fate_on = reinstated_on = planned_exit_on = None
    if agency.fate in ("disqualified", "terminated") and agency.fate_on:
        fate = "cancelled" if agency.fate == "disqualified" else "exited"
        fate_on = agency.fate_on + days(rng.randint(1, 3))
    elif fate == "suspended":
        fate_on = day_between(rng, TODAY - days(240), TODAY - days(10))
    elif fate == "reinstated":
        fate_on = day_between(rng, TODAY - days(420), TODAY - days(160))
        reinstated_on = fate_on + days(rng.randint(30, 120))
    elif fate == "cancelled":
        fate_on = day_between(rng, TODAY - days(420), TODAY - days(20))
    elif fate == "exiting":
        fate_on = day_between(rng, TODAY - days(40), TODAY - days(5))
        planned_exit_on = day_between(rng, max(fate_on + days(35), TODAY + days(7)), fate_on + days(100))
    elif fate == "exited":
        fate_on = day_between(rng, TODAY - days(330), TODAY - days(120))
    if fate == "exited" and fate_on:
        planned_exit_on = fate_on + days(rng.randint(40, 70))
    if fate in ("pending_applied", "pending_filed", "rejected"):
        _pending(rng, a, fate, earliest)
        return True
    latest = TODAY - days(120)
    if fate_on is not None:
        latest = min(latest, fate_on - days(125))
    if agency.fate_on is not None:
        latest = min(latest, agency.fate_on - days(125))
    if latest < earliest:
        if fate != "open" and agency.fate is None:
            return False
        latest = earliest  # a late agency: filed as soon as it could
    a.fate, a.fate_on, a.reinstated_on, a.planned_exit_on = fate, fate_on, reinstated_on, planned_exit_on
    span = (latest - earliest).days
    a.filed_on = earliest + days(min(rng.randint(0, span), rng.randint(0, span)))  # most early on
    a.approved_on = a.filed_on + days(rng.randint(7, 25))
    a.published_on = a.approved_on + days(rng.randint(1, 6))
    a.lease_end = _lease_end(rng, a.pack, a.filed_on) if a.tenure != "owned" else None
    _windows(a, agency)
    return True


def _pending(rng: random.Random, a: AddressPlan, fate: str, earliest: dt.date) -> None:
    days = dt.timedelta
    a.fate = fate
    if fate == "pending_applied":
        a.filed_on = max(earliest, day_between(rng, TODAY - days(30), TODAY - days(2)))
    elif fate == "pending_filed":
        a.filed_on = max(earliest, day_between(rng, TODAY - days(60), TODAY - days(25)))
        a.approved_on = min(a.filed_on + days(rng.randint(7, 20)), TODAY - days(1))
    else:
        a.filed_on = max(earliest, day_between(rng, TODAY - days(500), TODAY - days(60)))
        a.fate_on = a.filed_on + days(rng.randint(15, 40))
    a.lease_end = _lease_end(rng, a.pack, a.filed_on) if a.tenure != "owned" else None


def _windows(a: AddressPlan, agency: AgencyPlan) -> None:
    """When enterprises could register here, and when those registered had to leave."""
    assert a.published_on is not None
    one = dt.timedelta(days=1)
    end = TODAY - one
    closed = [d for d in (a.fate_on, agency.fate_on) if d is not None]
    windows = [(a.published_on, min([end, *(d - one for d in closed)]))]
    if a.reinstated_on:
        windows.append((a.reinstated_on, end))
    if agency.reinstated_on and agency.fate_on:
        windows.append((agency.reinstated_on, end))
    a.windows = [(s, e) for s, e in windows if s <= e]
    if a.fate == "exited" and a.fate_on and a.planned_exit_on:
        a.leave_all_between = (a.fate_on + one, a.planned_exit_on - one)
    elif a.fate == "cancelled" and a.fate_on:
        a.leave_some_between = (a.fate_on + dt.timedelta(days=5), min(a.fate_on + dt.timedelta(days=150), end), 0.55)
    elif a.fate == "exiting" and a.fate_on:
        a.leave_some_between = (a.fate_on + one, end, 0.35)


def _enterprise_counts(rng: random.Random, addresses: list[AddressPlan], target: int) -> None:
    """How many enterprises each address ever hosts: proportional to its capacity, how full it got and
    how long it was open, never more than its capacity, adding up to ``target`` where room allows."""
    weights = {}
    for a in addresses:
        open_days = sum((e - s).days + 1 for s, e in a.windows)
        if open_days > 0:
            weights[a.index] = a.capacity * rng.uniform(0.45, 0.95) * min(1.0, 0.25 + open_days / 900)
    counts = dict.fromkeys(weights, 0)
    remaining, active = target, set(weights)
    while remaining > 0 and active:
        total = sum(weights[i] for i in active)
        handed = 0
        for i in sorted(active):
            share = max(1, int(remaining * weights[i] / total))
            add = min(share, addresses[i].capacity - counts[i], remaining - handed)
            counts[i] += add
            handed += add
            if counts[i] >= addresses[i].capacity:
                active.discard(i)
            if handed >= remaining:
                break
        remaining -= handed
        if handed == 0:
            break
    ordinal = 0
    for a in addresses:
        a.enterprises = counts.get(a.index, 0)
        a.first_ordinal = ordinal
        ordinal += a.enterprises
