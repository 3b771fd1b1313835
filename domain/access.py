"""Who may see what (invariant 4, docs/architecture.md; WX Art.13(4), DX Art.13(5)), each rule stated once.

* Anyone: addresses once published (``publishedOn`` set: published, suspended, exiting, exited, or
  cancelled after publication), every agency's and enterprise's public registration data, notices,
  scores, statistics; never a personal field.
* An agency: also its own addresses in any state (as their agency or their host unit), and the personal
  and ledger data of itself and of the enterprises registered at its addresses.
* A regulator: everything in its jurisdiction (its own code and, for a city, every district under it).

A rule is written once, over an abstract set of facts (:class:`AddressFacts`), and rendered by choosing
the facts: SQL conditions over the address table or over the change log's JSON projections, or Python
truth values over a loaded row or a projection in memory. The queries, the change feed (pages from the
database and pages from memory) and the snapshots all ask the same rule, so they cannot disagree; a
property test checks every rendering against the others on SQLite and PostgreSQL.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actor import Actor
from domain.enums import Role
from domain.ids import to_global_id
from domain.model import Address, Agency, ChangeLogEntry, Enterprise, Jurisdiction, Notice

T = TypeVar("T")


@dataclass(frozen=True)
class Viewer:
    """What a caller may see beyond the public: everything (the system itself), some jurisdictions (a
    regulator: its code and the districts under it), or its own addresses (an agency)."""

    sees_all: bool = False
    jurisdiction_codes: frozenset[str] = frozenset()
    agency_pk: int | None = None

    @property
    def agency_id(self) -> str | None:
        """The agency's global id, as the change log's projections name agencies."""
        return to_global_id("Agency", self.agency_pk) if self.agency_pk is not None else None


PUBLIC = Viewer()


def viewer_of(actor: Actor, jurisdiction_codes: frozenset[str]) -> Viewer:
    """The viewer of ``actor``, given the codes its jurisdiction expands to (:func:`jurisdiction_and_below`)."""
    match actor.role:
        case Role.SYSTEM:
            return Viewer(sees_all=True)
        case Role.REGULATOR if actor.jurisdiction_code:
            return Viewer(jurisdiction_codes=jurisdiction_codes)
        case Role.AGENCY if actor.agency_id is not None:
            return Viewer(agency_pk=actor.agency_id)
    return PUBLIC


async def jurisdiction_and_below(session: AsyncSession, codes: Iterable[str]) -> frozenset[str]:
    """The codes that exist among ``codes``, and for a city every district under it."""
    wanted = sorted(set(codes))
    if not wanted:
        return frozenset()
    rows = await session.execute(
        select(Jurisdiction.code).where(or_(Jurisdiction.code.in_(wanted), Jurisdiction.parent_code.in_(wanted)))
    )
    return frozenset(rows.scalars())


async def viewer_for(session: AsyncSession, actor: Actor) -> Viewer:
    codes = await jurisdiction_and_below(session, [actor.jurisdiction_code]) if actor.jurisdiction_code else frozenset()
    return viewer_of(actor, codes)


# --- the facts a rule is written over -------------------------------------------------------------------


class AddressFacts(ABC, Generic[T]):
    """What the rules ask of an address, as SQL conditions or as truth values."""

    @abstractmethod
    def published(self) -> T: ...

    @abstractmethod
    def in_jurisdictions(self, codes: frozenset[str]) -> T: ...

    @abstractmethod
    def hosted_by(self, viewer: Viewer) -> T:
        """Whether the viewer's agency is the address's agency or its host unit."""

    @abstractmethod
    def any(self, conditions: list[T]) -> T:
        """True when one of ``conditions`` is; false for none."""

    @abstractmethod
    def always(self) -> T: ...


class ChangeFacts(AddressFacts[T]):
    """What the rules ask of a change-log entry: its kind, whether it is a deletion, and, for an address,
    the address facts of its projection."""

    @abstractmethod
    def of_another_kind(self) -> T:
        """The change is not an address's."""

    @abstractmethod
    def is_deletion(self) -> T: ...


# --- the rules -------------------------------------------------------------------------------------------


def address_insider(viewer: Viewer, facts: AddressFacts[T]) -> T:
    """The address's regulator, or its agency or host unit: they see it in any state, with its personal
    and ledger data."""
    conditions: list[T] = []
    if viewer.jurisdiction_codes:
        conditions.append(facts.in_jurisdictions(viewer.jurisdiction_codes))
    if viewer.agency_pk is not None:
        conditions.append(facts.hosted_by(viewer))
    return facts.any(conditions)


def address_visible(viewer: Viewer, facts: AddressFacts[T]) -> T:
    """An address is public once published; insiders see it before that too."""
    if viewer.sees_all:
        return facts.always()
    return facts.any([facts.published(), address_insider(viewer, facts)])


def change_visible(viewer: Viewer, facts: ChangeFacts[T]) -> T:
    """Changes of jurisdictions, agencies, enterprises and notices are public (their projections hold only
    public data); a deletion carries no data; an address's change is visible when the address is."""
    return facts.any([facts.of_another_kind(), facts.is_deletion(), address_visible(viewer, facts)])


def agency_insider(viewer: Viewer, jurisdiction_code: str | None, agency_pk: int) -> bool:
    """The agency's regulator, or the agency itself: they see its personal and ledger data."""
    return in_jurisdiction(viewer, jurisdiction_code) or is_own_agency(viewer, agency_pk)


def enterprise_insider(viewer: Viewer, jurisdiction_code: str | None, address: AddressFacts[bool] | None) -> bool:
    """The enterprise's regulator, or the agency hosting it (its address's agency or host unit)."""
    return in_jurisdiction(viewer, jurisdiction_code) or (address is not None and address.hosted_by(viewer))


