"""The notices' reads (公示公告): filtering, one notice, and its deadline counted in working days.

Notices are public (domain/access.py); a withdrawn notice stays listed with its reason. The deadline
is stored when the notice is published (domain/commands/notices.py counts it with domain/workdays.py);
the site counts the working days it spans with the same calendar and says whether it is still open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import jurisdiction_and_below
from domain.enums import NoticeStatus
from domain.model import Jurisdiction, Notice
from domain.parameters import PARAMETERS
from domain.workdays import is_working_day
from website.params import positive_int

PAGE_SIZE = 20


@dataclass(frozen=True)
class NoticeSearch:
    kind: str = ""
    jurisdiction: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1
    ignored: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deadline:
    on: dt.date
    working_days: int
    """Working days from the day after publication to the deadline, both counted (工作日)."""
    estimated: bool
    open: bool


def working_days_between(start: dt.date, end: dt.date) -> tuple[int, bool]:
    """Working days after ``start`` up to and including ``end``, and whether any day was estimated."""
    count, estimated, day = 0, False, start
    while day < end:
        day += dt.timedelta(days=1)
        working, guessed = is_working_day(day, PARAMETERS.working_day_overrides)
        count += working
        estimated = estimated or guessed
    return count, estimated


def deadline_of(notice: Notice, today: dt.date) -> Deadline | None:
    """The notice's deadline, its span in working days, and whether objections are still open (a withdrawn
    notice is never open)."""
    if notice.deadline_on is None:
        return None
    days, estimated = working_days_between(notice.published_on, notice.deadline_on)
    still_open = notice.status == NoticeStatus.PUBLISHED and today <= notice.deadline_on
    return Deadline(notice.deadline_on, days, estimated or notice.deadline_estimated, still_open)


def parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def checked_notice_search(params: dict[str, str], kinds: set[str], jurisdictions: set[str]) -> NoticeSearch:
    ignored: list[str] = []
    kind = params.get("kind", "").strip()
    if kind and kind not in kinds:
        ignored.append("kind")
        kind = ""
    jurisdiction = params.get("jurisdiction", "").strip()
    if jurisdiction and jurisdiction not in jurisdictions:
        ignored.append("jurisdiction")
        jurisdiction = ""
    dates: list[dt.date | None] = []
    for name in ("from", "to"):
        raw = params.get(name, "").strip()
        parsed = parse_date(raw) if raw else None
        if raw and parsed is None:
            ignored.append(name)
        dates.append(parsed)
    raw_page = params.get("page", "").strip()
    page = positive_int(raw_page) or 1
    if raw_page and raw_page != str(page):
        ignored.append("page")
    return NoticeSearch(kind, jurisdiction, dates[0], dates[1], page, tuple(ignored))


async def _conditions(session: AsyncSession, search: NoticeSearch) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if search.kind:
        conditions.append(Notice.kind == search.kind)
    if search.jurisdiction:
        codes = await jurisdiction_and_below(session, [search.jurisdiction])
        conditions.append(Notice.jurisdiction_code.in_(sorted(codes)))
    if search.date_from:
        conditions.append(Notice.published_on >= search.date_from)
    if search.date_to:
        conditions.append(Notice.published_on <= search.date_to)
    return conditions


@dataclass
class NoticeResults:
    items: list[tuple[Notice, Jurisdiction]]
    total: int
    page: int
    pages: int


async def search_notices(session: AsyncSession, search: NoticeSearch, page_size: int = PAGE_SIZE) -> NoticeResults:
    """One page of notices, newest first, with the total."""
    conditions = await _conditions(session, search)
    total = (await session.execute(select(func.count()).select_from(Notice).where(*conditions))).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(max(search.page, 1), pages)
    rows = await session.execute(
        select(Notice, Jurisdiction)
        .join(Jurisdiction, Jurisdiction.code == Notice.jurisdiction_code)
        .where(*conditions)
        .order_by(Notice.published_on.desc(), Notice.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return NoticeResults([row._tuple() for row in rows], total, page, pages)


async def latest_notices(session: AsyncSession, jurisdiction: str | None, limit: int = 50) -> list[Notice]:
    """The newest notices, for the feeds (a city's feed includes its districts)."""
    statement = select(Notice).order_by(Notice.published_on.desc(), Notice.id.desc()).limit(limit)
    if jurisdiction:
        codes = await jurisdiction_and_below(session, [jurisdiction])
        statement = statement.where(Notice.jurisdiction_code.in_(sorted(codes)))
    return list((await session.execute(statement)).scalars())


async def notice_by_id(session: AsyncSession, notice_id: int) -> tuple[Notice, Jurisdiction] | None:
    row = (
        await session.execute(
            select(Notice, Jurisdiction)
            .join(Jurisdiction, Jurisdiction.code == Notice.jurisdiction_code)
            .where(Notice.id == notice_id)
        )
    ).first()
    return row.tuple() if row is not None else None
