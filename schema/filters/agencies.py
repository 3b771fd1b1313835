"""Filters and orderings of agency lists."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any, cast

import strawberry
from sqlalchemy import select

from domain.db import AnySelect
from domain.model import Agency
from schema.enums import AgencyKind, AgencyRole, AgencyStatus, CreditGrade, OrderDirection
from schema.filters.common import contains, search_text, values, within_jurisdiction
from schema.pagination import Ordering, SortKey


@strawberry.input(description="Which agencies to list. All given conditions must hold.")
class AgencyFilter:
    jurisdiction_code: str | None = strawberry.field(
        default=None, description="Registered in this district, or in this city or any district under it."
    )
    status: list[AgencyStatus] | None = strawberry.field(default=None, description="Any of these states.")
    kind: list[AgencyKind] | None = strawberry.field(default=None, description="Any of these kinds.")
    role: list[AgencyRole] | None = strawberry.field(default=None, description="Any of these roles.")
    grade: list[str] | None = strawberry.field(
        default=None,
        description="Latest credit grade is one of these (A–D).",
        deprecation_reason="Use grades: a value outside A–D is refused there instead of matching nothing.",
    )
    grades: list[CreditGrade] | None = strawberry.field(
        default=None, description="Latest credit grade (信用等级) is one of these."
    )
    text: str | None = strawberry.field(default=None, description="Text in the name or the USCC, case-insensitive.")


@strawberry.enum(description="What to order agencies by; the agency id breaks ties.")
class AgencyOrderField(Enum):
    NAME = strawberry.enum_value("name", description="The name.")
    USCC = strawberry.enum_value("uscc", description="The unified social credit code.")
    REGISTERED_ON = strawberry.enum_value("registered_on", description="The filing date.")


@strawberry.input(description="Ordering of an agency list.")
class AgencyOrder:
    field: AgencyOrderField = strawberry.field(description="The sort key.")
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="The direction.")


_KEYS: dict[str, tuple[Any, type]] = {
    "name": (Agency.name, str),
    "uscc": (Agency.uscc, str),
    "registered_on": (Agency.registered_on, dt.date),
}
ORDERINGS = {
    (f, desc): Ordering(f"agency:{f}:{'desc' if desc else 'asc'}", (SortKey(e, desc, k), SortKey(Agency.id, desc, int)))
    for f, (e, k) in _KEYS.items()
    for desc in (False, True)
}


def agency_ordering(order: AgencyOrder | None) -> Ordering:
    if order is None:
        return ORDERINGS[("uscc", False)]
    return ORDERINGS[(cast(str, order.field.value), order.direction == OrderDirection.DESC)]


def agency_statement(where: AgencyFilter | None) -> AnySelect:
    where = where or AgencyFilter()
    conditions = []
    if where.jurisdiction_code is not None:
        conditions.append(within_jurisdiction(Agency.jurisdiction_code, where.jurisdiction_code))
    for column, chosen in (
        (Agency.status, values(where.status)),
        (Agency.kind, values(where.kind)),
        (Agency.role, values(where.role)),
        (Agency.latest_grade, where.grade),
        (Agency.latest_grade, values(where.grades)),
    ):
        if chosen is not None:
            conditions.append(column.in_(chosen))
    if where.text is not None:
        text = search_text(where.text, "filter.text")
        conditions.append(contains(Agency.name, text) | contains(Agency.uscc, text))
    return select(Agency).where(*conditions)
