"""The demo generator: realistic proportions, valid codes, no personal data in public outputs, a gapless
change log, enterprises only at published addresses within capacity, the same data for the same seed,
and a bulk path that writes exactly what the commands write."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from demo.generate import DatabaseNotEmpty, Summary, fill_if_empty, generate
from demo.plan import BASE_ENTERPRISES, TODAY
from domain.db import create_engine, create_sessionmaker
from domain.model import (
    Address,
    Agency,
    AgencyPersonal,
    AnnualReport,
    Base,
    ChangeLogCounter,
    ChangeLogEntry,
    ContactLog,
    Enterprise,
    EnterprisePersonal,
    Notice,
    QuarterlyReport,
)
from domain.privacy import find_personal_data, id_number_valid
from domain.types import UTCDateTime
from domain.validators import validate_phone, validate_uscc
from tests.conftest import BACKENDS
from tests.databases import PostgresDatabases, SqliteDatabases

SCALE = 0.05  # 20 addresses, 1,000 enterprises: every address fate appears at least once
SMALL = 0.015  # for the slow command path

Dump = dict[str, list[tuple[Any, ...]]]


def _databases(request: pytest.FixtureRequest) -> SqliteDatabases | PostgresDatabases:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_databases")  # type: ignore[no-any-return]
    databases = request.getfixturevalue("postgres_databases")
    assert databases is not None
    return databases  # type: ignore[no-any-return]


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request: pytest.FixtureRequest) -> Iterator[tuple[str, Summary]]:
    """One demo database per backend, shared by the read-only checks of this module."""
    databases = _databases(request)
    url = databases.create()
    summary = asyncio.run(generate(url, scale=SCALE, seed=7, quiet=True))
    yield url, summary
    databases.drop(url)


@pytest.fixture(params=BACKENDS)
def fresh(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A factory of fresh migrated databases on one backend, dropped after the test."""
    databases = _databases(request)
    created: list[str] = []

    def make() -> str:
        created.append(databases.create())
        return created[-1]

    yield make
    for url in created:
        databases.drop(url)


