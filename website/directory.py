"""The directory's reads: searching addresses, one address, one agency, as the public sees them.

Every read goes through the anonymous viewer of domain/access.py (``PUBLIC``) and the free-places rule
of domain/capacity.py, so the site shows exactly what an anonymous GraphQL caller or the open data
would; nothing here decides who may see what.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.access import (
    PUBLIC,
    AddressRow,
    AddressTable,
    address_insider,
    address_visible,
    agency_insider,
    jurisdiction_and_below,
)
from domain.capacity import accepting_sql, free_places, free_places_sql
from domain.model import (
    Address,
    AddressKeyIndustry,
    AddressStatusChange,
    Agency,
    Jurisdiction,
    Notice,
    RuleFindingRecord,
    Score,
)
from website.params import positive_int

PAGE_SIZE = 20
GRADES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Search:
    """The directory's filters, as the form sends them; empty means "any"."""

    district: str = ""
    text: str = ""
    industry: str = ""
    agency: str = ""
    grade: str = ""
    open_only: bool = False
    page: int = 1
    ignored: tuple[str, ...] = ()
    """Filters whose value names nothing (an unknown district, grade, ...): dropped, and said so."""


@dataclass
class AddressItem:
    address: Address
    agency: Agency
    jurisdiction: Jurisdiction
    free_places: int


@dataclass
class Results:
    items: list[AddressItem]
    total: int
    page: int
    pages: int


def visible() -> ColumnElement[bool]:
    """The addresses an anonymous visitor sees (domain/access.py)."""
    return address_visible(PUBLIC, AddressTable())


async def _conditions(session: AsyncSession, search: Search) -> list[ColumnElement[bool]]:
    conditions = [visible()]
    if search.district:
        codes = await jurisdiction_and_below(session, [search.district])
        conditions.append(Address.jurisdiction_code.in_(sorted(codes)))
    if search.text:
        conditions.append(
            or_(
                Address.address_text.contains(search.text, autoescape=True),
                Address.building.contains(search.text, autoescape=True),
                Address.code == search.text,
            )
        )
    if search.industry:
        conditions.append(
            exists().where(AddressKeyIndustry.address_id == Address.id, AddressKeyIndustry.industry == search.industry)
        )
    if search.agency:
        chosen = select(Agency.id).where(Agency.uscc == search.agency).scalar_subquery()
        conditions.append(or_(Address.agency_id == chosen, Address.host_unit_id == chosen))
    if search.grade:
        conditions.append(Agency.latest_grade == search.grade)
    if search.open_only:
        conditions.append(accepting_sql())
        conditions.append(free_places_sql() > 0)
    return conditions


async def search_addresses(session: AsyncSession, search: Search, page_size: int = PAGE_SIZE) -> Results:
    """One page of the addresses matching ``search``, in code order, with the total."""
    conditions = await _conditions(session, search)
    base = select(Address, Agency, Jurisdiction).join(Agency, Agency.id == Address.agency_id)
    base = base.join(Jurisdiction, Jurisdiction.code == Address.jurisdiction_code).where(*conditions)
    total = (
        await session.execute(
            select(func.count()).select_from(Address).join(Agency, Agency.id == Address.agency_id).where(*conditions)
        )
    ).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(max(search.page, 1), pages)
    rows = await session.execute(base.order_by(Address.code).limit(page_size).offset((page - 1) * page_size))
    items = [AddressItem(a, g, j, free_places(a.status, a.capacity, a.occupied)) for a, g, j in rows]
    return Results(items, total, page, pages)


async def all_points(session: AsyncSession, search: Search, limit: int) -> list[AddressItem]:
    """The matching addresses that have coordinates, for the map, at most ``limit`` in code order."""
    conditions = await _conditions(session, search)
    rows = await session.execute(
        select(Address, Agency, Jurisdiction)
        .join(Agency, Agency.id == Address.agency_id)
        .join(Jurisdiction, Jurisdiction.code == Address.jurisdiction_code)
        .where(*conditions, Address.latitude.is_not(None), Address.longitude.is_not(None))
        .order_by(Address.code)
        .limit(limit)
    )
    return [AddressItem(a, g, j, free_places(a.status, a.capacity, a.occupied)) for a, g, j in rows]


@dataclass
class Choices:
    """What the search form offers: districts, agencies, key industries."""

    jurisdictions: list[Jurisdiction]
    agencies: list[Agency]


async def choices(session: AsyncSession) -> Choices:
    jurisdictions = list((await session.execute(select(Jurisdiction).order_by(Jurisdiction.code))).scalars())
    agencies = list((await session.execute(select(Agency).order_by(Agency.jurisdiction_code, Agency.uscc))).scalars())
    return Choices(jurisdictions, agencies)


