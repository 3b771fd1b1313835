"""The website's pure parts: every code it can show has a bilingual name, free places follow one rule in
Python and SQL, working days agree with domain/workdays.py, and the map places points where they are."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.capacity import accepts_registrations, free_places, free_places_sql
from domain.enums import AddressKind, AddressStatus, AgencyKind, AgencyRole, AgencyStatus, NoticeKind, NoticeStatus
from domain.key_industries import KEY_INDUSTRIES
from domain.model import Address
from domain.workdays import add_working_days
from tests import factories
from tests.factories import UowFactory
from website import geo
from website.labels import UnknownCode, label, table
from website.notices import working_days_between

ENUMS = {
    "address_status": AddressStatus,
    "address_kind": AddressKind,
    "agency_status": AgencyStatus,
    "agency_role": AgencyRole,
    "agency_kind": AgencyKind,
    "notice_kind": NoticeKind,
    "notice_status": NoticeStatus,
}


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_every_enum_value_has_a_chinese_and_an_english_name(name: str) -> None:
    for value in ENUMS[name]:
        zh, en = label(name, value, "zh"), label(name, value, "en")
        assert zh and en and zh != value and en != value, (name, value)
        assert any("\u4e00" <= c <= "\u9fff" for c in zh), (name, value, zh)


def test_key_industries_and_grades_are_named() -> None:
    assert set(table("industry")) == set(KEY_INDUSTRIES)
    assert {k: v.name_zh for k, v in KEY_INDUSTRIES.items()} == {k: zh for k, (zh, _) in table("industry").items()}
    assert [label("grade", g, "en") for g in "ABCD"] == ["Grade A", "Grade B", "Grade C", "Grade D"]


def test_an_unnamed_code_is_refused_rather_than_shown() -> None:
    with pytest.raises(UnknownCode):
        label("address_status", "teleported", "zh")
    assert label("address_status", None, "zh") == ""


def test_free_places_are_zero_unless_registrations_are_open() -> None:
    assert [s for s in AddressStatus if accepts_registrations(s)] == [AddressStatus.PUBLISHED]
    for status in AddressStatus:
        expected = 30 if status == AddressStatus.PUBLISHED else 0
        assert free_places(status, 100, 70) == expected
    assert free_places(AddressStatus.PUBLISHED, 10, 12) == 0


async def test_the_sql_rule_agrees_with_the_python_rule(
    uow: UowFactory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    agency = await factories.agency(uow)
    address = await factories.published_address(uow, agency.id, capacity=50)
    seen = []
    for status in AddressStatus:
        for occupied in (0, 49, 50, 60):
            async with sessionmaker() as session:
                await session.execute(
                    update(Address).where(Address.id == address.id).values(status=status, occupied=occupied)
                )
                sql = (await session.execute(select(free_places_sql()).where(Address.id == address.id))).scalar_one()
                await session.commit()
            seen.append((status, occupied, sql, free_places(status, 50, occupied)))
    assert all(sql == python for _, _, sql, python in seen), seen
    assert {python for *_, python in seen} == {0, 1, 50}


def test_working_days_match_the_calendar_used_for_deadlines() -> None:
    start = dt.date(2025, 9, 28)  # before the National Day holiday week
    for days in (1, 5, 10):
        end = add_working_days(start, days).date
        assert working_days_between(start, end) == (days, False)
    assert working_days_between(dt.date(2025, 10, 1), dt.date(2025, 10, 8)) == (0, False)


def test_gcj02_shifts_points_in_china_only() -> None:
    # Tiananmen: WGS-84 and the GCJ-02 the published transform gives (the shift is a few hundred metres).
    lat, lon = geo.wgs84_to_gcj02(39.90750, 116.39125)
    assert lat == pytest.approx(39.90890, abs=2e-4) and lon == pytest.approx(116.39749, abs=2e-4)
    assert geo.wgs84_to_gcj02(48.8584, 2.2945) == (48.8584, 2.2945)


def test_web_mercator_matches_the_tile_scheme() -> None:
    assert geo.mercator(0.0, 0.0, 1) == pytest.approx((256.0, 256.0))
    x, y = geo.mercator(39.9075, 116.39125, 10)
    # The slippy-map tile formula (x from the longitude, y = (1 - asinh(tan φ) / π) / 2 · 2^z).
    n = 2**10
    assert math.floor(x / 256) == math.floor((116.39125 + 180) / 360 * n) == 843
    assert math.floor(y / 256) == math.floor((1 - math.asinh(math.tan(math.radians(39.9075))) / math.pi) / 2 * n) == 388


def test_tiles_are_off_unless_configured() -> None:
    assert not geo.MapTiles.from_env({}).enabled
    tiles = geo.MapTiles.from_env(
        {"JIQUN_MAP_TILES": "https://t.example/{z}/{x}/{y}.png", "JIQUN_MAP_TILES_CRS": "GCJ02"}
    )
    assert tiles.enabled and tiles.crs == "gcj02"
    with pytest.raises(ValueError):
        geo.MapTiles.from_env({"JIQUN_MAP_TILES_CRS": "bd09"})