@dataclass(frozen=True)
class Scope:
    """Where an object belongs: the jurisdiction whose regulator acts on it, the agencies that hold it."""

    jurisdiction_code: str | None
    agency_pks: tuple[int | None, ...] = ()


def may_act(viewer: Viewer, role: Role, roles: Iterable[Role], scope: Scope) -> bool:
    """Who may change an object, among the ``roles`` a mutation admits: the regulator of its jurisdiction,
    an agency that holds it, or an administrator."""
    admitted = set(roles)
    return (
        (Role.REGULATOR in admitted and in_jurisdiction(viewer, scope.jurisdiction_code))
        or (Role.AGENCY in admitted and is_own_agency(viewer, *scope.agency_pks))
        or (Role.ADMIN in admitted and role == Role.ADMIN)
    )


async def address_scope(session: AsyncSession, address_pk: int) -> Scope | None:
    a = await session.get(Address, address_pk)
    return Scope(a.jurisdiction_code, (a.agency_id, a.host_unit_id)) if a is not None else None


async def agency_scope(session: AsyncSession, agency_pk: int) -> Scope | None:
    a = await session.get(Agency, agency_pk)
    return Scope(a.jurisdiction_code, (a.id,)) if a is not None else None


async def enterprise_scope(session: AsyncSession, enterprise_pk: int) -> Scope | None:
    """An enterprise belongs to its jurisdiction and to the agency and host unit of its address."""
    e = await session.get(Enterprise, enterprise_pk)
    if e is None:
        return None
    a = await session.get(Address, e.address_id)
    return Scope(e.jurisdiction_code, (a.agency_id, a.host_unit_id) if a is not None else ())


async def notice_scope(session: AsyncSession, notice_pk: int) -> Scope | None:
    n = await session.get(Notice, notice_pk)
    return Scope(n.jurisdiction_code) if n is not None else None


def in_jurisdiction(viewer: Viewer, code: str | None) -> bool:
    """The viewer is the regulator of ``code``."""
    return code is not None and code in viewer.jurisdiction_codes


def is_own_agency(viewer: Viewer, *agency_pks: int | None) -> bool:
    return viewer.agency_pk is not None and viewer.agency_pk in agency_pks


# --- renderings ------------------------------------------------------------------------------------------


class _SqlFacts(AddressFacts[ColumnElement[bool]]):
    def any(self, conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
        return or_(*conditions) if conditions else false()

    def always(self) -> ColumnElement[bool]:
        return true()


class AddressTable(_SqlFacts):
    """The facts as SQL over the ``addresses`` table."""

    def published(self) -> ColumnElement[bool]:
        return Address.published_on.is_not(None)

    def in_jurisdictions(self, codes: frozenset[str]) -> ColumnElement[bool]:
        return Address.jurisdiction_code.in_(sorted(codes))

    def hosted_by(self, viewer: Viewer) -> ColumnElement[bool]:
        return or_(Address.agency_id == viewer.agency_pk, Address.host_unit_id == viewer.agency_pk)


class ChangeColumns(_SqlFacts, ChangeFacts[ColumnElement[bool]]):
    """The facts as SQL over the change log, whose projections are JSON."""

    def of_another_kind(self) -> ColumnElement[bool]:
        return ChangeLogEntry.entity_kind != "Address"

    def is_deletion(self) -> ColumnElement[bool]:
        missing: ColumnElement[bool] = ChangeLogEntry.projection["id"].as_string().is_(None)
        return missing

    def published(self) -> ColumnElement[bool]:
        published: ColumnElement[bool] = ChangeLogEntry.projection["publishedOn"].as_string().is_not(None)
        return published

    def in_jurisdictions(self, codes: frozenset[str]) -> ColumnElement[bool]:
        return ChangeLogEntry.jurisdiction_code.in_(sorted(codes))

    def hosted_by(self, viewer: Viewer) -> ColumnElement[bool]:
        projection = ChangeLogEntry.projection
        return or_(
            projection["agencyId"].as_string() == viewer.agency_id,
            projection["hostUnitId"].as_string() == viewer.agency_id,
        )


class _PythonFacts(AddressFacts[bool]):
    def any(self, conditions: list[bool]) -> bool:
        return any(conditions)

    def always(self) -> bool:
        return True


@dataclass(frozen=True)
class AddressRow(_PythonFacts):
    """The facts of a loaded address."""

    address: Address

    def published(self) -> bool:
        return self.address.published_on is not None

    def in_jurisdictions(self, codes: frozenset[str]) -> bool:
        return self.address.jurisdiction_code in codes

    def hosted_by(self, viewer: Viewer) -> bool:
        return is_own_agency(viewer, self.address.agency_id, self.address.host_unit_id)


@dataclass(frozen=True)
class ChangeProjection(_PythonFacts, ChangeFacts[bool]):
    """The facts of a change in memory: its kind, its jurisdiction and its public projection."""

    entity_kind: str
    jurisdiction_code: str | None
    projection: Mapping[str, Any]

    def of_another_kind(self) -> bool:
        return self.entity_kind != "Address"

    def is_deletion(self) -> bool:
        return self.projection.get("id") is None

    def published(self) -> bool:
        return self.projection.get("publishedOn") is not None

    def in_jurisdictions(self, codes: frozenset[str]) -> bool:
        return self.jurisdiction_code in codes

    def hosted_by(self, viewer: Viewer) -> bool:
        return viewer.agency_id is not None and viewer.agency_id in (
            self.projection.get("agencyId"),
            self.projection.get("hostUnitId"),
        )
