"""Public notices (公示 / 公告): every approval, suspension and removal, with its legal basis."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from domain.model import Notice as NoticeRow
from schema.context import Context
from schema.enums import NoticeKind, NoticeStatus
from schema.loaders import by_id
from schema.types.jurisdiction import Jurisdiction, jurisdiction
from schema.types.node import Node, gid


@strawberry.type(description="公示 / 公告: a public notice. Its texts never carry personal data.")
class Notice(Node):
    kind: NoticeKind = strawberry.field(description="What the notice announces.")
    jurisdiction_code: str = strawberry.field(description="The GB/T 2260 code of the issuing jurisdiction.")
    title: str = strawberry.field(description="Title in Chinese.")
    title_en: str = strawberry.field(description="Title in English.")
    body: str = strawberry.field(description="Text in Chinese.")
    body_en: str = strawberry.field(description="Text in English.")
    legal_basis: str = strawberry.field(description="The article that requires the notice.")
    published_on: dt.date = strawberry.field(description="Publication date.")
    deadline_on: dt.date | None = strawberry.field(description="Objection or action deadline (working days counted).")
    deadline_estimated: bool = strawberry.field(
        description="Whether the deadline rests on a holiday calendar not yet published for that year."
    )
    status: NoticeStatus = strawberry.field(description="Published or withdrawn.")
    withdrawn_on: dt.date | None = strawberry.field(description="When it was withdrawn.")
    withdrawal_reason: str | None = strawberry.field(description="Why it was withdrawn.")
    version: int = strawberry.field(description="Optimistic-concurrency version; pass it as expectedVersion.")
    row: strawberry.Private[NoticeRow]

    @classmethod
    def from_row(cls, r: NoticeRow) -> Notice:
        return cls(
            id=gid("Notice", r.id),
            kind=r.kind,  # type: ignore[arg-type]
            jurisdiction_code=r.jurisdiction_code,
            title=r.title,
            title_en=r.title_en,
            body=r.body,
            body_en=r.body_en,
            legal_basis=r.legal_basis,
            published_on=r.published_on,
            deadline_on=r.deadline_on,
            deadline_estimated=r.deadline_estimated,
            status=r.status,  # type: ignore[arg-type]
            withdrawn_on=r.withdrawn_on,
            withdrawal_reason=r.withdrawal_reason,
            version=r.version,
            row=r,
        )

    @strawberry.field(description="The issuing jurisdiction.")
    async def jurisdiction(self, info: Info[Context, None]) -> Jurisdiction | None:
        return await jurisdiction(info.context, self.row.jurisdiction_code)

    @strawberry.field(description="The address or agency the notice is about, if the caller may see it.")
    async def subject(self, info: Info[Context, None]) -> Node | None:
        from schema.types.resolve import resolve_node

        if self.row.subject_kind is None or self.row.subject_id is None:
            return None
        return await resolve_node(info.context, self.row.subject_kind, str(self.row.subject_id), quiet=True)

    @strawberry.field(description="The global id of the subject, even when the caller may not see it.")
    def subject_id(self) -> strawberry.ID | None:
        r = self.row
        return gid(r.subject_kind, r.subject_id) if r.subject_kind and r.subject_id else None


async def notice_by_id(ctx: Context, notice_id: int) -> Notice | None:
    row = await by_id(ctx, NoticeRow).load(notice_id)
    return Notice.from_row(row) if row is not None else None
