"""Tongzhou indicators (TZ §五(三)8) of an address and of its host unit, stored with their breakdown."""

from __future__ import annotations

import datetime as dt

import pytest

from domain import commands
from domain.errors import InvalidInput
from tests.tongzhou_case import hosted_address


async def test_indicators_of_address_and_host_unit(uow):
    address_id, enterprises = await hosted_address(uow, 12)
    async with uow(today=dt.date(2025, 4, 1)) as u:
        for eid in enterprises[:11]:
            await commands.record_annual_report(u, eid, year=2024)
        await commands.record_finding(u, enterprises[0], kind="complaint")
        await commands.list_abnormal(u, enterprises[1], reason="uncontactable", expected_version=None)
        await u.commit()
    async with uow() as u:
        scores = await commands.tongzhou_indicators(u, "110112")
        await u.commit()
    by_kind = {s.subject_kind: s for s in scores}
    address, unit = by_kind["Address"], by_kind["Agency"]
    assert (address.subject_id, address.scheme, address.period) == (address_id, "tz_address_indicators", "2026-03-02")
    assert (address.score, address.grade) == (91.67, "alert")
    assert address.breakdown["annual_report"] == {"year": 2024, "due": 12, "on_time": 11, "rate": 11 / 12}
    assert address.breakdown["lost_contact_abnormal"] == 1 and address.breakdown["abnormal"] == 1
    assert address.breakdown["occupancy"] == {"hosted": 12, "capacity": 50, "rate": 0.24}
    assert address.breakdown["complaints_since"]["count"] == 1
    assert address.breakdown["triggers"] == ["TZ-5.3.8.3", "TZ-5.3.8.4"]
    assert (unit.scheme, unit.score, unit.grade, unit.breakdown["triggers"]) == (
        "tz_host_unit_indicators",
        91.67,
        "alert",
        ["TZ-5.3.8.3", "TZ-5.3.8.4"],
    )
    assert unit.facts["addresses"] == [address_id]


async def test_a_clean_address_is_ok(uow):
    _, enterprises = await hosted_address(uow, 3)
    async with uow(today=dt.date(2025, 4, 1)) as u:
        for eid in enterprises:
            await commands.record_annual_report(u, eid, year=2024)
        await u.commit()
    async with uow() as u:
        scores = await commands.tongzhou_indicators(u)
    assert {(s.subject_kind, s.score, s.grade) for s in scores} == {("Address", 100.0, "ok"), ("Agency", 100.0, "ok")}


async def test_indicators_cannot_be_dated_in_the_future(uow):
    async with uow() as u:
        with pytest.raises(InvalidInput):
            await commands.tongzhou_indicators(u, as_of=dt.date(2027, 1, 1))
