"""The root fields the planner covers and, for each, the columns its node type's plain fields read.

A node field is covered when it is a column of the row read as it is (text, numbers, dates, booleans and
enums stored as their values) or the global id; any other field (a computed value, a nested object, a
personal or ledger field guarded by the access rules) makes the planner leave the whole root field to the
resolvers. Agencies and enterprises are public registration data for every role (domain/access.py), so
their plain columns need no visibility condition; the guarded fields are never among them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.capacity import free_places_sql
from domain.db import AnySelect
from domain.model import Address, Agency, Enterprise
from schema.filters.agencies import agency_ordering, agency_statement
from schema.filters.enterprises import enterprise_ordering, enterprise_statement
from schema.pagination import Ordering


@dataclass(frozen=True)
class ConnectionRoot:
    """A root connection field: the node kind (for global ids), the id column, the plain columns by
    GraphQL field name, and the shared builders of its statement and ordering from the field's arguments."""

    kind: str
    id_column: Any
    columns: dict[str, Any]
    statement: Callable[[Any], AnySelect]
    ordering: Callable[[Any], Ordering]
    objects: dict[str, tuple[str, Any]] = field(default_factory=dict)
    """Nested single objects by field name: the root (in ``ROOTS``) of their type and the column of this
    row that holds their primary key."""
    distance: bool = False
    """Whether its edges have ``distanceKm``."""


def _columns(model: type, names: tuple[str, ...]) -> dict[str, Any]:
    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(p.title() for p in rest)

    return {camel(n): getattr(model, n) for n in names}


ADDRESS_COLUMNS: dict[str, Any] = {
    **_columns(
        Address,
        (
            "code",
            "jurisdiction_code",
            "kind",
            "address_text",
            "building",
            "room",
            "latitude",
            "longitude",
            "premises_basis",
            "capacity",
            "occupied",
            "status",
            "status_changed_on",
            "published_on",
            "planned_exit_on",
            "version",
        ),
    ),
    # Free places as domain/capacity.py states them (0 unless the address accepts registrations).
    "freePlaces": free_places_sql(),
}


def _searched(_filter: Any) -> Any:
    raise NotImplementedError("addresses are searched with the caller's visibility: schema/filters/addresses.py")


ROOTS: dict[str, ConnectionRoot] = {
    "enterprises": ConnectionRoot(
        "Enterprise",
        Enterprise.id,
        _columns(
            Enterprise,
            (
                "uscc",
                "name",
                "kind",
                "industry_code",
                "jurisdiction_code",
                "registered_address",
                "registered_on",
                "moved_out_on",
                "deregistered_on",
                "status",
                "abnormal_since",
                "abnormal_reason",
                "version",
            ),
        ),
        enterprise_statement,
        enterprise_ordering,
    ),
    "agencies": ConnectionRoot(
        "Agency",
        Agency.id,
        _columns(
            Agency,
            (
                "uscc",
                "name",
                "role",
                "kind",
                "jurisdiction_code",
                "status",
                "registered_on",
                "service_ended_on",
                "latest_grade",
                "latest_grade_year",
                "version",
            ),
        ),
        agency_statement,
        agency_ordering,
    ),
    # The statement and ordering come from address_query (it needs the caller); see the executor.
    "addresses": ConnectionRoot(
        "Address",
        Address.id,
        ADDRESS_COLUMNS,
        _searched,
        _searched,
        objects={"agency": ("agencies", Address.agency_id)},
        distance=True,
    ),
}
