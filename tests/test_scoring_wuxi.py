"""The Wuxi yearly rating (WX Art.21–26) computed from stored facts, with its breakdown, the agency's
latest grade, the Art.23 consequences, and its dates of force."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from domain import commands
from domain.errors import DomainError, InvalidInput
from domain.model import Agency, ChangeLogEntry, RuleFindingRecord, Score
from domain.parameters import PARAMETERS
from domain.scoring.wuxi import static_points
from tests import factories
from tests.wuxi_case import wuxi_agency

YEAR_END = dt.date(2025, 12, 31)


def with_parameters(u, **changes):
    u.parameters = dataclasses.replace(PARAMETERS, **changes)
    return u


async def test_a_good_year_rates_a_with_its_breakdown(uow, sessionmaker):
    agency_id, enterprises = await wuxi_agency(uow, 10)
    async with uow(today=dt.date(2025, 5, 1)) as u:
        for eid in enterprises[:8]:
            await commands.record_annual_report(u, eid, year=2024)
        await u.commit()
    async with uow(today=YEAR_END) as u:
        reports = [(2024, 4, dt.date(2025, 1, 8)), (2025, 1, dt.date(2025, 4, 3)), (2025, 2, dt.date(2025, 7, 3))]
        for year, quarter, submitted in [*reports, (2025, 3, dt.date(2025, 10, 9))]:
            await commands.record_quarterly_report(u, agency_id, year=year, quarter=quarter, submitted_on=submitted)
        for month in (2, 5, 8, 11):
            for eid in enterprises:
                if not (month == 5 and eid == enterprises[9]):
                    await commands.record_contact_log(
                        u, agency_id, eid, contacted_on=dt.date(2025, month, 10), method="phone", reached=True
                    )
        await commands.record_finding(
            u, enterprises[0], kind="false_material", found_on=dt.date(2025, 6, 1), agency_involved=True
        )
        await u.commit()

    rates = {2024: {"enterprise": 0.9, "individual_business": 0.9}}
    async with with_parameters(uow(), wx_citywide_annual_report_rates=rates) as u:
        score = await commands.rate_wuxi_agency(u, agency_id, year=2025)
        await u.commit()

    assert (score.scheme, score.period, score.as_of, score.score, score.grade) == (
        "wx_credit_rating",
        "2025",
        YEAR_END,
        93.0,
        "A",
    )
    b = score.breakdown
    assert b["static"] == {
        "max": 30,
        "points": 27.0,
        "hosted": 10,
        "adverse": 1,
        "adverse_entities": [enterprises[0]],
        "basis": b["static"]["basis"],
    }
    assert {d["rule"]: d["points"] for d in b["dynamic"]["deductions"]} == {"WX-13.3": 1, "WX-26.4": 2, "WX-26.7": 1}
    assert b["dynamic"]["points"] == 66.0 and b["bands"] == {"A": 75, "B": 50, "C": 25}
    assert [c["rule"] for c in b["consequences"]] == ["WX-22", "WX-23.A"]
    assert score.facts["annual_report_by_kind"]["enterprise"]["missing"] == enterprises[8:]
    assert score.facts["citywide_annual_report_rates"]["source"] == "parameter"

    async with sessionmaker() as s:
        agency = await s.get(Agency, agency_id)
        assert (agency.latest_grade, agency.latest_grade_year) == ("A", 2025)
        rated = (await s.execute(select(ChangeLogEntry).where(ChangeLogEntry.type == "agency.rated"))).scalars().all()
        assert [(e.projection["latestGrade"], e.projection["latestGradeYear"]) for e in rated] == [("A", 2025)]


async def two_bad_years(uow) -> int:
    agency_id, enterprises = await wuxi_agency(uow, 1)
    async with uow(today=dt.date(2024, 10, 1)) as u:
        await commands.record_finding(u, enterprises[0], kind="false_material", agency_involved=True)
        await u.commit()
    async with uow(today=dt.date(2025, 2, 1)) as u:
        await commands.record_finding(u, enterprises[0], kind="false_material", agency_involved=True)
        await u.commit()
    return agency_id


async def test_grade_d_two_years_running_recommends_disqualification(uow, sessionmaker):
    agency_id = await two_bad_years(uow)
    for year in (2024, 2025, 2025):  # rating 2025 again replaces the score and its findings
        async with with_parameters(uow(), wx_agency_circumstance_deduction=80) as u:
            score = await commands.rate_wuxi_agency(u, agency_id, year=year)
            await u.commit()
        assert (score.score, score.grade) == (0.0, "D")
    async with sessionmaker() as s:
        scores = (await s.execute(select(Score).where(Score.subject_id == agency_id))).scalars().all()
        findings = (
            (
                await s.execute(
                    select(RuleFindingRecord).where(
                        RuleFindingRecord.subject_id == agency_id, RuleFindingRecord.run_id.is_(None)
                    )
                )
            )
            .scalars()
            .all()
        )
    assert sorted(s.period for s in scores) == ["2024", "2025"]
    by_year = sorted((f.facts["year"], f.rule_id, f.action) for f in findings if f.rule_id.startswith("WX-2"))
    assert by_year == [
        (2024, "WX-22", None),
        (2024, "WX-23.C", "interview"),
        (2025, "WX-22", None),
        (2025, "WX-23.C", "interview"),
        (2025, "WX-23.D", "disqualify"),
    ]
    disqualify = next(f for f in findings if f.rule_id == "WX-23.D")
    assert "连续两年" in disqualify.message_zh and "2024 and 2025" in disqualify.message_en


async def test_rating_outside_the_measures_is_refused(uow):
    agency_id, _ = await wuxi_agency(uow, 1)
    async with uow(today=dt.date(2026, 8, 3)) as u:
        with pytest.raises(DomainError) as refused:
            await commands.rate_wuxi_agency(u, agency_id, year=2026)
        assert (refused.value.code, refused.value.article) == ("RULES_NOT_IN_FORCE", "WX Art.32")
        score = await commands.rate_wuxi_agency(u, agency_id, year=2026, as_of=dt.date(2026, 7, 18))
        assert score.grade == "A"


async def test_rating_is_for_wuxi_agencies_and_past_or_current_years(uow):
    daxing = await factories.agency(uow)
    agency_id, _ = await wuxi_agency(uow, 1)
    async with uow() as u:
        with pytest.raises(InvalidInput) as refused:
            await commands.rate_wuxi_agency(u, daxing.id, year=2025)
        assert refused.value.field == "agencyId"
        with pytest.raises(InvalidInput):
            await commands.rate_wuxi_agency(u, agency_id, year=2027)
        with pytest.raises(InvalidInput):
            await commands.rate_wuxi_agency(u, agency_id, year=2025, as_of=dt.date(2026, 1, 1))
        with pytest.raises(InvalidInput):
            await commands.rate_wuxi_agency(u, agency_id, year=2023)


async def test_rating_every_agency_of_the_city(uow):
    first, _ = await wuxi_agency(uow, 2)
    second, _ = await wuxi_agency(uow, 3)
    async with uow() as u:
        scores = await commands.rate_wuxi_agencies(u, "320200", year=2025)
        await u.commit()
    assert [(s.subject_id, s.period) for s in scores] == [(first, "2025"), (second, "2025")]
    assert all(s.breakdown["static"]["hosted"] in (2, 3) for s in scores)


@pytest.mark.parametrize(
    ("hosted", "adverse", "points"), [(0, 0, 30.0), (10, 0, 30.0), (10, 1, 27.0), (3, 1, 20.0), (4, 4, 0.0)]
)
def test_static_points(hosted, adverse, points):
    assert static_points(hosted, adverse) == points