def checked_search(params: dict[str, str], choices: Choices, industries: Sequence[str]) -> Search:
    """The form's values, each checked against what exists; unknown values are dropped and named."""
    ignored: list[str] = []

    def pick(name: str, allowed: set[str]) -> str:
        value = params.get(name, "").strip()
        if value and value not in allowed:
            ignored.append(name)
            return ""
        return value

    district = pick("district", {j.code for j in choices.jurisdictions})
    industry = pick("industry", set(industries))
    agency = pick("agency", {a.uscc for a in choices.agencies})
    grade = pick("grade", set(GRADES))
    raw_page = params.get("page", "").strip()
    page = positive_int(raw_page) or 1
    if raw_page and raw_page != str(page):
        ignored.append("page")
    return Search(
        district=district,
        text=params.get("q", "").strip()[:100],
        industry=industry,
        agency=agency,
        grade=grade,
        open_only=params.get("open", "") in ("1", "on", "true"),
        page=page,
        ignored=tuple(ignored),
    )


@dataclass
class AddressPage:
    item: AddressItem
    host_unit: Agency | None
    industries: list[str]
    history: list[AddressStatusChange]
    notices: list[Notice]
    findings: list[RuleFindingRecord] = field(default_factory=list)
    findings_public: bool = False


async def address_page(session: AsyncSession, code: str) -> AddressPage | None:
    """One address by its code, with its history and notices; None when there is none the public sees."""
    row = (
        await session.execute(
            select(Address, Agency, Jurisdiction)
            .join(Agency, Agency.id == Address.agency_id)
            .join(Jurisdiction, Jurisdiction.code == Address.jurisdiction_code)
            .where(Address.code == code, visible())
        )
    ).first()
    if row is None:
        return None
    a, g, j = row.tuple()
    host = await session.get(Agency, a.host_unit_id) if a.host_unit_id is not None else None
    history = await session.execute(
        select(AddressStatusChange)
        .where(AddressStatusChange.address_id == a.id)
        .order_by(AddressStatusChange.changed_at, AddressStatusChange.id)
    )
    notices = await session.execute(
        select(Notice)
        .where(Notice.subject_kind == "Address", Notice.subject_id == a.id)
        .order_by(Notice.published_on.desc(), Notice.id.desc())
    )
    findings_public = address_insider(PUBLIC, AddressRow(a))
    findings = await _findings(session, "Address", a.id) if findings_public else []
    return AddressPage(
        item=AddressItem(a, g, j, free_places(a.status, a.capacity, a.occupied)),
        host_unit=host,
        industries=[k.industry for k in a.key_industries],
        history=list(history.scalars()),
        notices=list(notices.scalars()),
        findings=findings,
        findings_public=findings_public,
    )


async def _findings(session: AsyncSession, kind: str, subject_id: int) -> list[RuleFindingRecord]:
    rows = await session.execute(
        select(RuleFindingRecord)
        .where(RuleFindingRecord.subject_kind == kind, RuleFindingRecord.subject_id == subject_id)
        .order_by(RuleFindingRecord.id.desc())
    )
    return list(rows.scalars())


@dataclass
class AgencyPage:
    agency: Agency
    jurisdiction: Jurisdiction
    addresses: list[AddressItem]
    notices: list[Notice]
    scores: list[Score]
    findings: list[RuleFindingRecord]
    findings_public: bool


async def agency_page(session: AsyncSession, uscc: str) -> AgencyPage | None:
    """One agency by its unified social credit code (public registration data only)."""
    agency = (await session.execute(select(Agency).where(Agency.uscc == uscc))).scalar_one_or_none()
    if agency is None:
        return None
    jurisdiction = await session.get(Jurisdiction, agency.jurisdiction_code)
    assert jurisdiction is not None  # a foreign key
    host = aliased(Agency)
    rows = await session.execute(
        select(Address, host, Jurisdiction)
        .join(host, host.id == Address.agency_id)
        .join(Jurisdiction, Jurisdiction.code == Address.jurisdiction_code)
        .where(or_(Address.agency_id == agency.id, Address.host_unit_id == agency.id), visible())
        .order_by(Address.code)
    )
    addresses = [AddressItem(a, g, j, free_places(a.status, a.capacity, a.occupied)) for a, g, j in rows]
    notices = await session.execute(
        select(Notice)
        .where(Notice.subject_kind == "Agency", Notice.subject_id == agency.id)
        .order_by(Notice.published_on.desc(), Notice.id.desc())
    )
    scores = await session.execute(
        select(Score)
        .where(Score.subject_kind == "Agency", Score.subject_id == agency.id)
        .order_by(Score.period.desc(), Score.scheme)
    )
    findings_public = agency_insider(PUBLIC, agency.jurisdiction_code, agency.id)
    findings = await _findings(session, "Agency", agency.id) if findings_public else []
    return AgencyPage(
        agency, jurisdiction, addresses, list(notices.scalars()), list(scores.scalars()), findings, findings_public
    )
