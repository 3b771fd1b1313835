"""A Daxing supervision run: Art.13 suspensions of addresses and agencies, and the Beijing city-wide
removal of long-abnormal enterprises (BJ L508), recorded as recommendations."""

from __future__ import annotations

import datetime as dt

import pytest

from domain import commands
from domain.commands.agencies import CreditFactInput
from domain.errors import InvalidInput
from domain.model import Address, Agency, Enterprise
from tests import factories

START = dt.date(2024, 1, 10)


async def daxing(uow):
    agency = await factories.agency(uow, today=START)
    hazardous = await factories.published_address(
        uow, agency.id, today=START, tenure="leased", lease_end=dt.date(2030, 6, 30), owner_consent=True
    )
    ending = await factories.published_address(
        uow,
        agency.id,
        today=START,
        address_text="北京市大兴区金星西路5号",
        tenure="entrusted",
        lease_end=dt.date(2026, 6, 30),
    )
    long_abnormal = await factories.enterprise(uow, hazardous.id, today=dt.date(2024, 3, 1))
    recent_abnormal = await factories.enterprise(uow, hazardous.id, today=dt.date(2024, 3, 1))
    async with uow(today=dt.date(2024, 3, 1)) as u:
        await commands.list_abnormal(u, long_abnormal.id, reason="uncontactable", expected_version=None)
        await u.commit()
    async with uow(today=dt.date(2025, 6, 1)) as u:
        await commands.list_abnormal(u, recent_abnormal.id, reason="no_annual_report", expected_version=None)
        await u.commit()
    async with uow(today=dt.date(2026, 1, 10)) as u:
        await commands.record_finding(
            u,
            recent_abnormal.id,
            kind="safety_hazard",
            description="消防通道堵塞",
            hazard_severity="major",
            reported_by="大兴区消防救援支队",
        )
        await commands.record_credit_fact(
            u,
            agency.id,
            CreditFactInput(subject="legal_representative", kind="dishonest_debtor", listed_on=dt.date(2025, 9, 1)),
        )
        await u.commit()
    return agency, hazardous, ending, long_abnormal, recent_abnormal


def recommendations(outcome) -> set[tuple[str, int, str, str | None]]:
    return {(f.subject_kind, f.subject_id, f.rule_id, f.action) for f in outcome.findings}


async def test_daxing_run_recommends_suspensions_and_removal(uow, sessionmaker):
    agency, hazardous, ending, long_abnormal, _ = await daxing(uow)
    async with uow() as u:
        outcome = await commands.run_supervision(u, "110115", dt.date(2026, 3, 2))
        await u.commit()
    assert recommendations(outcome) == {
        ("Address", hazardous.id, "DX-13.1", "suspend"),
        ("Address", ending.id, "DX-13.6", "suspend"),
        ("Agency", agency.id, "DX-13.7", "suspend"),
        ("Enterprise", long_abnormal.id, "BJ-L508", "remove"),
    }
    removal = next(f for f in outcome.findings if f.rule_id == "BJ-L508")
    assert removal.facts["abnormal_since"] == "2024-03-01" and removal.facts["last_tax_filing_on"] is None
    assert "除名" in removal.message_zh and "may remove" in removal.message_en
    lawful_use = next(f for f in outcome.findings if f.rule_id == "DX-13.6")
    assert lawful_use.facts["required_until"] == "2026-09-02" and lawful_use.article == "DX Art.13(6)"
    assert outcome.run.summary["subjects"] == {"Address": 2, "Agency": 1, "Enterprise": 2}
    async with sessionmaker() as s:
        assert (await s.get(Address, hazardous.id)).status == "published"
        assert (await s.get(Agency, agency.id)).status == "active"
        assert (await s.get(Enterprise, long_abnormal.id)).status == "abnormal"


async def test_a_recent_tax_filing_prevents_removal(uow):
    _, _, _, long_abnormal, _ = await daxing(uow)
    async with uow() as u:
        await commands.record_tax_filing(u, long_abnormal.id, filed_on=dt.date(2024, 6, 15))
        await u.commit()
    async with uow() as u:
        outcome = await commands.run_supervision(u, "110115", dt.date(2026, 3, 2))
    assert "BJ-L508" not in {f.rule_id for f in outcome.findings}


async def test_a_city_run_covers_the_districts_with_their_own_packs(uow):
    _, hazardous, *_ = await daxing(uow)
    async with uow() as u:
        outcome = await commands.run_supervision(u, "110000", dt.date(2026, 3, 2))
    assert ("Address", hazardous.id, "DX-13.1", "suspend") in recommendations(outcome)
    assert outcome.run.summary["jurisdictions"] == ["110000", "110112", "110115"]


async def test_a_run_in_the_past_sees_only_what_was_recorded_by_then(uow):
    await daxing(uow)
    async with uow() as u:
        outcome = await commands.run_supervision(u, "110115", dt.date(2025, 12, 31))
    rules = {f.rule_id for f in outcome.findings}
    assert "DX-13.1" not in rules and "DX-13.7" in rules  # the hazard was found on 2026-01-10


async def test_a_run_cannot_be_dated_in_the_future(uow):
    async with uow() as u:
        with pytest.raises(InvalidInput) as refused:
            await commands.run_supervision(u, "110115", dt.date(2026, 3, 3))
    assert refused.value.field == "asOf"


async def test_a_general_hazard_does_not_recommend_suspension(uow):
    agency = await factories.agency(uow, today=START)
    address = await factories.published_address(
        uow, agency.id, today=START, tenure="leased", lease_end=dt.date(2032, 6, 30), owner_consent=True
    )
    hosted = await factories.enterprise(uow, address.id, today=dt.date(2024, 3, 1))
    async with uow(today=dt.date(2026, 1, 10)) as u:
        await commands.record_finding(u, hosted.id, kind="safety_hazard", hazard_severity="general")
        await commands.record_finding(u, hosted.id, kind="safety_hazard")  # no determination recorded
        await u.commit()
    async with uow() as u:
        outcome = await commands.run_supervision(u, "110115", dt.date(2026, 3, 2))
    assert "DX-13.1" not in {f.rule_id for f in outcome.findings}
    async with uow(today=dt.date(2026, 1, 10)) as u:
        await commands.record_finding(u, hosted.id, kind="safety_hazard", hazard_severity="major")
        await u.commit()
    async with uow() as u:
        outcome = await commands.run_supervision(u, "110115", dt.date(2026, 3, 2))
    hazard = next(f for f in outcome.findings if f.rule_id == "DX-13.1")
    assert "重大安全隐患 1 起" in hazard.message_zh and "1 major safety hazard" in hazard.message_en


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        ("complaint", {"hazard_severity": "major"}, "hazardSeverity"),
        ("safety_hazard", {"hazard_severity": "huge"}, "hazardSeverity"),
        ("safety_hazard", {"agency_involved": True}, "agencyInvolved"),
    ],
)
async def test_severity_and_involvement_belong_to_their_own_kinds_of_finding(uow, kind, changes, field):
    agency = await factories.agency(uow, today=START)
    address = await factories.published_address(
        uow, agency.id, today=START, tenure="leased", lease_end=dt.date(2032, 6, 30), owner_consent=True
    )
    hosted = await factories.enterprise(uow, address.id, today=dt.date(2024, 3, 1))
    async with uow() as u:
        with pytest.raises(InvalidInput) as refused:
            await commands.record_finding(u, hosted.id, kind=kind, **changes)
    assert refused.value.field == field
