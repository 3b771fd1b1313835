"""Supervision runs and ratings come out in one order whatever order the database returns rows in: the
same data gives the same findings, in the same order, with the same facts, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from domain import commands
from domain.actor import SYSTEM
from domain.db import create_engine, create_sessionmaker
from domain.unit_of_work import UnitOfWork
from domain.validators import uscc_check_character
from tests import factories
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.wuxi_case import WX_ADDRESS, WX_AGENCY

TODAY = dt.date(2026, 3, 2)
START = dt.date(2024, 1, 10)
DX_SECOND = {"address_text": "北京市大兴区金星西路5号"}
WX_SECOND = {**WX_ADDRESS, "address_text": "无锡市梁溪区中山路200号"}


async def _registry(uow: Callable[..., UnitOfWork]) -> int:
    """Daxing and Wuxi agencies with two addresses each, whose enterprises alternate between the two, so
    that an index on the address returns them out of id order; returns the Wuxi agency's id."""
    dx = await factories.agency(uow, today=START, uscc=_uscc("110115", 1))
    wx = await factories.agency(uow, today=START, uscc=_uscc("320213", 2), **WX_AGENCY)
    places = [
        await factories.published_address(uow, dx.id, today=START),
        await factories.published_address(uow, dx.id, today=START, **DX_SECOND),
        await factories.published_address(uow, wx.id, today=START, **WX_ADDRESS),
        await factories.published_address(uow, wx.id, today=START, **WX_SECOND),
    ]
    registered = dt.date(2024, 3, 1)
    ids: list[tuple[int, int]] = []  # (enterprise, agency)
    for n in range(14):
        address = places[(n % 2) + (2 if n >= 9 else 0)]
        area = address.jurisdiction_code
        e = await factories.enterprise(
            uow, address.id, today=registered, uscc=_uscc(area, n), name=f"星河数字科技{n}有限公司"
        )
        ids.append((e.id, address.agency_id))
    async with uow(today=registered) as u:
        for e_id, _ in reversed(ids[::3]):
            await commands.list_abnormal(u, e_id, reason="uncontactable", expected_version=None)
        await u.commit()
    async with uow(today=dt.date(2025, 9, 1)) as u:
        for n, (e_id, agency_id) in enumerate(reversed(ids)):
            for kind in ("safety_hazard", "complaint", "false_material")[: 1 + n % 3]:
                await commands.record_finding(u, e_id, kind=kind, found_on=dt.date(2025, 8, 1 + n % 2))
            if n % 2:
                await commands.record_contact_log(
                    u, agency_id, e_id, contacted_on=dt.date(2025, 7, 1), method="phone", reached=True
                )
        await u.commit()
    return wx.id


def _uscc(area: str, n: int) -> str:
    """The same USCC on every backend (the factories' counter runs on across tests)."""
    first17 = f"91{area}{500 + n:09d}"
    return first17 + uscc_check_character(first17)


async def _shuffle(sessionmaker: Any) -> None:
    """Rewrite every other row, which moves it to the end of the heap on PostgreSQL."""
    async with sessionmaker() as s:
        for table in ("enterprises", "enterprise_findings", "contact_logs", "addresses", "agencies"):
            await s.execute(text(f"UPDATE {table} SET id = id WHERE id % 2 = 0"))
        await s.commit()


async def _outputs(uow: Callable[..., UnitOfWork], wx_agency: int) -> dict[str, Any]:
    async with uow() as u:
        city = await commands.run_supervision(u, "110000", TODAY)
        wuxi = await commands.run_supervision(u, "320200", TODAY)
        score = await commands.rate_wuxi_agency(u, wx_agency, year=2025)
        out = {
            "findings": [
                (f.subject_kind, f.subject_id, f.rule_id, f.action, f.message_en, f.facts)
                for f in [*city.findings, *wuxi.findings]
            ],
            "summaries": [_without_run(city.run.summary), _without_run(wuxi.run.summary)],
            "score": (score.score, score.grade, score.breakdown, score.facts),
        }
        await u.commit()
    return out


def _without_run(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k != "run_id"}


def _uow_on(sessionmaker: Any) -> Callable[..., UnitOfWork]:
    def make(actor: Any = SYSTEM, today: dt.date | None = None) -> UnitOfWork:
        return UnitOfWork(sessionmaker, actor, today=today or TODAY)

    return make


async def test_supervision_and_rating_do_not_depend_on_the_order_rows_come_back_in(uow, sessionmaker):
    wx_agency = await _registry(uow)
    first = await _outputs(uow, wx_agency)
    subjects = [(kind, subject) for kind, subject, *_ in first["findings"]]
    enterprises = [subject for kind, subject in subjects if kind == "Enterprise"]
    assert len(enterprises) >= 3 and enterprises == sorted(enterprises)
    for facts in (f[-1] for f in first["findings"]):
        for key in ("safety_hazards", "false_materials_recent", "false_materials", "contact_gaps"):
            if key in facts:
                assert facts[key] == sorted(facts[key], key=lambda r: (r.get("found_on", ""), r["enterprise_id"]))
    await _shuffle(sessionmaker)
    second = await _outputs(uow, wx_agency)
    assert second == first


async def _build_and_run(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        sessionmaker = create_sessionmaker(engine)
        wx_agency = await _registry(_uow_on(sessionmaker))
        await _shuffle(sessionmaker)
        return await _outputs(_uow_on(sessionmaker), wx_agency)
    finally:
        await engine.dispose()


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_the_same_runs_and_ratings(
    sqlite_databases: SqliteDatabases, postgres_databases: PostgresDatabases | None
) -> None:
    assert postgres_databases is not None
    outputs = []
    for databases in (sqlite_databases, postgres_databases):
        url = databases.create()
        try:
            outputs.append(asyncio.run(_build_and_run(url)))
        finally:
            databases.drop(url)
    assert outputs[0]["findings"] and outputs[0] == outputs[1]
