"""A demonstration-base application that meets every condition of SB Art.6–7."""

from __future__ import annotations

import datetime as dt

from domain.scoring.demonstration_base import DemonstrationBaseFacts

DEADLINE = dt.date(2026, 5, 31)

GOOD = DemonstrationBaseFacts(
    application_deadline=DEADLINE,
    established_on=dt.date(2019, 4, 1),
    total_floor_area_m2=8000,
    public_service_area_m2=900,
    resident_small_micro_enterprises=75,
    leading_industry_enterprises=50,
    staff_with_degree_or_title=12,
    staff_with_degree_and_title=6,
    satisfaction=0.94,
    service_functions=frozenset({"entrepreneurship_coaching", "investment_financing", "training", "industry_chain"}),
)
