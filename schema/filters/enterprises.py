"""Filters and orderings of enterprise lists (public registration data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from enum import Enum
from typing import Any, cast

import strawberry
from sqlalchemy import select

from domain.db import AnySelect
from domain.ids import is_decimal
from domain.model import Enterprise
from schema.enums import EnterpriseKind, EnterpriseStatus, OrderDirection
from schema.errors import BadUserInput
from schema.filters.common import contains, search_text, values, within_jurisdiction
from schema.loaders import ChildRelation
from schema.pagination import Ordering, SortKey
from schema.types.node import decode_int


@strawberry.input(description="Which enterprises to list. All given conditions must hold.")
class EnterpriseFilter:
    jurisdiction_code: str | None = strawberry.field(
        default=None, description="Registered in this district, or in this city or any district under it."
    )
    address_id: strawberry.ID | None = strawberry.field(default=None, description="Registered at this address.")
    status: list[EnterpriseStatus] | None = strawberry.field(
        default=None, description="Any of these states (ABNORMAL: on the abnormal list, 经营异常名录)."
    )
    kind: list[EnterpriseKind] | None = strawberry.field(default=None, description="Any of these legal forms.")
    industry_code: str | None = strawberry.field(
        default=None, description="GB/T 4754-2017 code prefix: a division (65), group (651) or class (6510)."
    )
    text: str | None = strawberry.field(default=None, description="Text in the name or the USCC, case-insensitive.")


@strawberry.enum(description="What to order enterprises by; the enterprise id breaks ties.")
class EnterpriseOrderField(Enum):
    NAME = strawberry.enum_value("name", description="The name.")
    USCC = strawberry.enum_value("uscc", description="The unified social credit code.")
    REGISTERED_ON = strawberry.enum_value("registered_on", description="The registration date.")


@strawberry.input(description="Ordering of an enterprise list.")
class EnterpriseOrder:
    field: EnterpriseOrderField = strawberry.field(description="The sort key.")
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="The direction.")


_KEYS: dict[str, tuple[Any, type]] = {
    "name": (Enterprise.name, str),
    "uscc": (Enterprise.uscc, str),
    "registered_on": (Enterprise.registered_on, dt.date),
}
ORDERINGS = {
    (f, desc): Ordering(
        f"enterprise:{f}:{'desc' if desc else 'asc'}", (SortKey(e, desc, k), SortKey(Enterprise.id, desc, int))
    )
    for f, (e, k) in _KEYS.items()
    for desc in (False, True)
}


def enterprise_ordering(order: EnterpriseOrder | None) -> Ordering:
    if order is None:
        return ORDERINGS[("registered_on", False)]
    return ORDERINGS[(cast(str, order.field.value), order.direction == OrderDirection.DESC)]


def enterprise_conditions(where: EnterpriseFilter | None) -> list[Any]:
    where = where or EnterpriseFilter()
    conditions: list[Any] = []
    if where.jurisdiction_code is not None:
        conditions.append(within_jurisdiction(Enterprise.jurisdiction_code, where.jurisdiction_code))
    if where.address_id is not None:
        conditions.append(Enterprise.address_id == decode_int(where.address_id, "Address", "filter.addressId"))
    if (status := values(where.status)) is not None:
        conditions.append(Enterprise.status.in_(status))
    if (kinds := values(where.kind)) is not None:
        conditions.append(Enterprise.kind.in_(kinds))
    if where.industry_code is not None:
        code = where.industry_code.strip()
        if not (is_decimal(code) and 2 <= len(code) <= 4):
            raise BadUserInput(
                "filter.industryCode must be 2 to 4 digits of GB/T 4754-2017",
                messageZh="filter.industryCode 应为 2 到 4 位国民经济行业代码",
                argument="filter.industryCode",
            )
        conditions.append(Enterprise.industry_code.startswith(code, autoescape=True))
    if where.text is not None:
        text = search_text(where.text, "filter.text")
        conditions.append(contains(Enterprise.name, text) | contains(Enterprise.uscc, text))
    return conditions


def enterprise_statement(where: EnterpriseFilter | None) -> AnySelect:
    return select(Enterprise).where(*enterprise_conditions(where))


def _address_enterprises(_ctx: object, statuses: Hashable) -> AnySelect:
    stmt = select(Enterprise)
    return stmt.where(Enterprise.status.in_(statuses)) if statuses is not None else stmt  # type: ignore[arg-type]


ADDRESS_ENTERPRISES = ChildRelation("address.enterprises", Enterprise, Enterprise.address_id, _address_enterprises)
