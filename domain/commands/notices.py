"""Public notices (公示/公告): created by lifecycle commands and by regulators, withdrawn with a reason.

A notice's texts are public; any identity or phone number in them is refused (invariant 4, docs/architecture.md).
Deadlines count Chinese working days (:mod:`domain.workdays`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from domain.commands.common import MAX_ID, check_version, get_jurisdiction, load, parse_enum, related
from domain.enums import NoticeKind, NoticeStatus
from domain.errors import InvalidInput, NotFound
from domain.lifecycle import next_status
from domain.model import Address, Agency, Enterprise, Jurisdiction, Notice
from domain.parameters import PARAMETERS
from domain.privacy import find_personal_data
from domain.unit_of_work import UnitOfWork
from domain.validators import validate_date_order, validate_text
from domain.workdays import add_working_days


def refuse_personal_data(field: str, text: str) -> None:
    found = next(find_personal_data(text), None)
    if found is not None:
        kind, _ = found
        raise InvalidInput(
            field,
            f"{field} contains a {kind.replace('_', ' ')}; notices are public and may not carry personal data",
            f"{field} 含有{'身份证号码' if kind == 'id_number' else '电话号码'}；公示内容不得包含个人信息",
        )


# What a notice may be about, by its public type name (the Relay node type).
NOTICE_SUBJECTS: dict[str, type[Address | Agency | Enterprise]] = {
    "Address": Address,
    "Agency": Agency,
    "Enterprise": Enterprise,
}


async def check_subject(
    session: AsyncSession, j: Jurisdiction, subject_kind: str | None, subject_id: int | None
) -> None:
    """A notice names an existing address, agency or enterprise of its own jurisdiction (or of its city or
    its districts), or nothing at all (a general notice): a regulator gives notice of what it governs."""
    if subject_kind is None:
        if subject_id is not None:
            raise InvalidInput("subjectId", "a subject id needs a subject kind", "指定公示对象编号时须指定对象类型")
        return
    model = NOTICE_SUBJECTS.get(subject_kind)
    if model is None:
        kinds = ", ".join(NOTICE_SUBJECTS)
        raise InvalidInput(
            "subjectKind",
            f"subjectKind must be one of {kinds}, not {subject_kind!r}",
            f"公示对象类型应为 {kinds} 之一",
        )
    if subject_id is None:
        raise InvalidInput("subjectId", f"a {subject_kind} notice needs a subject id", "须指定公示对象编号")
    subject: Address | Agency | Enterprise | None = (
        await session.get(model, subject_id) if 0 < subject_id <= MAX_ID else None
    )
    if subject is None:
        raise NotFound(subject_kind, subject_id, "subjectId")
    where: str = subject.jurisdiction_code
    subject_j = await session.get(Jurisdiction, where)
    if subject_j is None or not related(subject_j, j):
        raise InvalidInput(
            "subjectId",
            f"the {subject_kind} is in {where}, outside the notice's jurisdiction {j.code}",
            f"公示对象位于 {where}，不在本公示的辖区 {j.code} 内",
        )


async def create_notice(
    uow: UnitOfWork,
    *,
    kind: str,
    jurisdiction_code: str,
    title: str,
    title_en: str,
    body: str,
    body_en: str,
    legal_basis: str,
    subject_kind: str | None = None,
    subject_id: int | None = None,
    published_on: dt.date | None = None,
    deadline_on: dt.date | None = None,
    deadline_working_days: int | None = None,
) -> Notice:
    parse_enum(NoticeKind, kind, "kind")
    j = await get_jurisdiction(uow.session, jurisdiction_code)
    await check_subject(uow.session, j, subject_kind, subject_id)
    texts = {
        "title": validate_text(title, "title", max_length=200),
        "titleEn": validate_text(title_en, "titleEn", max_length=300),
        "body": validate_text(body, "body", max_length=4000),
        "bodyEn": validate_text(body_en, "bodyEn", max_length=8000),
        "legalBasis": validate_text(legal_basis, "legalBasis", max_length=300),
    }
    for field, text in texts.items():
        refuse_personal_data(field, text or "")
    published = published_on or uow.today
    estimated = False
    if deadline_working_days is not None:
        if deadline_on is not None:
            raise InvalidInput(
                "deadlineOn", "give deadlineOn or deadlineWorkingDays, not both", "截止日期与工作日数只能给出其一"
            )
        if not 0 < deadline_working_days <= 365:
            raise InvalidInput("deadlineWorkingDays", "deadlineWorkingDays must be 1 to 365", "工作日数应为 1 到 365")
        result = add_working_days(published, deadline_working_days, PARAMETERS.working_day_overrides)
        deadline_on, estimated = result.date, result.estimated
    validate_date_order(published, deadline_on, "deadlineOn")
    notice = Notice(
        kind=kind,
        jurisdiction_code=j.code,
        subject_kind=subject_kind,
        subject_id=subject_id,
        title=texts["title"],
        title_en=texts["titleEn"],
        body=texts["body"],
        body_en=texts["bodyEn"],
        legal_basis=texts["legalBasis"],
        published_on=published,
        deadline_on=deadline_on,
        deadline_estimated=estimated,
        status=NoticeStatus.PUBLISHED,
    )
    uow.session.add(notice)
    uow.record("notice.published", notice, ["*"])
    return notice


async def withdraw_notice(
    uow: UnitOfWork,
    notice_id: int,
    *,
    reason: str,
    expected_version: int | None,
    withdrawn_on: dt.date | None = None,
) -> Notice:
    notice = await load(uow.session, Notice, notice_id)
    check_version(notice, expected_version, "Notice")
    reason_text = validate_text(reason, "reason", max_length=500)
    refuse_personal_data("reason", reason_text or "")
    notice.status = next_status("Notice", "withdraw", notice.status)
    notice.withdrawn_on = withdrawn_on or uow.today
    validate_date_order(notice.published_on, notice.withdrawn_on, "withdrawnOn")
    notice.withdrawal_reason = reason_text
    uow.record("notice.withdrawn", notice, ["status", "withdrawnOn", "withdrawalReason"])
    return notice
