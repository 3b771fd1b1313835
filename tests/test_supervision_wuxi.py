"""A Wuxi supervision run: Art.26 circumstances recommend stopping the service and carry the points to
deduct; after 2026-07-18 the measures no longer apply and the run says so."""

from __future__ import annotations

import datetime as dt

from domain import commands
from tests.wuxi_case import wuxi_agency


async def test_uncontactable_entities_and_missing_reports_recommend_stopping_the_service(uow):
    agency_id, enterprises = await wuxi_agency(uow, 10)
    async with uow(today=dt.date(2025, 11, 3)) as u:
        for eid in enterprises[:3]:
            await commands.list_abnormal(u, eid, reason="uncontactable", expected_version=None)
        await u.commit()
    async with uow() as u:
        outcome = await commands.run_supervision(u, "320200", dt.date(2026, 3, 2))
        await u.commit()
    by_rule = {f.rule_id: f for f in outcome.findings if f.subject_kind == "Agency" and f.subject_id == agency_id}
    assert set(by_rule) == {"WX-26.3", "WX-15", "WX-13.3", "WX-26.4"}
    missing = by_rule["WX-26.4"]  # no city-wide rate given: said, not compared, nothing deducted
    assert (missing.severity, missing.action) == ("info", None) and "deduction" not in missing.facts
    share = by_rule["WX-26.3"]
    assert (share.action, share.article, share.facts["deduction"]) == ("stop_service", "WX Art.26(3)", 3)
    assert share.facts["uncontactable"] == enterprises[:3] and share.facts["discretionary"] is True
    assert "30.0%" in share.message_zh and "above 10%" in share.message_en
    late = by_rule["WX-15"].facts["late_or_missing"]
    assert [(q["year"], q["quarter"]) for q in late] == [(2025, 1), (2025, 2), (2025, 3), (2025, 4)]
    assert all(q["submitted_on"] is None and not q["due_estimated"] for q in late)
    assert outcome.run.summary["jurisdictions"][0] == "320200" and "320213" in outcome.run.summary["jurisdictions"]


async def test_after_the_measures_expire_a_run_evaluates_no_wuxi_rule_and_says_so(uow):
    await wuxi_agency(uow, 2)
    async with uow(today=dt.date(2026, 8, 3)) as u:
        outcome = await commands.run_supervision(u, "320213")
        await u.commit()
    assert [(f.subject_kind, f.rule_id, f.severity, f.article) for f in outcome.findings] == [
        ("Jurisdiction", "WX-IN-FORCE", "info", "WX Art.32")
    ]
    assert "WX-26.3" in outcome.findings[0].facts["rules"]
    assert outcome.run.summary["not_in_force"] == ["WX-IN-FORCE"]


async def test_only_a_contact_that_reached_the_entity_fills_its_quarter(uow):
    agency_id, enterprises = await wuxi_agency(uow, 1)
    eid = enterprises[0]

    async def gaps() -> set[tuple[int, int]]:
        async with uow() as u:
            outcome = await commands.run_supervision(u, "320200", dt.date(2026, 3, 2))
        found = [f for f in outcome.findings if f.rule_id == "WX-13.3" and f.subject_id == agency_id]
        return {(g["year"], g["quarter"]) for g in found[0].facts["gaps"]} if found else set()

    async with uow() as u:
        for month in (2, 5, 8, 11):
            await commands.record_contact_log(
                u, agency_id, eid, contacted_on=dt.date(2025, month, 10), method="phone", reached=month != 5
            )
        await u.commit()
    missed = await gaps()
    assert (2025, 2) in missed and (2025, 1) not in missed
    async with uow() as u:
        await commands.record_contact_log(
            u, agency_id, eid, contacted_on=dt.date(2025, 5, 20), method="visit", reached=True
        )
        await u.commit()
    assert (2025, 2) not in await gaps()
