"""The rules of access (domain/access.py) rendered as SQL and as Python agree, on SQLite and PostgreSQL.

Hypothesis draws the states of a handful of addresses (published or not, jurisdiction, agency, host
unit), change-log entries of every kind (deletions too) and viewers of every role; each rule's SQL
rendering must select exactly the rows its Python rendering admits, over the address table and over
the change log's JSON projections.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from domain import access
from domain.access import Viewer
from domain.actor import SYSTEM
from domain.db import create_engine, create_sessionmaker
from domain.ids import to_global_id
from domain.model import Address, ChangeLogEntry
from domain.unit_of_work import UnitOfWork
from tests import factories

ADDRESSES = 6
AGENCIES = 3
# Daxing and Tongzhou (districts of Beijing), two districts of Wuxi; viewers may also name the cities.
CODES = ("110115", "110112", "320211", "320213")
CITIES = {"110000": ("110115", "110112"), "320200": ("320211", "320213")}
KINDS = ("Address", "Agency", "Enterprise", "Notice", "Jurisdiction")


@dataclass(frozen=True)
class Registry:
    database_url: str
    agency_pks: tuple[int, ...]
    address_pks: tuple[int, ...]


async def _build(database_url: str) -> Registry:
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)

    def uow(today: dt.date | None = None) -> UnitOfWork:
        return UnitOfWork(sessionmaker, SYSTEM, today=today or dt.date(2026, 3, 2))

    try:
        agencies = [await factories.agency(uow, name=f"托管机构{i}") for i in range(AGENCIES)]
        addresses = [
            await factories.published_address(uow, agencies[0].id, room=f"{i + 1}01") for i in range(ADDRESSES)
        ]
    finally:
        await engine.dispose()
    return Registry(database_url, tuple(a.id for a in agencies), tuple(a.id for a in addresses))


@pytest.fixture
def registry(database_url: str) -> Registry:
    return asyncio.run(_build(database_url))


def viewers(agency_pks: tuple[int, ...]) -> st.SearchStrategy[Viewer]:
    regulators = st.sampled_from((*CODES, *CITIES)).map(
        lambda code: Viewer(jurisdiction_codes=frozenset(CITIES.get(code, ()) or (code,)) | {code})
    )
    agencies = st.sampled_from((*agency_pks, 999_999)).map(lambda pk: Viewer(agency_pk=pk))
    return st.one_of(st.just(access.PUBLIC), st.just(Viewer(sees_all=True)), regulators, agencies)


address_states = st.tuples(
    st.booleans(),  # published
    st.sampled_from(CODES),
    st.integers(0, AGENCIES - 1),  # agency
    st.one_of(st.none(), st.integers(0, AGENCIES - 1)),  # host unit
)

changes = st.tuples(
    st.sampled_from(KINDS),
    st.one_of(st.none(), st.sampled_from(CODES)),
    st.booleans(),  # a deletion (no projection data)
    st.booleans(),  # published
    st.one_of(st.none(), st.integers(0, AGENCIES - 1)),  # agency
    st.one_of(st.none(), st.integers(0, AGENCIES - 1)),  # host unit
)


async def _check(
    registry: Registry,
    states: list[tuple[bool, str, int, int | None]],
    entries: list[tuple[str, str | None, bool, bool, int | None, int | None]],
    seen_by: list[Viewer],
) -> None:
    engine = create_engine(registry.database_url)
    agency = registry.agency_pks
    try:
        async with create_sessionmaker(engine)() as session:
            for pk, (published, code, agency_index, host_index) in zip(registry.address_pks, states, strict=False):
                await session.execute(
                    update(Address)
                    .where(Address.id == pk)
                    .values(
                        published_on=dt.date(2026, 3, 2) if published else None,
                        jurisdiction_code=code,
                        agency_id=agency[agency_index],
                        host_unit_id=agency[host_index] if host_index is not None else None,
                    )
                )
            head = (await session.execute(select(func.coalesce(func.max(ChangeLogEntry.seq), 0)))).scalar_one()
            for offset, (kind, logged_code, deletion, logged_published, by_agency, logged_host) in enumerate(
                entries, 1
            ):
                projection = None
                if not deletion:
                    projection = {
                        "id": to_global_id(kind, offset),
                        "publishedOn": "2026-03-02" if logged_published else None,
                        "agencyId": to_global_id("Agency", agency[by_agency]) if by_agency is not None else None,
                        "hostUnitId": to_global_id("Agency", agency[logged_host]) if logged_host is not None else None,
                    }
                session.add(
                    ChangeLogEntry(
                        seq=head + offset,
                        occurred_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
                        type=f"{kind.lower()}.changed",
                        entity_kind=kind,
                        entity_id=to_global_id(kind, offset),
                        jurisdiction_code=logged_code,
                        actor="test",
                        changed_fields=[],
                        projection=projection,
                    )
                )
            await session.flush()
            rows = (await session.execute(select(Address))).scalars().all()
            logged = (await session.execute(select(ChangeLogEntry).where(ChangeLogEntry.seq > head))).scalars().all()
            for viewer in seen_by:
                by_sql = set(
                    (
                        await session.execute(
                            select(Address.id).where(access.address_visible(viewer, access.AddressTable()))
                        )
                    )
                    .scalars()
                    .all()
                )
                by_python = {a.id for a in rows if access.address_visible(viewer, access.AddressRow(a))}
                assert by_sql == by_python, viewer
                insiders_sql = set(
                    (
                        await session.execute(
                            select(Address.id).where(access.address_insider(viewer, access.AddressTable()))
                        )
                    )
                    .scalars()
                    .all()
                )
                assert insiders_sql == {a.id for a in rows if access.address_insider(viewer, access.AddressRow(a))}
                query = select(ChangeLogEntry.seq).where(
                    ChangeLogEntry.seq > head, access.change_visible(viewer, access.ChangeColumns())
                )
                changes_by_sql = set((await session.execute(query)).scalars().all())
                changes_by_python = {
                    e.seq
                    for e in logged
                    if access.change_visible(
                        viewer, access.ChangeProjection(e.entity_kind, e.jurisdiction_code, e.projection or {})
                    )
                }
                assert changes_by_sql == changes_by_python, viewer
            await session.rollback()
    finally:
        await engine.dispose()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sql_and_python_agree(registry: Registry, data: st.DataObject) -> None:
    states = data.draw(st.lists(address_states, min_size=ADDRESSES, max_size=ADDRESSES))
    entries = data.draw(st.lists(changes, min_size=1, max_size=12))
    seen_by = data.draw(st.lists(viewers(registry.agency_pks), min_size=1, max_size=4))
    asyncio.run(_check(registry, states, entries, seen_by))


def test_the_rules_say_what_the_registry_promises() -> None:
    """The rules themselves, on facts in memory: public once published, insiders before that."""

    @dataclass(frozen=True)
    class Facts(access.AddressFacts[bool]):
        is_published: bool
        code: str
        hosts: tuple[int, ...]

        def published(self) -> bool:
            return self.is_published

        def in_jurisdictions(self, codes: frozenset[str]) -> bool:
            return self.code in codes

        def hosted_by(self, viewer: Viewer) -> bool:
            return viewer.agency_pk in self.hosts

        def any(self, conditions: list[bool]) -> bool:
            return any(conditions)

        def always(self) -> bool:
            return True

    draft = Facts(False, "110115", (7,))
    assert not access.address_visible(access.PUBLIC, draft)
    assert access.address_visible(Viewer(agency_pk=7), draft)
    assert not access.address_visible(Viewer(agency_pk=8), draft)
    assert access.address_visible(Viewer(jurisdiction_codes=frozenset({"110000", "110115"})), draft)
    assert not access.address_visible(Viewer(jurisdiction_codes=frozenset({"110112"})), draft)
    assert access.address_visible(Viewer(sees_all=True), draft)
    assert access.address_visible(access.PUBLIC, Facts(True, "110115", (7,)))
    assert not access.address_insider(access.PUBLIC, Facts(True, "110115", (7,)))


def test_who_may_act_on_an_object() -> None:
    from domain.enums import Role

    scope = access.Scope("110115", (7, None))
    daxing = Viewer(jurisdiction_codes=frozenset({"110000", "110115", "110112"}))
    both = (Role.REGULATOR, Role.AGENCY)
    assert access.may_act(daxing, Role.REGULATOR, both, scope)
    assert not access.may_act(daxing, Role.REGULATOR, (Role.AGENCY,), scope), "the mutation does not admit regulators"
    assert not access.may_act(Viewer(jurisdiction_codes=frozenset({"320200"})), Role.REGULATOR, both, scope)
    assert access.may_act(Viewer(agency_pk=7), Role.AGENCY, both, scope)
    assert not access.may_act(Viewer(agency_pk=8), Role.AGENCY, both, scope)
    assert not access.may_act(access.PUBLIC, Role.ADMIN, both, scope)
    assert access.may_act(access.PUBLIC, Role.ADMIN, (Role.ADMIN,), scope)
    assert not access.may_act(access.PUBLIC, Role.PARTNER, (Role.ADMIN, *both), scope)
