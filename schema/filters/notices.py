"""Filters and orderings of notice lists (公示/公告)."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import select

from domain.commands.common import MAX_ID
from domain.db import AnySelect
from domain.ids import is_decimal
from domain.model import Notice
from schema.enums import NoticeKind, NoticeStatus, OrderDirection
from schema.filters.common import contains, search_text, values, within_jurisdiction
from schema.pagination import Ordering, SortKey
from schema.types.node import decode


@strawberry.input(description="Which notices to list. All given conditions must hold.")
class NoticeFilter:
    jurisdiction_code: str | None = strawberry.field(
        default=None, description="Issued in this district, or in this city or any district under it."
    )
    kind: list[NoticeKind] | None = strawberry.field(default=None, description="Any of these kinds.")
    status: list[NoticeStatus] | None = strawberry.field(default=None, description="Any of these states.")
    subject_id: strawberry.ID | None = strawberry.field(
        default=None, description="About this address or agency (its global id)."
    )
    published_from: dt.date | None = strawberry.field(default=None, description="Published on or after this date.")
    published_to: dt.date | None = strawberry.field(default=None, description="Published on or before this date.")
    text: str | None = strawberry.field(default=None, description="Text in the Chinese or English title.")


@strawberry.enum(description="What to order notices by; the notice id breaks ties.")
class NoticeOrderField(Enum):
    PUBLISHED_ON = strawberry.enum_value("published_on", description="The publication date.")


@strawberry.input(description="Ordering of a notice list.")
class NoticeOrder:
    field: NoticeOrderField = strawberry.field(description="The sort key.")
    direction: OrderDirection = strawberry.field(default=OrderDirection.DESC, description="The direction.")


ORDERINGS = {
    desc: Ordering(
        f"notice:published_on:{'desc' if desc else 'asc'}",
        (SortKey(Notice.published_on, desc, dt.date), SortKey(Notice.id, desc, int)),
    )
    for desc in (False, True)
}


def notice_ordering(order: NoticeOrder | None) -> Ordering:
    """Newest first unless asked otherwise."""
    return ORDERINGS[order is None or order.direction == OrderDirection.DESC]


def notice_statement(where: NoticeFilter | None) -> AnySelect:
    where = where or NoticeFilter()
    conditions: list[Any] = []
    if where.jurisdiction_code is not None:
        conditions.append(within_jurisdiction(Notice.jurisdiction_code, where.jurisdiction_code))
    if (kinds := values(where.kind)) is not None:
        conditions.append(Notice.kind.in_(kinds))
    if (status := values(where.status)) is not None:
        conditions.append(Notice.status.in_(status))
    if where.subject_id is not None:
        kind, key = decode(where.subject_id, None, "filter.subjectId")
        pk = int(key) if is_decimal(key) and int(key) <= MAX_ID else -1
        conditions.append((Notice.subject_kind == kind) & (Notice.subject_id == pk))
    if where.published_from is not None:
        conditions.append(Notice.published_on >= where.published_from)
    if where.published_to is not None:
        conditions.append(Notice.published_on <= where.published_to)
    if where.text is not None:
        text = search_text(where.text, "filter.text")
        conditions.append(contains(Notice.title, text) | contains(Notice.title_en, text))
    return select(Notice).where(*conditions)
