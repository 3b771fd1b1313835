"""The public website against demo data through a real server: the directory's filters give the rows
the database holds, free places follow domain/capacity.py, unpublished addresses stay hidden, notices
show their working-day deadlines and withdrawals, the feeds are Atom, and every page is bilingual,
labelled and carries schema.org JSON-LD."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from domain.db import create_engine, create_sessionmaker
from domain.enums import AddressStatus, AgencyKind, AgencyRole, AgencyStatus, NoticeKind, NoticeStatus
from domain.model import Address, AddressKeyIndustry, Agency, Jurisdiction, Notice
from domain.parameters import PARAMETERS
from domain.unit_of_work import china_today
from domain.workdays import add_working_days
from tests.server import running_server
from tests.website_support import Site, code_in, parse, result_codes, site, total_of
from website import app as website_app
from website import geo

__all__ = ["site"]  # the fixture, used by name
ATOM = "{http://www.w3.org/2005/Atom}"


def get(site: Site, path: str, **params: Any) -> httpx.Response:
    with site.server.client() as client:
        return client.get(path, params=params or None)  # an empty mapping would drop the path's own query


def all_codes(site: Site, path: str = "/", **params: Any) -> tuple[int, list[str]]:
    """The total a search states and the codes of every result, following its pages."""
    first = parse(get(site, path, **params).text)
    total, codes, page = total_of(first), result_codes(first), 1
    while len(codes) < total:
        page += 1
        more = result_codes(parse(get(site, path, **params, page=page).text))
        assert more, f"page {page} is empty while {len(codes)} of {total} were shown"
        codes += more
    return total, codes


def visible_addresses(site: Site) -> list[Address]:
    return [r[0] for r in site.rows(select(Address).where(Address.published_on.is_not(None)).order_by(Address.code))]


def test_the_directory_lists_every_published_address_paginated_with_its_total(site: Site) -> None:
    expected = [a.code for a in visible_addresses(site)]
    total, codes = all_codes(site)
    assert total == len(expected) == len(codes)
    assert codes == expected
    first = parse(get(site, "/").text)
    assert len(result_codes(first)) == 20 < total, "the first page holds one page of results"
    unpublished = site.rows(select(Address.code).where(Address.published_on.is_(None)))
    assert unpublished, "the demo has addresses not yet published"
    for (code,) in unpublished:
        assert code not in codes
        assert get(site, f"/addresses/{code}").status_code == 404


def test_free_places_are_zero_where_registrations_are_closed(site: Site) -> None:
    by_code = {a.code: a for a in visible_addresses(site)}
    closed = [a for a in by_code.values() if a.status != AddressStatus.PUBLISHED]
    assert closed and any(a.capacity > a.occupied for a in closed), "the demo has closed addresses with room"
    seen = 0
    for page in (1, 2):
        for row in parse(get(site, "/", page=page).text).rows[1:]:
            a = by_code[code_in(row[0]) or ""]
            expected = max(a.capacity - a.occupied, 0) if a.status == AddressStatus.PUBLISHED else 0
            assert int(row[2]) == a.capacity and int(row[3]) == expected, row
            seen += 1
    assert seen == len(by_code)
    for a in closed:
        html = get(site, f"/addresses/{a.code}").text
        assert '<dd class="free">0</dd>' in html


def test_each_filter_returns_the_addresses_the_database_holds(site: Site) -> None:
    visible = visible_addresses(site)
    agencies = {g.id: g for (g,) in site.rows(select(Agency))}
    industries = {(r.address_id, r.industry) for (r,) in site.rows(select(AddressKeyIndustry))}
    districts = site.rows(select(Jurisdiction.code, Jurisdiction.parent_code))
    below = {code: {c for c, parent in districts if c == code or parent == code} for code, _ in districts}
    visible_ids = {a.id for a in visible}
    industry = Counter(i for a, i in industries if a in visible_ids).most_common(1)[0][0]
    agency = agencies[visible[0].agency_id]
    street = visible[0].address_text[3:9]
    cases: list[tuple[dict[str, Any], list[Address]]] = [
        ({"district": "110115"}, [a for a in visible if a.jurisdiction_code == "110115"]),
        ({"district": "320200"}, [a for a in visible if a.jurisdiction_code in below["320200"]]),
        ({"q": street}, [a for a in visible if street in a.address_text or street in (a.building or "")]),
        ({"industry": industry}, [a for a in visible if (a.id, industry) in industries]),
        ({"agency": agency.uscc}, [a for a in visible if agency.id in (a.agency_id, a.host_unit_id)]),
        ({"grade": "A"}, [a for a in visible if agencies[a.agency_id].latest_grade == "A"]),
        ({"open": "1"}, [a for a in visible if a.status == AddressStatus.PUBLISHED and a.capacity > a.occupied]),
        (
            {"district": "110000", "open": "1", "industry": industry},
            [
                a
                for a in visible
                if a.jurisdiction_code in below["110000"]
                and a.status == AddressStatus.PUBLISHED
                and a.capacity > a.occupied
                and (a.id, industry) in industries
            ],
        ),
    ]
    for params, wanted in cases:
        assert wanted and len(wanted) < len(visible), f"{params} should select some addresses, not all"
        total, codes = all_codes(site, **params)
        assert (total, sorted(codes)) == (len(wanted), sorted(a.code for a in wanted)), params
        assert sorted(all_codes(site, "/en/", **params)[1]) == sorted(codes), params
    # An unknown value is named and dropped, never silently matching nothing.
    page = parse(get(site, "/", grade="Z", district="999999").text)
    assert total_of(page) == len(visible)
    assert any("grade" in t and "district" in t for t in page.text)


def test_an_address_page_shows_history_notices_and_its_agency(site: Site) -> None:
    suspended = next(a for a in visible_addresses(site) if a.status == AddressStatus.SUSPENDED)
    page = parse(get(site, f"/addresses/{suspended.code}").text)
    history = [r for r in page.rows if len(r) == 4][1:]
    assert [r[2] for r in history][-1] == "暂停登记"
    assert "已申请" in [r[2] for r in history] and "已公示，可登记" in [r[2] for r in history]
    notices = site.rows(select(Notice.id).where(Notice.subject_kind == "Address", Notice.subject_id == suspended.id))
    assert {f"/notices/{n}" for (n,) in notices} <= set(page.links)
    agency = site.rows(select(Agency.uscc).where(Agency.id == suspended.agency_id))[0][0]
    assert f"/agencies/{agency}" in page.links
    (place,) = page.json_ld
    properties = {p["name"]: p["value"] for p in place["additionalProperty"]}
    assert place["identifier"] == suspended.code and place["geo"]["latitude"] == suspended.latitude
    assert properties == {"capacity": suspended.capacity, "freePlaces": 0, "status": "暂停登记"}
    english = parse(get(site, f"/en/addresses/{suspended.code}").text)
    assert "Suspended" in english.text and english.html_lang == "en"


def test_an_agency_page_lists_its_addresses_scores_and_grade(site: Site) -> None:
    (graded,) = site.rows(select(Agency).where(Agency.latest_grade == "A").order_by(Agency.id).limit(1))[0]
    page = parse(get(site, f"/agencies/{graded.uscc}").text)
    mine = [a.code for a in visible_addresses(site) if graded.id in (a.agency_id, a.host_unit_id)]
    assert sorted(result_codes(page)) == sorted(mine)
    assert "A级" in " ".join(page.text) and "无锡市托管机构信用等级评价" in page.text
    assert get(site, "/agencies/NOSUCHCODE").status_code == 404


def notice_ids(site: Site, **params: Any) -> tuple[int, list[int]]:
    ids: list[int] = []
    page_no = 1
    while True:
        page = parse(get(site, "/notices/", **params, page=page_no).text)
        total = int(next(t for t in page.text if t.startswith("共 ")).split()[1])
        ids += [int(link.rsplit("/", 1)[1]) for link in page.links if link.rsplit("/", 1)[-1].isdigit()]
        if len(ids) >= total:
            return total, ids
        page_no += 1


def test_the_notices_filter_by_kind_jurisdiction_and_date(site: Site) -> None:
    notices = [n for (n,) in site.rows(select(Notice))]
    districts = {c for (c,) in site.rows(select(Jurisdiction.code).where(Jurisdiction.parent_code == "320200"))}
    cases: list[tuple[dict[str, Any], list[Notice]]] = [
        ({}, notices),
        ({"kind": "address_published"}, [n for n in notices if n.kind == NoticeKind.ADDRESS_PUBLISHED]),
        ({"jurisdiction": "320200"}, [n for n in notices if n.jurisdiction_code in districts | {"320200"}]),
        ({"from": "2025-01-01", "to": "2025-12-31"}, [n for n in notices if n.published_on.year == 2025]),
    ]
    for params, wanted in cases:
        assert wanted, params
        total, ids = notice_ids(site, **params)
        assert total == len(wanted) and sorted(ids) == sorted(n.id for n in wanted), params
        assert ids == sorted(
            ids, key=lambda i: next((-n.published_on.toordinal(), -n.id) for n in notices if n.id == i)
        )


def test_a_notice_shows_its_basis_deadline_in_working_days_and_whether_it_is_open(site: Site) -> None:
    today = china_today()
    published = [
        n
        for (n,) in site.rows(
            select(Notice).where(Notice.kind == NoticeKind.ADDRESS_PUBLISHED, Notice.status == "published")
        )
    ]
    days = PARAMETERS.notice_objection_working_days
    for n in published[:5]:
        assert n.deadline_on == add_working_days(n.published_on, days).date
        html = get(site, f"/notices/{n.id}").text
        assert n.legal_basis in html and f'<time datetime="{n.published_on}">' in html
        assert f"自发布次日起 {days} 个工作日" in html
        assert ("公示期内，可提出异议" if today <= n.deadline_on else "已截止") in html
        english = get(site, f"/en/notices/{n.id}").text
        assert f"{days} working days after publication" in english


def test_a_withdrawn_notice_stays_with_its_reason(site: Site) -> None:
    withdrawn = [n for (n,) in site.rows(select(Notice).where(Notice.status == NoticeStatus.WITHDRAWN))]
    assert withdrawn, "the demo withdraws a notice"
    for n in withdrawn:
        assert n.withdrawal_reason
        html = get(site, f"/notices/{n.id}").text
        assert "已撤回" in html and n.withdrawal_reason in html and "已截止" in html
        assert n.id in notice_ids(site)[1]


def entries(feed: ET.Element) -> list[ET.Element]:
    return feed.findall(f"{ATOM}entry")


def test_the_atom_feeds_are_well_formed_and_per_jurisdiction(site: Site) -> None:
    notices = {n.id: n for (n,) in site.rows(select(Notice))}
    for path in (
        "/notices/feed.atom",
        "/en/notices/feed.atom",
        "/notices/feed/110115.atom",
        "/notices/feed/320200.atom",
    ):
        response = get(site, path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)
        assert feed.tag == f"{ATOM}feed"
        for required in ("id", "title", "updated"):
            assert (feed.findtext(f"{ATOM}{required}") or "").strip(), (path, required)
        assert feed.find(f"{ATOM}link[@rel='self']") is not None
        items = entries(feed)
        assert items, path
        for entry in items:
            for required in ("id", "title", "updated"):
                assert (entry.findtext(f"{ATOM}{required}") or "").strip(), (path, required)
            dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated") or "")
            link = entry.find(f"{ATOM}link")
            assert link is not None and link.get("href", "").startswith(site.server.base_url)
            notice = notices[int(link.get("href", "").rsplit("/", 1)[1])]
            if "110115" in path:
                assert notice.jurisdiction_code == "110115"
            if "320200" in path:
                assert notice.jurisdiction_code.startswith("3202")
    assert len(entries(ET.fromstring(get(site, "/notices/feed/110115.atom").content))) == min(
        50, sum(n.jurisdiction_code == "110115" for n in notices.values())
    )
    assert get(site, "/notices/feed/999999.atom").status_code == 404


ENUM_CODES = {
    str(v)
    for enum in (AddressStatus, AgencyKind, AgencyRole, AgencyStatus, NoticeKind, NoticeStatus)
    for v in enum  # type: ignore[attr-defined]
}


def test_pages_are_bilingual_labelled_and_carry_json_ld(site: Site) -> None:
    a = visible_addresses(site)[0]
    (agency,) = site.rows(select(Agency.uscc).where(Agency.id == a.agency_id))[0]
    (notice_id,) = site.rows(select(Notice.id).limit(1))[0]
    paths = ["/", "/notices/", "/map/", f"/addresses/{a.code}", f"/agencies/{agency}", f"/notices/{notice_id}"]
    for path in paths + ["/en" + p for p in paths]:
        response = get(site, path)
        assert response.status_code == 200, path
        page = parse(response.text)
        english = path.startswith("/en")
        assert page.html_lang == ("en" if english else "zh-Hans")
        assert ("中文" if english else "English") in page.text, "the language switch"
        other = "zh-Hans" if english else "en"
        assert f'<p class="subtitle" lang="{other}">' in response.text, "the other language beside the heading"
        assert ENUM_CODES.isdisjoint(page.text), (path, ENUM_CODES & set(page.text))
        for control in page.controls:
            if control.get("type") not in ("hidden", "submit"):
                assert control.get("id") in page.label_for, (path, control)
        assert len(page.json_ld) == 1 and page.json_ld[0]["@context"] == "https://schema.org", path
        assert page.json_ld[0]["@type"] in ("CollectionPage", "Place", "Organization", "Article", "Map"), path
        assert "#main" in page.links


CIRCLE = re.compile(
    r'<a href="(/(?:en/)?addresses/[^"]+)">\s*<title>[^<]*</title>\s*<circle cx="([\d.]+)" cy="([\d.]+)"'
)


def test_the_map_draws_every_address_with_coordinates_and_no_tiles_by_default(site: Site) -> None:
    with_coordinates = [a for a in visible_addresses(site) if a.latitude is not None]
    html = get(site, "/map/").text
    points = CIRCLE.findall(html)
    assert sorted(p for p, _, _ in points) == sorted(f"/addresses/{a.code}" for a in with_coordinates)
    assert all(0 <= float(x) <= 560 and 0 <= float(y) <= 420 for _, x, y in points)
    assert "<image" not in html and "http" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    filtered = CIRCLE.findall(get(site, "/map/", district="110115").text)
    assert sorted(p for p, _, _ in filtered) == sorted(
        f"/addresses/{a.code}" for a in with_coordinates if a.jurisdiction_code == "110115"
    )


def test_a_configured_gcj02_tile_layer_is_drawn_under_shifted_points(site: Site) -> None:
    """Each point sits on its tile where GCJ-02 puts it: its offset inside the tile drawn under it is its
    GCJ-02 Web Mercator position (unshifted WGS-84 would be off by several pixels)."""
    template = "https://tiles.example.cn/{z}/{x}/{y}.png"
    env = {"JIQUN_MAP_TILES": template, "JIQUN_MAP_TILES_CRS": "gcj02", "JIQUN_MAP_TILES_ATTRIBUTION": "© Example"}
    with running_server(site.database_url, env=env) as server, server.client() as client:
        html = client.get("/map/", params={"district": "110115"}).text
    tiles = [
        (int(z), int(tx), int(ty), float(x), float(y))
        for z, tx, ty, x, y in re.findall(
            r'<image href="https://tiles\.example\.cn/(\d+)/(\d+)/(\d+)\.png" x="([-\d.]+)" y="([-\d.]+)"', html
        )
    ]
    assert len(tiles) >= 6 and "© Example" in html and "GCJ-02" in html
    by_code = {a.code: a for a in visible_addresses(site)}
    points = CIRCLE.findall(html)
    assert points
    for path, x, y in points:
        a = by_code[path.rsplit("/", 1)[1]]
        assert a.latitude is not None and a.longitude is not None
        z, tx, ty, left, top = next(t for t in tiles if t[3] <= float(x) < t[3] + 256 and t[4] <= float(y) < t[4] + 256)
        wx, wy = geo.mercator(*geo.wgs84_to_gcj02(a.latitude, a.longitude), z)
        assert (wx - tx * 256, wy - ty * 256) == pytest.approx((float(x) - left, float(y) - top), abs=0.2)
        plain_x, plain_y = geo.mercator(a.latitude, a.longitude, z)
        assert abs(plain_x - wx) + abs(plain_y - wy) > 1, "GCJ-02 moves a Beijing point by pixels"


def test_a_map_past_its_point_limit_says_so(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(website_app, "MAP_POINTS", 3)
    query = {"q": visible_addresses(site)[0].address_text}

    async def maps() -> tuple[str, str]:
        engine = create_engine(site.database_url)
        app = Starlette(routes=website_app.website_routes(create_sessionmaker(engine)))
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://site") as client:
                return (await client.get("/map/")).text, (await client.get("/map/", params=query)).text
        finally:
            await engine.dispose()

    limited, narrowed = asyncio.run(maps())
    assert len(CIRCLE.findall(limited)) == 3 and "只绘制编号最前的 3 个" in limited
    assert 1 <= len(CIRCLE.findall(narrowed)) <= 3 and "只绘制" not in narrowed


def test_odd_addresses_and_parameters_get_pages_not_errors(site: Site) -> None:
    cases = {
        "/notices/²": 404,
        "/notices/99999999999999999999": 404,
        "/notices/0": 404,
        "/addresses/%00": 404,
        "/en/agencies/%E2%80%AE": 404,
        "/?page=²": 200,
        "/?page=-1&q=%25_%5C": 200,
        "/?q=%ED%A0%80": 200,
        "/?q=%00": 400,
        "/map/?q=a%00b": 400,
        "/?page=99999": 200,
        "/notices/?from=2025-13-01&to=²&page=0&kind=%E2%80%AE": 200,
        "/notices/?kind=%00": 400,
        "/map/?district=%F0%9F%98%80&open=yes": 200,
        "/notices/feed/%2E%2E.atom": 404,
    }
    for path, status in cases.items():
        response = get(site, path)
        assert response.status_code == status, (path, response.status_code, response.text[:300])
        assert "text/html" in response.headers["content-type"], path
    last = parse(get(site, "/", page="99999").text)
    assert result_codes(last) and total_of(last) == len(visible_addresses(site))
    assert "page" in " ".join(parse(get(site, "/", page="²").text).text)
    # `%` and `_` are searched for as themselves, not as LIKE wildcards.
    assert total_of(parse(get(site, "/", q="%").text)) == 0