async def _dump(url: str) -> Dump:
    """Every row of every table, timestamps left out (they record when the generator ran)."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            dump: Dump = {}
            for table in Base.metadata.sorted_tables:
                columns = [c for c in table.columns if not isinstance(c.type, UTCDateTime)]
                rows = await session.execute(select(*columns).order_by(*table.primary_key.columns))
                dump[table.name] = [tuple(json.dumps(v, sort_keys=True, default=str) for v in r) for r in rows]
            return dump
    finally:
        await engine.dispose()


async def _fetch(url: str, statement: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            return list((await session.execute(statement)).all())
    finally:
        await engine.dispose()


def _grouped(url: str, column: Any) -> Counter[Any]:
    return Counter(dict(asyncio.run(_fetch(url, select(column, func.count()).group_by(column)))))


def _differences(a: Dump, b: Dump) -> list[str]:
    out = []
    for table in a:
        if a[table] != b[table]:
            first = next((i for i, (x, y) in enumerate(zip(a[table], b[table], strict=False)) if x != y), None)
            detail = f"first differing row {first}: {a[table][first]} != {b[table][first]}" if first is not None else ""
            out.append(f"{table}: {len(a[table])} vs {len(b[table])} rows; {detail}")
    return out


def test_counts_are_in_the_expected_proportions(demo: tuple[str, Summary]) -> None:
    url, summary = demo
    assert summary.enterprises == round(BASE_ENTERPRISES * SCALE)
    count = asyncio.run(_fetch(url, select(func.count(Enterprise.id))))[0][0]
    assert count == summary.enterprises
    assert asyncio.run(_fetch(url, select(func.count(Address.id))))[0][0] == summary.addresses == 20
    places = _grouped(url, Enterprise.jurisdiction_code)
    assert sum(n for code, n in places.items() if code.startswith("32")) > 0  # Wuxi
    assert places["110115"] > 0 and places["110112"] > 0  # Daxing, Tongzhou

    statuses = _grouped(url, Enterprise.status)
    assert statuses["active"] / count > 0.7
    assert 0 < statuses["abnormal"] / count < 0.1
    assert statuses["moved_out"] and statuses["deregistered"]

    addresses = _grouped(url, Address.status)
    assert addresses["published"] >= 10
    for status in ("applied", "filed", "suspended", "cancelled", "exiting", "exited"):
        assert addresses[status] >= 1, status

    on_time = _grouped(url, AnnualReport.on_time)
    assert on_time[True] / (on_time[True] + on_time[False]) > 0.85

    contacts = asyncio.run(_fetch(url, select(Enterprise.jurisdiction_code).join(ContactLog).distinct()))
    assert contacts and all(code.startswith("32") for (code,) in contacts)  # WX Art.13(3) only
    reports = asyncio.run(_fetch(url, select(Agency.jurisdiction_code).join(QuarterlyReport).distinct()))
    assert reports and all(code.startswith("32") for (code,) in reports)  # WX Art.15 only

    notices = _grouped(url, Notice.kind)
    for kind in ("address_published", "address_suspended", "address_cancelled", "address_exit", "address_exited"):
        assert notices[kind] >= 1, kind
    withdrawn = asyncio.run(_fetch(url, select(Notice.withdrawal_reason).where(Notice.status == "withdrawn")))
    assert withdrawn and all(reason for (reason,) in withdrawn)


def test_codes_and_personal_data_are_valid(demo: tuple[str, Summary]) -> None:
    url, _ = demo
    for model in (Agency, Enterprise):
        for uscc, jurisdiction in asyncio.run(_fetch(url, select(model.uscc, model.jurisdiction_code))):
            assert validate_uscc(uscc) == uscc
            assert uscc[2:8] == jurisdiction  # registered where it is hosted
    kinds = dict(asyncio.run(_fetch(url, select(Enterprise.uscc, Enterprise.kind))))
    assert all(uscc[:2] == ("92" if kind == "individual_business" else "91") for uscc, kind in kinds.items())
    daxing = asyncio.run(_fetch(url, select(Enterprise.kind).where(Enterprise.jurisdiction_code == "110115")))
    assert daxing and all(kind != "individual_business" for (kind,) in daxing)  # DX Art.11

    people = asyncio.run(
        _fetch(
            url,
            select(
                EnterprisePersonal.legal_representative_id_number,
                EnterprisePersonal.contact_phone,
                EnterprisePersonal.legal_representative_name,
            ),
        )
    ) + asyncio.run(
        _fetch(
            url,
            select(
                AgencyPersonal.legal_representative_id_number,
                AgencyPersonal.liaison_phone,
                AgencyPersonal.legal_representative_name,
            ),
        )
    )
    assert len(people) > 1000
    for id_number, phone, name in people:
        assert id_number_valid(id_number)
        born = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        assert (TODAY - born).days > 18 * 365
        assert validate_phone(phone, "phone") == phone
        assert 2 <= len(name) <= 4


def test_no_personal_data_leaves_through_the_change_log_or_notices(demo: tuple[str, Summary]) -> None:
    url, _ = demo
    projections = asyncio.run(_fetch(url, select(ChangeLogEntry.projection)))
    notices = asyncio.run(
        _fetch(url, select(Notice.title, Notice.title_en, Notice.body, Notice.body_en, Notice.withdrawal_reason))
    )
    assert len(projections) > 3000 and len(notices) > 20
    texts = [json.dumps(p, ensure_ascii=False) for (p,) in projections]
    texts += [t for row in notices for t in row if t]
    leaks = [(text[:80], found) for text in texts for found in find_personal_data(text)]
    assert leaks == []


def test_change_log_is_gapless_and_matches_the_counter(demo: tuple[str, Summary]) -> None:
    url, _ = demo
    seqs = [s for (s,) in asyncio.run(_fetch(url, select(ChangeLogEntry.seq).order_by(ChangeLogEntry.seq)))]
    assert seqs == list(range(1, len(seqs) + 1))
    assert asyncio.run(_fetch(url, select(ChangeLogCounter.last_seq)))[0][0] == len(seqs)


def test_enterprises_sit_at_published_addresses_within_capacity(demo: tuple[str, Summary]) -> None:
    url, _ = demo
    rows = asyncio.run(
        _fetch(
            url,
            select(Enterprise.registered_on, Enterprise.status, Address.published_on, Address.status).join(
                Address, Enterprise.address_id == Address.id
            ),
        )
    )
    for registered_on, _, published_on, status in rows:
        assert published_on is not None and published_on <= registered_on
        assert status in ("published", "suspended", "cancelled", "exiting", "exited")
    hosted = Counter(
        a
        for (a,) in asyncio.run(
            _fetch(url, select(Enterprise.address_id).where(Enterprise.status.in_(["active", "abnormal"])))
        )
    )
    for address_id, occupied, capacity, status in asyncio.run(
        _fetch(url, select(Address.id, Address.occupied, Address.capacity, Address.status))
    ):
        assert occupied == hosted[address_id] <= capacity
        assert status != "exited" or occupied == 0
    # Never over capacity at any moment: every occupancy the change log published fits.
    for (projection,) in asyncio.run(
        _fetch(url, select(ChangeLogEntry.projection).where(ChangeLogEntry.type == "address.occupancy_changed"))
    ):
        assert 0 <= projection["occupied"] <= projection["capacity"]


def test_the_demo_fills_only_an_empty_database(demo: tuple[str, Summary]) -> None:
    url, _ = demo
    before = asyncio.run(_fetch(url, select(ChangeLogCounter.last_seq)))
    assert asyncio.run(fill_if_empty(url)) is None
    with pytest.raises(DatabaseNotEmpty):
        asyncio.run(generate(url, scale=SMALL, quiet=True))
    assert asyncio.run(_fetch(url, select(ChangeLogCounter.last_seq))) == before


def test_same_seed_gives_the_same_data_however_it_is_chunked(fresh: Any) -> None:
    first, second = fresh(), fresh()
    asyncio.run(generate(first, scale=SMALL, seed=11, quiet=True))
    asyncio.run(generate(second, scale=SMALL, seed=11, quiet=True, chunk_size=37))
    assert _differences(asyncio.run(_dump(first)), asyncio.run(_dump(second))) == []


def test_bulk_path_writes_what_the_commands_write(fresh: Any) -> None:
    via_commands, via_bulk = fresh(), fresh()
    asyncio.run(generate(via_commands, scale=SMALL, seed=11, enterprise_path="commands", quiet=True))
    asyncio.run(generate(via_bulk, scale=SMALL, seed=11, quiet=True, chunk_size=37))
    commands_dump, bulk_dump = asyncio.run(_dump(via_commands)), asyncio.run(_dump(via_bulk))
    assert len(commands_dump["change_log"]) > 1000 and commands_dump["rule_findings"]
    assert _differences(commands_dump, bulk_dump) == []
