"""A Tongzhou host unit through successive supervision runs: interview, wait, suspension, cancellation
(TZ §五(三)8), with the address's status left to the regulator."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from domain import commands
from domain.model import Address, RuleFindingRecord
from tests.tongzhou_case import hosted_address


async def run(uow, today: dt.date):
    async with uow(today=today) as u:
        outcome = await commands.run_supervision(u, "110112")
        await u.commit()
    return outcome


def actions(outcome, address_id: int) -> dict[str, str]:
    return {f.rule_id: f.action for f in outcome.findings if f.subject_kind == "Address" and f.subject_id == address_id}


async def test_escalation_across_runs(uow, sessionmaker):
    address_id, enterprises = await hosted_address(uow, 20)
    async with uow(today=dt.date(2025, 4, 1)) as u:
        for eid in enterprises[:18]:
            await commands.record_annual_report(u, eid, year=2024)
        for eid in enterprises[:5]:
            await commands.record_finding(u, eid, kind="false_material", found_on=dt.date(2025, 3, 15))
        await u.commit()

    first = await run(uow, dt.date(2026, 3, 2))
    expected = {"TZ-5.3.8.4": "interview", "TZ-5.3.8.5": "interview", "TZ-5.3.8.6": "interview"}
    assert actions(first, address_id) == expected
    rate = next(f for f in first.findings if f.rule_id == "TZ-5.3.8.4")
    assert rate.facts["annual_report"]["rate"] == 0.9 and rate.facts["annual_report"]["year"] == 2024
    assert rate.article == "TZ §五(三)8(4)" and "年报率 90.0%" in rate.message_zh and "below 95%" in rate.message_en
    assert rate.facts["escalation"]["rectify_by"] == "2026-04-01"
    assert first.run.summary["by_action"]["interview"] == 3 and first.run.summary["changes_status"] is False

    waiting = await run(uow, dt.date(2026, 3, 20))
    assert set(actions(waiting, address_id).values()) == {"await_rectification"}

    suspended = await run(uow, dt.date(2026, 4, 5))
    assert set(actions(suspended, address_id).values()) == {"suspend"}
    async with sessionmaker() as s:
        assert (await s.get(Address, address_id)).status == "published"  # the run recommends; it does not act

    async with uow(today=dt.date(2026, 4, 6)) as u:
        await commands.suspend_address(u, address_id, reason="年报率低于95%，整改不力", expected_version=None)
        await u.commit()
    cancelled = await run(uow, dt.date(2026, 5, 10))
    assert set(actions(cancelled, address_id).values()) == {"cancel"}
    assert all(f.facts["subject_status"] == "suspended" for f in cancelled.findings if f.subject_kind == "Address")

    async with sessionmaker() as s:
        stored = (
            (await s.execute(select(RuleFindingRecord).where(RuleFindingRecord.run_id == cancelled.run.id)))
            .scalars()
            .all()
        )
    # The false-material findings of 2025-03-15 have left the look-back year, so TZ-5.3.8.6 no longer
    # applies; the cumulative count of TZ-5.3.8.5 keeps them.
    assert sorted(f.rule_id for f in stored) == ["TZ-5.3.8.4", "TZ-5.3.8.5"]


async def test_a_trigger_that_went_away_starts_again_at_interview(uow):
    address_id, enterprises = await hosted_address(uow, 10)
    async with uow(today=dt.date(2025, 4, 1)) as u:
        for eid in enterprises:
            await commands.record_annual_report(u, eid, year=2024)
        await u.commit()
    async with uow(today=dt.date(2025, 11, 1)) as u:
        await commands.list_abnormal(u, enterprises[0], reason="uncontactable", expected_version=None)
        await u.commit()
    first = await run(uow, dt.date(2025, 12, 1))
    assert actions(first, address_id) == {"TZ-5.3.8.3": "interview"}

    async with uow(today=dt.date(2025, 12, 5)) as u:
        await commands.remove_abnormal(u, enterprises[0], expected_version=None)
        await u.commit()
    cured = await run(uow, dt.date(2026, 1, 5))
    assert actions(cured, address_id) == {}

    async with uow(today=dt.date(2026, 1, 10)) as u:
        await commands.list_abnormal(u, enterprises[1], reason="uncontactable", expected_version=None)
        await u.commit()
    again = await run(uow, dt.date(2026, 2, 20))
    assert actions(again, address_id) == {"TZ-5.3.8.3": "interview"}
