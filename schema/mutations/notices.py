"""Notices a regulator publishes or withdraws (withdrawn notices stay, with the reason: BJ Art.18)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain import commands
from domain.access import Scope, notice_scope
from domain.errors import InvalidInput
from domain.ids import from_global_id, is_decimal
from domain.unit_of_work import UnitOfWork
from schema.context import Context
from schema.enums import NoticeKind
from schema.mutations.base import EXPECTED_VERSION, IDEMPOTENCY, REGULATOR, Target, act
from schema.mutations.payloads import NoticePayload


@strawberry.input(description="A notice (公示 / 公告); its texts may not carry personal data.")
class CreateNoticeInput:
    kind: NoticeKind = strawberry.field(description="What it announces.")
    jurisdiction_code: str = strawberry.field(description="The issuing jurisdiction.")
    title: str = strawberry.field(description="Title in Chinese.")
    title_en: str = strawberry.field(description="Title in English.")
    body: str = strawberry.field(description="Text in Chinese.")
    body_en: str = strawberry.field(description="Text in English.")
    legal_basis: str = strawberry.field(description="The article that requires it.")
    subject_id: strawberry.ID | None = strawberry.field(default=None, description="The address or agency it concerns.")
    published_on: dt.date | None = strawberry.field(default=None, description="Publication date; today by default.")
    deadline_on: dt.date | None = strawberry.field(default=None, description="A deadline date.")
    deadline_working_days: int | None = strawberry.field(
        default=None, description="Or a deadline in Chinese working days after publication (not both)."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="Withdraw a notice with a public reason.")
class WithdrawNoticeInput:
    notice_id: strawberry.ID = strawberry.field(description="The notice.")
    reason: str = strawberry.field(description="Why (published with the notice).")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)
    withdrawn_on: dt.date | None = strawberry.field(default=None, description="The date; today by default.")


def _subject(value: str | None) -> tuple[str | None, int | None]:
    if value is None:
        return None, None
    kind, key = from_global_id(value, None, "subjectId")
    if kind not in ("Address", "Agency") or not is_decimal(key):
        raise InvalidInput("subjectId", "a notice's subject is an address or an agency", "公示对象应为地址或机构")
    return kind, int(key)


@strawberry.type(description="Notice mutations.")
class NoticeMutations:
    @strawberry.mutation(description="Publish a notice. Regulators of its jurisdiction.")
    async def create_notice(
        self,
        info: Info[Context, None],
        input: Annotated[CreateNoticeInput, strawberry.argument(description="The notice.")],
    ) -> NoticePayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, _: int) -> dict[str, Any]:
            subject_kind, subject_id = _subject(input.subject_id)
            notice = await commands.create_notice(
                uow,
                kind=input.kind.value,
                jurisdiction_code=input.jurisdiction_code,
                title=input.title,
                title_en=input.title_en,
                body=input.body,
                body_en=input.body_en,
                legal_basis=input.legal_basis,
                subject_kind=subject_kind,
                subject_id=subject_id,
                published_on=input.published_on,
                deadline_on=input.deadline_on,
                deadline_working_days=input.deadline_working_days,
            )
            await uow.session.flush()
            return {"notice": notice.id}

        outcome = await act(
            ctx,
            operation="createNotice",
            roles=REGULATOR,
            what="publish notices here",
            scope=Scope(input.jurisdiction_code.strip()),
            work=work,
            idempotency_key=input.idempotency_key,
            data=input,
        )
        return await NoticePayload.build(ctx, outcome)

    @strawberry.mutation(description="Withdraw a notice. Regulators of its jurisdiction.")
    async def withdraw_notice(
        self,
        info: Info[Context, None],
        input: Annotated[WithdrawNoticeInput, strawberry.argument(description="The change.")],
    ) -> NoticePayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, pk: int) -> dict[str, Any]:
            notice = await commands.withdraw_notice(
                uow, pk, reason=input.reason, expected_version=input.expected_version, withdrawn_on=input.withdrawn_on
            )
            return {"notice": notice.id}

        outcome = await act(
            ctx,
            operation="withdrawNotice",
            roles=REGULATOR,
            what="withdraw this notice",
            target=Target("Notice", input.notice_id, "noticeId", notice_scope),
            work=work,
        )
        return await NoticePayload.build(ctx, outcome)
