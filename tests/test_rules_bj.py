"""Beijing city-wide rules (BJ L508, L2533): removal and credit repair at their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.facts import missing_report_years
from domain.rules.framework import Severity
from tests.rule_support import check

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
    facts = abnormal(
        dt.date(2025, 7, 1),
        None,
        kind="individual_business",
        abnormal_reason="no_annual_report",
        missing_report_years=[2024],
    )
    assert not check("BJ-L2533.IB", facts)
    cleared = check("BJ-L2533.IB", {**facts, "reports_filed_since_abnormal": [2024]})
    assert cleared[0].action == "clear_abnormal_mark"
    assert "2024 年度报告" in cleared[0].message_zh and "(2024)" in cleared[0].message_en
    assert not check("BJ-L2533.IB", {**facts, "kind": "company", "reports_filed_since_abnormal": [2024]})


def test_a_later_years_report_does_not_clear_the_missing_one():
    facts = abnormal(
        dt.date(2024, 7, 1),
        None,
        kind="individual_business",
        abnormal_reason="no_annual_report",
        missing_report_years=[2023],
    )
    assert not check("BJ-L2533.IB", {**facts, "reports_filed_since_abnormal": [2024]})
    assert check("BJ-L2533.IB", {**facts, "reports_filed_since_abnormal": [2023, 2024]})
    two_missing = {**facts, "missing_report_years": [2022, 2023]}
    assert not check("BJ-L2533.IB", {**two_missing, "reports_filed_since_abnormal": [2023]})
    assert check("BJ-L2533.IB", {**two_missing, "reports_filed_since_abnormal": [2022, 2023]})
    assert not check("BJ-L2533.IB", {**facts, "missing_report_years": [], "reports_filed_since_abnormal": [2024]})


@pytest.mark.parametrize(
    ("marked_on", "missing"),
    [
        (dt.date(2024, 6, 30), [2022]),  # the 2023 report is still within its deadline
        (dt.date(2024, 7, 1), [2022, 2023]),
        (dt.date(2023, 7, 1), [2022]),
    ],
)
def test_missing_report_years_read_back_from_the_mark(marked_on, missing):
    assert missing_report_years(dt.date(2022, 5, 1), marked_on, {}) == missing


def test_a_report_filed_before_the_mark_is_not_missing_and_one_filed_after_is():
    assert missing_report_years(dt.date(2022, 5, 1), dt.date(2024, 7, 1), {2022: (dt.date(2023, 6, 1), True)}) == [2023]
    late = {2022: (dt.date(2024, 7, 1), False)}
    assert missing_report_years(dt.date(2022, 5, 1), dt.date(2024, 7, 1), late) == [2022, 2023]
    assert missing_report_years(dt.date(2022, 5, 1), None, {}) == []


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


def listings(*rows: tuple[str, dt.date, dt.date | None]) -> dict[str, object]:
    return {
        "credit_facts": [
            {"subject": "agency", "kind": kind, "listed_on": listed, "removed_on": removed}
            for kind, listed, removed in rows
        ]
    }


SERIOUS_ON = dt.date(2025, 3, 2)


@pytest.mark.parametrize(
    ("since", "due"),
    [(dt.date(2022, 3, 2) + D, False), (dt.date(2022, 3, 2), True), (dt.date(2022, 3, 2) - D, True)],
)
def test_application_needs_a_serious_listing_after_three_abnormal_years(since, due):
    found = check("BJ-L2533.3", listings(("abnormal_list", since, None), ("serious_dishonest", SERIOUS_ON, None)))
    assert bool(found) is due
    if due:
        assert "严重违法失信名单" in found[0].message_zh and found[0].action == "credit_repair"


def test_three_abnormal_years_alone_are_not_a_serious_listing():
    assert not check("BJ-L2533.3", listings(("abnormal_list", dt.date(2018, 1, 1), None)))


def test_a_removed_serious_listing_or_an_abnormal_listing_ended_before_it_does_not_count():
    removed = listings(("abnormal_list", dt.date(2018, 1, 1), None), ("serious_dishonest", SERIOUS_ON, SERIOUS_ON))
    assert not check("BJ-L2533.3", removed)
    ended = listings(("abnormal_list", dt.date(2018, 1, 1), SERIOUS_ON - D), ("serious_dishonest", SERIOUS_ON, None))
    assert not check("BJ-L2533.3", ended)
    still_on = listings(("abnormal_list", dt.date(2018, 1, 1), SERIOUS_ON), ("serious_dishonest", SERIOUS_ON, None))
    assert check("BJ-L2533.3", still_on)
