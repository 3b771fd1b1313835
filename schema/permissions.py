"""Who sees what and who may do what, for a GraphQL caller: the rules of domain/access.py applied to the
request's viewer (invariant 4, docs/architecture.md).

Restricted fields (``personal``, ledgers, findings) resolve to ``null`` with a ``FORBIDDEN`` error for
callers outside the scope, so a client can tell "not allowed" from "empty". Their rows are loaded only
after the check passes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement

from domain import access
from domain.enums import Role
from domain.model import Address, Agency, Enterprise
from schema.context import Context
from schema.errors import forbidden


def address_visibility(ctx: Context) -> ColumnElement[bool]:
    """SQL condition: the addresses the caller may see."""
    return access.address_visible(ctx.viewer, access.AddressTable())


def in_jurisdiction(ctx: Context, code: str | None) -> bool:
    return access.in_jurisdiction(ctx.viewer, code)


def is_own_agency(ctx: Context, *agency_ids: int | None) -> bool:
    return access.is_own_agency(ctx.viewer, *agency_ids)


def may_see_address(ctx: Context, address: Address) -> bool:
    return access.address_visible(ctx.viewer, access.AddressRow(address))


def address_insider(ctx: Context, address: Address) -> bool:
    return access.address_insider(ctx.viewer, access.AddressRow(address))


def agency_insider(ctx: Context, agency: Agency) -> bool:
    return access.agency_insider(ctx.viewer, agency.jurisdiction_code, agency.id)


def enterprise_insider(ctx: Context, enterprise: Enterprise, address: Address | None) -> bool:
    facts = access.AddressRow(address) if address is not None else None
    return access.enterprise_insider(ctx.viewer, enterprise.jurisdiction_code, facts)


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise forbidden(what)


def require_role(ctx: Context, roles: Iterable[Role], what: str) -> None:
    require(ctx.role in set(roles), what)
