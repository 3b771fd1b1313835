"""Reading the change log as a feed: cursors, pages, filters, who sees what, retention and snapshots."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from domain import access, commands, feed
from domain.actor import SYSTEM, Actor
from domain.enums import Role
from domain.ids import to_global_id
from domain.model import ChangeLogEntry
from tests import factories

REGULATOR_BEIJING = Actor("key:bj", Role.REGULATOR, jurisdiction_code="110000")
REGULATOR_WUXI = Actor("key:wx", Role.REGULATOR, jurisdiction_code="320200")
PARTNER = Actor("key:p", Role.PARTNER)


async def _notice(uow, jurisdiction_code: str, title: str = "集群注册工作提示") -> int:
    async with uow() as u:
        n = await commands.create_notice(
            u,
            kind="other",
            jurisdiction_code=jurisdiction_code,
            title=title,
            title_en="Cluster registration notice",
            body="请各托管机构按期报送季度报告。",
            body_en="Agencies report every quarter.",
            legal_basis="WX Art.15",
        )
        await u.commit()
        return n.id


async def _filed_address(uow, agency_id: int) -> int:
    async with uow() as u:
        a = await commands.file_address(u, agency_id=agency_id, **factories.ADDRESS_DEFAULTS)
        await u.commit()
        return a.id


async def _read(sessionmaker, after: int = 0, first: int = 1000, actor: Actor | None = None, **filters):
    async with sessionmaker() as s:
        wanted = await feed.resolve_filter(s, **filters)
        viewer = await access.viewer_for(s, actor or PARTNER)
    async with sessionmaker() as s:
        return await feed.read_changes(s, after=after, first=first, wanted=wanted, viewer=viewer)


def test_cursors_are_opaque_round_trips_and_refuse_forgeries():
    assert feed.decode_cursor(feed.encode_cursor(123456789)) == 123456789
    assert feed.decode_cursor(None) == 0
    for bad in ["", "123", "c2VxOi0x", feed.encode_cursor(5)[:-2] + "!!", "snap:Agency:1", "x" * 300]:
        with pytest.raises(feed.CursorInvalid):
            feed.decode_cursor(bad)


async def test_pages_follow_commit_order_without_gap_or_repeat(uow, sessionmaker):
    agency = await factories.agency(uow)
    address = await factories.published_address(uow, agency.id, capacity=5)
    for _ in range(3):
        await factories.enterprise(uow, address.id)
    everything = await _read(sessionmaker, actor=SYSTEM)
    assert [c.seq for c in everything.changes] == list(range(1, everything.head_seq + 1))

    seen, cursor, pages = [], 0, 0
    while True:
        page = await _read(sessionmaker, after=cursor, first=2, actor=SYSTEM)
        pages += 1
        seen += [c.seq for c in page.changes]
        assert page.end_seq >= cursor
        cursor = page.end_seq
        if not page.has_more:
            break
    assert seen == list(range(1, everything.head_seq + 1))
    assert cursor == everything.head_seq and pages == -(-everything.head_seq // 2)


async def test_public_roles_never_see_an_unpublished_address_but_move_past_it(uow, sessionmaker):
    agency = await factories.agency(uow)
    hidden = await _filed_address(uow, agency.id)
    head = (await _read(sessionmaker, actor=SYSTEM)).head_seq

    public = await _read(sessionmaker, after=1)
    assert public.changes == [] and public.end_seq == head and not public.has_more

    def sees_address(page):
        return any(c.entity_kind == "Address" for c in page.changes)

    assert sees_address(await _read(sessionmaker, actor=REGULATOR_BEIJING))  # the city covers Daxing
    assert not sees_address(await _read(sessionmaker, actor=REGULATOR_WUXI))
    own = Actor("key:a", Role.AGENCY, agency_id=agency.id)
    other = Actor("key:o", Role.AGENCY, agency_id=agency.id + 1000)
    assert sees_address(await _read(sessionmaker, actor=own))
    assert not sees_address(await _read(sessionmaker, actor=other))

    async with uow() as u:
        await commands.approve_address(u, hidden, expected_version=None)
        await u.commit()
    async with uow() as u:
        await commands.publish_address(u, hidden, expected_version=None)
        await u.commit()
    published = await _read(sessionmaker, after=head)
    address_events = [c for c in published.changes if c.entity_kind == "Address"]
    assert [c.type for c in address_events] == ["address.published"]
    assert address_events[0].projection["status"] == "published"


async def test_filters_by_kind_type_and_jurisdiction_where_a_city_covers_its_districts(uow, sessionmaker):
    agency = await factories.agency(uow)  # Daxing 110115
    await factories.published_address(uow, agency.id)
    await _notice(uow, "320205")  # a Wuxi district
    await _notice(uow, "320200")  # Wuxi itself

    wuxi = await _read(sessionmaker, jurisdiction_codes=["320200"])
    assert sorted(c.jurisdiction_code for c in wuxi.changes) == ["320200", "320205"]
    district = await _read(sessionmaker, jurisdiction_codes=["320205"])
    assert [c.jurisdiction_code for c in district.changes] == ["320205"]
    beijing = await _read(sessionmaker, jurisdiction_codes=["110000"])
    assert {c.jurisdiction_code for c in beijing.changes} == {"110115"}

    agencies = await _read(sessionmaker, entity_kinds=["Agency"])
    assert {c.entity_kind for c in agencies.changes} == {"Agency"}
    published = await _read(sessionmaker, types=["address.published", "notice.published"])
    assert {c.type for c in published.changes} == {"address.published", "notice.published"}
    assert published.end_seq == published.head_seq


@pytest.mark.parametrize(
    ("filters", "code"),
    [
        ({"entity_kinds": ["ApiKey"]}, "INVALID_INPUT"),
        ({"types": ["DROP TABLE"]}, "INVALID_INPUT"),
        ({"jurisdiction_codes": ["110101"]}, "NOT_FOUND"),
        ({"jurisdiction_codes": ["11x"]}, "INVALID_INPUT"),
        ({"types": [f"a.b{'c' * i}" for i in range(60)]}, "INVALID_INPUT"),
    ],
)
async def test_bad_filters_are_refused_with_a_code(sessionmaker, filters, code):
    with pytest.raises(feed.DomainError) as refused:
        await _read(sessionmaker, **filters)
    assert refused.value.code == code


@pytest.mark.parametrize("first", [0, -1, 1001])
async def test_page_size_is_one_to_a_thousand(sessionmaker, first):
    with pytest.raises(feed.InvalidInput):
        await _read(sessionmaker, first=first)


async def test_a_cursor_beyond_the_newest_change_is_unknown(uow, sessionmaker):
    await factories.agency(uow)
    with pytest.raises(feed.CursorUnknown):
        await _read(sessionmaker, after=2)


async def test_pruned_changes_expire_the_cursors_that_still_need_them(uow, sessionmaker):
    agency = await factories.agency(uow)
    await factories.published_address(uow, agency.id)
    async with sessionmaker() as s:
        pruned = await feed.prune_log(s, through_seq=3)
        await s.commit()
    assert pruned.deleted == 3 and pruned.oldest_retained_seq == 4
    for cursor in (0, 1, 2):
        with pytest.raises(feed.CursorExpired) as expired:
            await _read(sessionmaker, after=cursor, actor=SYSTEM)
        assert expired.value.code == "CURSOR_EXPIRED"
    assert (await _read(sessionmaker, after=3, actor=SYSTEM)).changes[0].seq == 4

    async with sessionmaker() as s:
        everything = await feed.prune_log(s, before=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        await s.commit()
    assert everything.oldest_retained_seq == everything.head_seq + 1
    with pytest.raises(feed.CursorExpired):
        await _read(sessionmaker, after=everything.head_seq - 1)
    up_to_date = await _read(sessionmaker, after=everything.head_seq)
    assert up_to_date.changes == [] and up_to_date.end_seq == everything.head_seq


async def test_time_retention_refuses_a_cursor_whose_next_change_is_too_old(uow, sessionmaker):
    await factories.agency(uow)
    await factories.agency(uow)
    await factories.agency(uow)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=100)
    async with sessionmaker() as s:
        await s.execute(update(ChangeLogEntry).where(ChangeLogEntry.seq <= 2).values(occurred_at=long_ago))
        await s.commit()

    async def read(after: int) -> feed.ChangePage:
        async with sessionmaker() as s:
            return await feed.read_changes(s, after=after, first=10, retention=dt.timedelta(days=30))

    for cursor in (0, 1):
        with pytest.raises(feed.CursorExpired) as expired:
            await read(cursor)
        assert expired.value.details["retentionDays"] == 30
    assert [c.seq for c in (await read(2)).changes] == [3]


async def test_snapshot_pages_cover_the_public_state_once_and_state_their_cursor(uow, sessionmaker):
    agency = await factories.agency(uow)
    address = await factories.published_address(uow, agency.id)
    await factories.enterprise(uow, address.id)
    hidden = await _filed_address(uow, agency.id)
    await _notice(uow, "320200")

    seen, after, first_cursor = [], None, None
    while True:
        async with sessionmaker() as s:
            page = await feed.read_snapshot(s, after=after, first=4)
        first_cursor = page.change_seq if first_cursor is None else first_cursor
        seen += [(e.kind, e.id) for e in page.entities]
        if page.end is None:
            break
        after = page.end
    async with sessionmaker() as s:
        head = await feed.head_seq(s)
    assert first_cursor == head
    assert len(seen) == len(set(seen))
    kinds = [k for k, _ in seen]
    assert kinds.count("Jurisdiction") == 11 and kinds.count("Agency") == 1 and kinds.count("Enterprise") == 1
    assert kinds.count("Notice") == 2  # the publication notice and the Wuxi one
    assert ("Address", to_global_id("Address", address.id)) in seen
    assert ("Address", to_global_id("Address", hidden)) not in seen

    async with sessionmaker() as s:
        regulator = await access.viewer_for(s, REGULATOR_BEIJING)
        wuxi = await feed.expand_jurisdictions(s, ["320200"])
    async with sessionmaker() as s:
        inside = await feed.read_snapshot(s, after=None, first=100, kinds=["Address"], viewer=regulator)
    assert len(inside.entities) == 2 and inside.end is None
    async with sessionmaker() as s:
        only_wuxi = await feed.read_snapshot(s, after=None, first=100, jurisdiction_codes=wuxi)
    assert {e.jurisdiction_code for e in only_wuxi.entities} <= wuxi


def test_snapshot_positions_refuse_forgeries():
    for bad in ["", feed.encode_cursor(3), "c25hcDpBZ2VuY3k6eA"]:
        with pytest.raises(feed.CursorInvalid):
            feed.decode_snapshot_position(bad)
