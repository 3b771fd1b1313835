"""Who sees what and who may do what (invariant 4, docs/architecture.md; WX Art.13(4), DX Art.13(5)).

* Anyone (anonymous, partner, admin keys): addresses once published (``publishedOn`` set: published,
  suspended, exiting, exited, or cancelled after publication), every agency's and enterprise's public
  registration data, notices, scores, statistics. Never a personal field.
* An agency key: the same, plus its own addresses in any state, and the personal and ledger data of
  itself and of the enterprises registered at its addresses.
* A regulator key: everything in its jurisdiction — its own code and, for a city, every district
  under it. Outside it, what anyone sees.
* An admin key: API keys and jurisdictions; otherwise what anyone sees.

Restricted fields (``personal``, ledgers, findings) resolve to ``null`` with a ``FORBIDDEN`` error for
callers outside the scope, so a client can tell "not allowed" from "empty". Their rows are loaded only
after the check passes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import Role
from domain.model import Address, Agency, Enterprise, Jurisdiction
from schema.context import Context
from schema.errors import forbidden


def address_visibility(ctx: Context) -> ColumnElement[bool]:
    """SQL condition: the addresses the caller may see."""
    public = Address.published_on.is_not(None)
    if ctx.role == Role.AGENCY and ctx.actor.agency_id is not None:
        return or_(public, Address.agency_id == ctx.actor.agency_id, Address.host_unit_id == ctx.actor.agency_id)
    if ctx.role == Role.REGULATOR:
        return or_(public, Address.jurisdiction_code.in_(ctx.scope_codes))
    return public


def in_jurisdiction(ctx: Context, code: str | None) -> bool:
    return ctx.role == Role.REGULATOR and code is not None and code in ctx.scope_codes


def is_own_agency(ctx: Context, *agency_ids: int | None) -> bool:
    return ctx.role == Role.AGENCY and ctx.actor.agency_id is not None and ctx.actor.agency_id in agency_ids


def may_see_address(ctx: Context, address: Address) -> bool:
    return address.published_on is not None or address_insider(ctx, address)


def address_insider(ctx: Context, address: Address) -> bool:
    """The address's regulator or its agency / host unit."""
    return in_jurisdiction(ctx, address.jurisdiction_code) or is_own_agency(
        ctx, address.agency_id, address.host_unit_id
    )


def agency_insider(ctx: Context, agency: Agency) -> bool:
    """The agency's regulator or the agency itself."""
    return in_jurisdiction(ctx, agency.jurisdiction_code) or is_own_agency(ctx, agency.id)


def enterprise_insider(ctx: Context, enterprise: Enterprise, address: Address | None) -> bool:
    """The enterprise's regulator or the agency hosting it (its address's agency or host unit)."""
    if in_jurisdiction(ctx, enterprise.jurisdiction_code):
        return True
    return address is not None and is_own_agency(ctx, address.agency_id, address.host_unit_id)


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise forbidden(what)


def require_role(ctx: Context, roles: Iterable[Role], what: str) -> None:
    require(ctx.role in set(roles), what)


async def scope_codes_for(session: AsyncSession, jurisdiction_code: str | None) -> frozenset[str]:
    """A regulator's jurisdiction and the districts under it."""
    if jurisdiction_code is None:
        return frozenset()
    rows = await session.execute(
        select(Jurisdiction.code).where(
            or_(Jurisdiction.code == jurisdiction_code, Jurisdiction.parent_code == jurisdiction_code)
        )
    )
    return frozenset(rows.scalars())
