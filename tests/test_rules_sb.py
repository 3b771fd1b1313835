"""Beijing demonstration bases (SB Art.6–7, 15): every threshold at its boundary."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from domain.scoring.demonstration_base import Penalty
from tests.demonstration_case import DEADLINE, GOOD
from tests.rule_support import check

D = dt.timedelta(days=1)


def facts(**changes: Any) -> dict[str, object]:
    return dict(dataclasses.replace(GOOD, **changes).as_facts())


def test_a_good_base_meets_every_condition():
    for rule in (
        "SB-6.1",
        "SB-6.2",
        "SB-6.3",
        "SB-6.4",
        "SB-6.5",
        "SB-6.6",
        "SB-6.7",
        "SB-6.8",
        "SB-6.9",
        "SB-6.10",
        "SB-7",
        "SB-15",
    ):
        assert check(rule, facts(), on=DEADLINE) == [], rule


@pytest.mark.parametrize(
    ("established_on", "unmet"),
    [(dt.date(2024, 5, 31) - D, False), (dt.date(2024, 5, 31), False), (dt.date(2024, 5, 31) + D, True)],
)
def test_operator_established_two_years_before_the_deadline(established_on, unmet):
    assert bool(check("SB-6.1", facts(established_on=established_on), on=DEADLINE)) is unmet


def test_operator_conditions():
    found = check(
        "SB-6.1",
        facts(independent_legal_person=False, registered_in_beijing=False, rolling_incubation=False),
        on=DEADLINE,
    )
    assert len(found) == 3


@pytest.mark.parametrize(
    ("penalised_on", "unmet"),
    [(dt.date(2024, 5, 31) - D, False), (dt.date(2024, 5, 31), True), (DEADLINE, True)],
)
def test_clean_record_for_two_years_before_the_deadline(penalised_on, unmet):
    found = check("SB-6.2", facts(penalties=(Penalty("serious_administrative", penalised_on),)), on=DEADLINE)
    assert bool(found) is unmet


@pytest.mark.parametrize(("total", "unmet"), [(4999.9, True), (5000, False), (5000.1, False)])
def test_total_floor_area(total, unmet):
    assert bool(check("SB-6.4", facts(total_floor_area_m2=total), on=DEADLINE)) is unmet


@pytest.mark.parametrize(("public", "unmet"), [(499, True), (500, False), (501, False)])
def test_public_service_space(public, unmet):
    assert bool(check("SB-6.4", facts(public_service_area_m2=public), on=DEADLINE)) is unmet


@pytest.mark.parametrize(("resident", "unmet"), [(59, True), (60, False), (61, False)])
def test_sixty_resident_enterprises(resident, unmet):
    assert (
        bool(
            check(
                "SB-6.5",
                facts(resident_small_micro_enterprises=resident, leading_industry_enterprises=resident),
                on=DEADLINE,
            )
        )
        is unmet
    )


@pytest.mark.parametrize(("leading", "unmet"), [(59, True), (60, False), (61, False)])
def test_sixty_percent_concentration(leading, unmet):
    assert (
        bool(
            check(
                "SB-6.5", facts(resident_small_micro_enterprises=100, leading_industry_enterprises=leading), on=DEADLINE
            )
        )
        is unmet
    )


@pytest.mark.parametrize(
    ("resident", "leading", "unmet"),
    [(39, 39, True), (40, 32, False), (41, 33, False), (100, 79, True), (100, 80, False), (100, 81, False)],
)
def test_high_end_manufacturing_bases_need_forty_at_eighty_percent(resident, leading, unmet):
    changed = facts(
        high_end_manufacturing=True, resident_small_micro_enterprises=resident, leading_industry_enterprises=leading
    )
    assert bool(check("SB-6.5", changed, on=DEADLINE)) is unmet


@pytest.mark.parametrize(("staff", "unmet"), [(7, True), (8, False), (9, False)])
def test_eight_qualified_staff(staff, unmet):
    assert bool(check("SB-6.8", facts(staff_with_degree_or_title=staff), on=DEADLINE)) is unmet


def test_staff_counting_follows_the_parameter():
    assert not check("SB-6.8", facts(), on=DEADLINE)
    assert check("SB-6.8", facts(), on=DEADLINE, sb_staff_counting="both")[0].facts["qualified_staff"] == 6


@pytest.mark.parametrize(("satisfaction", "unmet"), [(0.899, True), (0.9, False), (0.901, False)])
def test_ninety_percent_satisfaction(satisfaction, unmet):
    assert bool(check("SB-6.9", facts(satisfaction=satisfaction), on=DEADLINE)) is unmet


@pytest.mark.parametrize(("count", "unmet"), [(2, True), (3, False), (4, False)])
def test_three_of_eight_service_functions(count, unmet):
    functions = frozenset(
        sorted(["entrepreneurship_coaching", "innovation_support", "training", "industry_chain"])[:count]
    )
    assert bool(check("SB-7", facts(service_functions=functions), on=DEADLINE)) is unmet


@pytest.mark.parametrize(
    ("revoked_on", "unmet"),
    [(dt.date(2024, 5, 31) - D, False), (dt.date(2024, 5, 31), False), (dt.date(2024, 5, 31) + D, True)],
)
def test_two_year_ban_after_revocation(revoked_on, unmet):
    assert bool(check("SB-15", facts(revoked_for_cause_on=revoked_on), on=DEADLINE)) is unmet


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ("SB-6.3", "project_approvals_complete"),
        ("SB-6.6", "governance_sound"),
        ("SB-6.7", "management_rules_complete"),
        ("SB-6.9", "free_public_services"),
        ("SB-6.10", "service_station"),
    ],
)
def test_qualitative_conditions(rule, field):
    assert check(rule, facts(**{field: False}), on=DEADLINE)
