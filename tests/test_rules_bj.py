"""Beijing city-wide rules (BJ L508, L2533): removal and credit repair at their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.rules.framework import Severity
from tests.rule_support import ON, check

D = dt.timedelta(days=1)
TWO_YEARS_AGO = dt.date(2024, 3, 2)


def abnormal(since: dt.date, last_tax: dt.date | None, **changes: object) -> dict[str, object]:
    facts = {
        "kind": "company",
        "status": "abnormal",
        "abnormal_since": since,
        "abnormal_reason": "uncontactable",
        "last_tax_filing_on": last_tax,
        "reports_filed_since_abnormal": [],
    }
    return {**facts, **changes}


@pytest.mark.parametrize(
    ("since", "removable"), [(TWO_YEARS_AGO + D, False), (TWO_YEARS_AGO, True), (TWO_YEARS_AGO - D, True)]
)
def test_removal_after_two_abnormal_years(since, removable):
    found = check("BJ-L508", abnormal(since, None))
    assert bool(found) is removable
    if removable:
        assert found[0].action == "remove" and found[0].severity == Severity.WARN


@pytest.mark.parametrize(
    ("last_tax", "removable"), [(TWO_YEARS_AGO - D, True), (TWO_YEARS_AGO, False), (TWO_YEARS_AGO + D, False)]
)
def test_removal_needs_two_years_without_a_tax_filing(last_tax, removable):
    assert bool(check("BJ-L508", abnormal(dt.date(2023, 1, 1), last_tax))) is removable


def test_only_abnormal_enterprises_are_removed():
    assert not check("BJ-L508", abnormal(dt.date(2020, 1, 1), None, status="active"))


def test_individual_business_mark_cleared_after_a_late_report():
    facts = abnormal(dt.date(2025, 7, 1), None, kind="individual_business", abnormal_reason="no_annual_report")
    assert not check("BJ-L2533.IB", facts)
    cleared = check("BJ-L2533.IB", {**facts, "reports_filed_since_abnormal": [2024]})
    assert cleared[0].action == "clear_abnormal_mark"
    assert not check("BJ-L2533.IB", {**facts, "kind": "company", "reports_filed_since_abnormal": [2024]})


def serious(listed: dt.date, removed: dt.date | None = None, kind: str = "serious_dishonest") -> dict[str, object]:
    return {"credit_facts": [{"subject": "agency", "kind": kind, "listed_on": listed, "removed_on": removed}]}


@pytest.mark.parametrize(
    ("listed", "due"), [(dt.date(2021, 3, 2) + D, False), (dt.date(2021, 3, 2), True), (dt.date(2021, 3, 2) - D, True)]
)
def test_automatic_exit_after_five_years(listed, due):
    found = check("BJ-L2533.5", serious(listed))
    assert bool(found) is due
    if due:
        assert found[0].action == "credit_repair" and found[0].severity == Severity.INFO


def test_removed_listings_need_no_repair():
    assert not check("BJ-L2533.5", serious(dt.date(2015, 1, 1), dt.date(2020, 1, 1)))


@pytest.mark.parametrize(
    ("since", "due"), [(dt.date(2023, 3, 2) + D, False), (dt.date(2023, 3, 2), True), (dt.date(2023, 3, 2) - D, True)]
)
def test_application_after_three_abnormal_years(since, due):
    assert bool(check("BJ-L2533.3", abnormal(since, ON), checkpoint="supervision.enterprise")) is due
    assert bool(check("BJ-L2533.3", serious(since, kind="abnormal_list"), checkpoint="supervision.agency")) is due
