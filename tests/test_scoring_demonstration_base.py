"""The Beijing demonstration-base evaluation (SB Art.6–7, 15), stored condition by condition."""

from __future__ import annotations

import dataclasses

import pytest

from domain import commands
from domain.errors import InvalidInput
from tests import factories
from tests.demonstration_case import GOOD
from tests.wuxi_case import wuxi_agency


async def test_a_base_that_meets_every_condition_passes(uow):
    operator = await factories.agency(uow, kind="incubator")
    async with uow() as u:
        score = await commands.evaluate_demonstration_base(u, operator.id, GOOD)
        await u.commit()
    assert (score.scheme, score.period, score.grade, score.score) == ("sb_demonstration_base", "2026", "pass", 12.0)
    assert score.breakdown["eligible"] is True and score.breakdown["total"] == 12
    assert score.facts["total_floor_area_m2"] == 8000


async def test_unmet_conditions_are_listed_with_their_article(uow):
    operator = await factories.agency(uow, kind="incubator")
    facts = dataclasses.replace(
        GOOD, resident_small_micro_enterprises=55, leading_industry_enterprises=30, satisfaction=0.85
    )
    async with uow() as u:
        score = await commands.evaluate_demonstration_base(u, operator.id, facts)
        await u.commit()
    unmet = {c["rule"]: c for c in score.breakdown["conditions"] if not c["met"]}
    assert (score.grade, score.score) == ("fail", 10.0)
    assert set(unmet) == {"SB-6.5", "SB-6.9"}
    assert unmet["SB-6.5"]["article"] == "SB Art.6(5)"
    assert [u["message_en"] for u in unmet["SB-6.5"]["unmet"]] == [
        "not met: 55 resident firms, below 60",
        "not met: concentration of the two leading industries 54.5%, below 60%",
    ]


async def test_evaluating_again_replaces_the_score(uow):
    operator = await factories.agency(uow, kind="incubator")
    for facts in (dataclasses.replace(GOOD, service_station=False), GOOD):
        async with uow() as u:
            score = await commands.evaluate_demonstration_base(u, operator.id, facts)
            await u.commit()
    assert score.grade == "pass"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"satisfaction": 1.2}, "satisfaction"),
        ({"leading_industry_enterprises": 80}, "leadingIndustryEnterprises"),
        ({"public_service_area_m2": 9000}, "publicServiceAreaM2"),
        ({"service_functions": frozenset({"karaoke"})}, "serviceFunctions"),
        ({"staff_with_degree_and_title": 20}, "staffWithDegreeAndTitle"),
        ({"total_floor_area_m2": -1}, "totalFloorAreaM2"),
    ],
)
async def test_impossible_facts_are_refused(uow, changes, field):
    operator = await factories.agency(uow, kind="incubator")
    async with uow() as u:
        with pytest.raises(InvalidInput) as refused:
            await commands.evaluate_demonstration_base(u, operator.id, dataclasses.replace(GOOD, **changes))
    assert refused.value.field == field


async def test_only_beijing_operators_are_evaluated(uow):
    agency_id, _ = await wuxi_agency(uow, 0)
    async with uow() as u:
        with pytest.raises(InvalidInput) as refused:
            await commands.evaluate_demonstration_base(u, agency_id, GOOD)
    assert refused.value.field == "agencyId"
