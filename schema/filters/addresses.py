"""The investment-promotion search over addresses: where, what state, which industries, how much room,
what text, how far from a point — and the orderings a directory needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import func, select

from domain.capacity import accepting_sql, free_places_sql
from domain.db import AnySelect
from domain.model import Address, AddressKeyIndustry, Agency
from schema.context import Context
from schema.enums import AddressKind, AddressStatus, CreditGrade, KeyIndustry, OrderDirection
from schema.errors import BadUserInput
from schema.filters.common import contains, search_text, values, within_jurisdiction
from schema.geo import bounding_box, distance_km
from schema.loaders import ChildRelation
from schema.pagination import Ordering, SortKey
from schema.permissions import address_visibility

MAX_RADIUS_KM = 500.0
# Dates sort with NULL (never published) first in ascending order.
NEVER = dt.date(1, 1, 1)


@strawberry.input(description="A WGS-84 point and a radius: addresses whose coordinates lie within it.")
class NearInput:
    latitude: float = strawberry.field(description="Latitude in degrees, -90 to 90.")
    longitude: float = strawberry.field(description="Longitude in degrees, -180 to 180.")
    radius_km: float = strawberry.field(description="Radius in kilometres (great-circle), at most 500.")


@strawberry.input(description="Which addresses to list. All given conditions must hold.")
class AddressFilter:
    jurisdiction_code: str | None = strawberry.field(
        default=None, description="A district, or a city with all its districts (320200 covers Wuxi's districts)."
    )
    status: list[AddressStatus] | None = strawberry.field(default=None, description="Any of these states.")
    kind: list[AddressKind] | None = strawberry.field(default=None, description="Any of these kinds.")
    key_industry: KeyIndustry | None = strawberry.field(
        default=None,
        description="Addresses set up to attract this industry.",
        deprecation_reason="Use keyIndustries, which takes one or more industries (any of them).",
    )
    key_industries: list[KeyIndustry] | None = strawberry.field(
        default=None, description="Addresses set up to attract any of these industries (重点产业)."
    )
    agency_grades: list[CreditGrade] | None = strawberry.field(
        default=None, description="Addresses whose agency's latest credit grade (信用等级) is one of these."
    )
    min_free_places: int | None = strawberry.field(
        default=None,
        description="At least this many free places (capacity minus registered enterprises; 0 at an address "
        "that does not accept registrations).",
    )
    accepting_registrations: bool | None = strawberry.field(
        default=None,
        description="true: only addresses that accept registrations now (published, 公示); false: only those "
        "that do not (not yet published, suspended, cancelled, exiting or exited).",
    )
    text: str | None = strawberry.field(
        default=None, description="Text in the address (地址) or in its agency's name, case-insensitive."
    )
    near: NearInput | None = strawberry.field(default=None, description="Within a radius of a point.")


@strawberry.enum(description="What to order addresses by; the address id breaks ties.")
class AddressOrderField(Enum):
    CODE = strawberry.enum_value("code", description="The address code (jurisdiction, then filing order).")
    FREE_PLACES = strawberry.enum_value(
        "free_places", description="Free places (0 at an address that does not accept registrations)."
    )
    DISTANCE = strawberry.enum_value("distance", description="Distance from filter.near (requires it).")
    NAME = strawberry.enum_value("name", description="The address text.")
    PUBLISHED_ON = strawberry.enum_value("published_on", description="The publication date (公示日期).")


@strawberry.input(description="Ordering of an address list.")
class AddressOrder:
    field: AddressOrderField = strawberry.field(description="The sort key.")
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="The direction.")


@dataclass(frozen=True)
class AddressQuery:
    """A built address search: the statement (``Address`` plus the distance when searching near a
    point) and its ordering."""

    statement: AnySelect
    ordering: Ordering
    with_distance: bool


def _key(expression: Any, descending: bool, kind: type) -> tuple[SortKey, SortKey]:
    return SortKey(expression, descending, kind), SortKey(Address.id, descending, int)


_STATIC_KEYS: dict[str, tuple[Any, type]] = {
    "code": (Address.code, str),
    "free_places": (free_places_sql(), int),
    "name": (Address.address_text, str),
    "published_on": (func.coalesce(Address.published_on, NEVER), dt.date),
}
ORDERINGS: dict[tuple[str, bool], Ordering] = {
    (field, desc): Ordering(f"address:{field}:{'desc' if desc else 'asc'}", _key(expr, desc, kind))
    for field, (expr, kind) in _STATIC_KEYS.items()
    for desc in (False, True)
}
DEFAULT_ORDERING = ORDERINGS[("code", False)]


def static_ordering(order: AddressOrder | None) -> Ordering:
    """Orderings that need no point (for nested lists)."""
    if order is None:
        return DEFAULT_ORDERING
    if order.field == AddressOrderField.DISTANCE:
        raise BadUserInput("ordering by distance needs filter.near", argument="orderBy")
    return ORDERINGS[(order.field.value, order.direction == OrderDirection.DESC)]


def _check_near(near: NearInput) -> None:
    if not (-90 <= near.latitude <= 90 and -180 <= near.longitude <= 180):
        raise BadUserInput("near is not a WGS-84 point", messageZh="near 不是有效的 WGS-84 坐标", argument="near")
    if not 0 < near.radius_km <= MAX_RADIUS_KM:
        raise BadUserInput(
            f"near.radiusKm must be more than 0 and at most {MAX_RADIUS_KM:g}",
            messageZh=f"near.radiusKm 应大于 0 且不超过 {MAX_RADIUS_KM:g}",
            argument="near.radiusKm",
        )


def address_query(ctx: Context, where: AddressFilter | None, order: AddressOrder | None) -> AddressQuery:
    where = where or AddressFilter()
    conditions = [address_visibility(ctx)]
    if where.jurisdiction_code is not None:
        conditions.append(within_jurisdiction(Address.jurisdiction_code, where.jurisdiction_code))
    if (status := values(where.status)) is not None:
        conditions.append(Address.status.in_(status))
    if (kinds := values(where.kind)) is not None:
        conditions.append(Address.kind.in_(kinds))
    if where.key_industry is not None:
        conditions.append(
            Address.id.in_(
                select(AddressKeyIndustry.address_id).where(AddressKeyIndustry.industry == where.key_industry.value)
            )
        )
    if (industries := values(where.key_industries)) is not None:
        conditions.append(
            Address.id.in_(select(AddressKeyIndustry.address_id).where(AddressKeyIndustry.industry.in_(industries)))
        )
    if (grades := values(where.agency_grades)) is not None:
        conditions.append(Address.agency_id.in_(select(Agency.id).where(Agency.latest_grade.in_(grades))))
    if where.min_free_places is not None:
        conditions.append(free_places_sql() >= where.min_free_places)
    if where.accepting_registrations is not None:
        accepting = accepting_sql()
        conditions.append(accepting if where.accepting_registrations else ~accepting)
    if where.text is not None:
        text = search_text(where.text, "filter.text")
        conditions.append(
            contains(Address.address_text, text)
            | Address.agency_id.in_(select(Agency.id).where(contains(Agency.name, text)))
        )
    near = where.near
    if near is None:
        if order is not None and order.field == AddressOrderField.DISTANCE:
            raise BadUserInput(
                "ordering by DISTANCE needs filter.near", messageZh="按距离排序需要提供 filter.near", argument="orderBy"
            )
        return AddressQuery(select(Address).where(*conditions), static_ordering(order), with_distance=False)
    _check_near(near)
    distance = distance_km(Address.latitude, Address.longitude, near.latitude, near.longitude)
    conditions.append(bounding_box(Address.latitude, Address.longitude, near.latitude, near.longitude, near.radius_km))
    conditions.append(distance <= near.radius_km)
    if order is None or order.field == AddressOrderField.DISTANCE:
        descending = order is not None and order.direction == OrderDirection.DESC
        name = f"address:distance:{'desc' if descending else 'asc'}:{near.latitude:.6f},{near.longitude:.6f}"
        ordering = Ordering(name, (SortKey(distance, descending, float), SortKey(Address.id, descending, int)))
    else:
        ordering = static_ordering(order)
    statement = select(Address, distance.label("distance_km")).where(*conditions)
    return AddressQuery(statement, ordering, with_distance=True)


def _agency_addresses(ctx: Context, statuses: Hashable) -> AnySelect:
    stmt = select(Address).where(address_visibility(ctx))
    return stmt.where(Address.status.in_(statuses)) if statuses is not None else stmt  # type: ignore[arg-type]


AGENCY_ADDRESSES = ChildRelation("agency.addresses", Address, Address.agency_id, _agency_addresses)
