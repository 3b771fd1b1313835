"""The root fields the planner covers and, for each, the columns its node type's plain fields read.

A node field is covered when it is a column of the row read as it is (text, numbers, dates, booleans and
enums stored as their values) or the global id; any other field (a computed value, a nested object, a
personal or ledger field guarded by the access rules) makes the planner leave the whole root field to the
resolvers. Agencies and enterprises are public registration data for every role (domain/access.py), so
their plain columns need no visibility condition; the guarded fields are never among them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.db import AnySelect
from domain.model import Agency, Enterprise
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


def _columns(model: type, names: tuple[str, ...]) -> dict[str, Any]:
    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(p.title() for p in rest)

    return {camel(n): getattr(model, n) for n in names}


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
}
