"""The website's routes: each page in Chinese at its path and in English under ``/en``.

Pages read through one session per request from the app's read sessionmaker (autocommit reads, as the
GraphQL queries do), and render with Jinja templates shipped in the package. Links inside pages are
root-relative, so they work on any host and port and behind a proxy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any
from urllib.parse import urlencode

import jinja2
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from domain.access import PUBLIC, AddressRow, address_visible
from domain.key_industries import KEY_INDUSTRIES
from domain.model import Address, Agency, Jurisdiction
from domain.unit_of_work import china_today
from schema.text_values import text_problem
from website import directory, geo, notices
from website.feeds import atom
from website.jsonld import json_ld
from website.labels import label, table
from website.params import positive_int
from website.text import text

ASSETS_PATH = "/assets/site"
MAP_POINTS = 2000
"""The most points one map draws (about 300 KB of SVG); past it the page asks for a narrower search."""
Handler = Callable[[Request, AsyncSession, str], Awaitable[Response]]


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("website", "templates"),
        autoescape=jinja2.select_autoescape(["html", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(label=label, assets=ASSETS_PATH)
    return env


def _lang(request: Request) -> str:
    return "en" if request.url.path == "/en" or request.url.path.startswith("/en/") else "zh"


def _other(lang: str) -> str:
    return "zh" if lang == "en" else "en"


def _prefix(lang: str) -> str:
    return "/en" if lang == "en" else ""


def _other_language_url(request: Request, lang: str) -> str:
    path = request.url.path
    other = path.removeprefix("/en") or "/" if lang == "en" else "/en" + path
    return other + (f"?{request.url.query}" if request.url.query else "")


def render(request: Request, lang: str, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    def t(key: str, **kw: object) -> str:
        return text(key, lang, **kw)

    def u(path: str, mapping: dict[str, object] | None = None, **query: object) -> str:
        """A root-relative link in the page's language, with the non-empty query values."""
        kept = {k: v for k, v in {**(mapping or {}), **query}.items() if v not in ("", None, False)}
        return _prefix(lang) + path + (f"?{urlencode(kept)}" if kept else "")

    def name(j: Jurisdiction | None) -> str:
        return "" if j is None else (j.name_en if lang == "en" else j.name_zh)

    html = (
        environment()
        .get_template(template)
        .render(
            lang=lang,
            html_lang="en" if lang == "en" else "zh-Hans",
            t=t,
            u=u,
            name=name,
            L=lambda kind, code: label(kind, code, lang),
            other_url=_other_language_url(request, lang),
            other_lang="zh-Hans" if lang == "en" else "en",
            path=request.url.path,
            **values,
        )
    )
    return HTMLResponse(html, status_code=status_code)


def not_found(request: Request, lang: str, status_code: int = 404) -> HTMLResponse:
    """The site's own 404 page, or its 400 page for an address bar holding something that is not text."""
    key = "not_found" if status_code == 404 else "bad_request"
    ld = json_ld({"@type": "WebPage", "name": text(key, lang)})
    return render(
        request,
        lang,
        "not_found.html",
        status_code=status_code,
        ld=ld,
        title=text(key, lang),
        subtitle=text(key, _other(lang)),
        body=text(f"{key}_text", lang),
    )


def _params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items()}


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def directory_page(request: Request, session: AsyncSession, lang: str) -> Response:
    choices = await directory.choices(session)
    search = directory.checked_search(_params(request), choices, list(KEY_INDUSTRIES))
    results = await directory.search_addresses(session, search)
    ld = json_ld(
        {
            "@type": "CollectionPage",
            "name": text("directory", lang),
            "mainEntity": {
                "@type": "ItemList",
                "numberOfItems": results.total,
                "itemListElement": [
                    {"@type": "ListItem", "position": i + 1, "url": _base_url(request) + f"/addresses/{x.address.code}"}
                    for i, x in enumerate(results.items)
                ],
            },
        }
    )
    return render(
        request,
        lang,
        "directory.html",
        title=text("directory", lang),
        subtitle=text("directory", _other(lang)),
        search=search,
        choices=choices,
        industries=list(KEY_INDUSTRIES),
        grades=directory.GRADES,
        results=results,
        ld=ld,
    )


async def address_page(request: Request, session: AsyncSession, lang: str) -> Response:
    page = await directory.address_page(session, request.path_params["code"])
    if page is None:
        return not_found(request, lang)
    a: Address = page.item.address
    place: dict[str, Any] = {
        "@type": "Place",
        "@id": _base_url(request) + f"/addresses/{a.code}",
        "name": a.address_text + (a.building or "") + (a.room or ""),
        "identifier": a.code,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": a.address_text,
            "addressRegion": page.item.jurisdiction.name_zh,
            "addressCountry": "CN",
        },
        "additionalProperty": [
            {"@type": "PropertyValue", "name": "capacity", "alternateName": "容量", "value": a.capacity},
            {
                "@type": "PropertyValue",
                "name": "freePlaces",
                "alternateName": "空余席位",
                "value": page.item.free_places,
            },
            {
                "@type": "PropertyValue",
                "name": "status",
                "alternateName": "状态",
                "value": label("address_status", a.status, lang),
            },
        ],
    }
    if a.latitude is not None and a.longitude is not None:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": a.latitude, "longitude": a.longitude}
    today = china_today()
    return render(
        request,
        lang,
        "address.html",
        title=f"{a.address_text} ({a.code})",
        subtitle=label("address_kind", a.kind, _other(lang)),
        page=page,
        deadlines={n.id: notices.deadline_of(n, today) for n in page.notices},
        ld=json_ld(place),
    )


async def agency_page(request: Request, session: AsyncSession, lang: str) -> Response:
    page = await directory.agency_page(session, request.path_params["uscc"])
    if page is None:
        return not_found(request, lang)
    g: Agency = page.agency
    ld = json_ld(
        {
            "@type": "Organization",
            "@id": _base_url(request) + f"/agencies/{g.uscc}",
            "name": g.name,
            "identifier": {"@type": "PropertyValue", "propertyID": "USCC", "value": g.uscc},
            "areaServed": page.jurisdiction.name_zh,
        }
    )
    today = china_today()
    return render(
        request,
        lang,
        "agency.html",
        title=g.name,
        subtitle=label("agency_role", g.role, _other(lang)),
        page=page,
        deadlines={n.id: notices.deadline_of(n, today) for n in page.notices},
        ld=ld,
    )


async def notices_page(request: Request, session: AsyncSession, lang: str) -> Response:
    choices = await directory.choices(session)
    search = notices.checked_notice_search(
        _params(request), set(table("notice_kind")), {j.code for j in choices.jurisdictions}
    )
    results = await notices.search_notices(session, search)
    today = china_today()
    ld = json_ld(
        {
            "@type": "CollectionPage",
            "name": text("notices", lang),
            "mainEntity": {
                "@type": "ItemList",
                "numberOfItems": results.total,
                "itemListElement": [
                    {"@type": "ListItem", "position": i + 1, "url": _base_url(request) + f"/notices/{n.id}"}
                    for i, (n, _) in enumerate(results.items)
                ],
            },
        }
    )
    return render(
        request,
        lang,
        "notices.html",
        title=text("notices", lang),
        subtitle=text("notices", _other(lang)),
        search=search,
        jurisdictions=choices.jurisdictions,
        kinds=list(table("notice_kind")),
        results=results,
        deadlines={n.id: notices.deadline_of(n, today) for n, _ in results.items},
        ld=ld,
    )


async def notice_page(request: Request, session: AsyncSession, lang: str) -> Response:
    raw = request.path_params["notice_id"]
    notice_id = positive_int(raw)
    found = await notices.notice_by_id(session, notice_id) if notice_id is not None else None
    if found is None:
        return not_found(request, lang)
    notice, jurisdiction = found
    subject = await _subject_link(session, notice.subject_kind, notice.subject_id)
    title = notice.title_en if lang == "en" else notice.title
    ld = json_ld(
        {
            "@type": "Article",
            "@id": _base_url(request) + f"/notices/{notice.id}",
            "headline": notice.title,
            "alternativeHeadline": notice.title_en,
            "datePublished": notice.published_on.isoformat(),
            "inLanguage": ["zh-CN", "en"],
            "articleBody": notice.body,
            "spatialCoverage": jurisdiction.name_zh,
            "citation": notice.legal_basis,
            **({"expires": notice.deadline_on.isoformat()} if notice.deadline_on else {}),
        }
    )
    return render(
        request,
        lang,
        "notice.html",
        title=title,
        subtitle=notice.title if lang == "en" else notice.title_en,
        notice=notice,
        jurisdiction=jurisdiction,
        subject=subject,
        deadline=notices.deadline_of(notice, china_today()),
        ld=ld,
    )


async def _subject_link(session: AsyncSession, kind: str | None, subject_id: int | None) -> tuple[str, str] | None:
    """``(path, name)`` of the notice's subject, when it has a public page."""
    if kind == "Address" and subject_id is not None:
        address = await session.get(Address, subject_id)
        if address is not None and address_visible(PUBLIC, AddressRow(address)):
            return f"/addresses/{address.code}", f"{address.address_text}（{address.code}）"
    if kind == "Agency" and subject_id is not None:
        agency = await session.get(Agency, subject_id)
        if agency is not None:
            return f"/agencies/{agency.uscc}", agency.name
    return None


async def map_page(request: Request, session: AsyncSession, lang: str, tiles: geo.MapTiles) -> Response:
    choices = await directory.choices(session)
    search = directory.checked_search(_params(request), choices, list(KEY_INDUSTRIES))
    items = await directory.all_points(session, search, MAP_POINTS + 1)
    truncated = len(items) > MAP_POINTS
    items = items[:MAP_POINTS]
    ld = json_ld({"@type": "Map", "name": text("map", lang), "mapType": "VenueMap"})
    return render(
        request,
        lang,
        "map.html",
        title=text("map", lang),
        subtitle=text("map", _other(lang)),
        search=search,
        choices=choices,
        industries=list(KEY_INDUSTRIES),
        grades=directory.GRADES,
        panels=geo.panels(items, tiles),
        count=len(items),
        truncated=truncated,
        jurisdictions={j.code: j for j in choices.jurisdictions},
        tiles=tiles,
        ld=ld,
    )


async def feed(request: Request, session: AsyncSession, lang: str) -> Response:
    code = request.path_params.get("code")
    jurisdiction = await session.get(Jurisdiction, code) if code else None
    if code and jurisdiction is None:
        return not_found(request, lang)
    items = await notices.latest_notices(session, code)
    body = atom(items, jurisdiction, lang, _base_url(request), _prefix(lang), str(request.url))
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def website_routes(
    sessionmaker: async_sessionmaker[AsyncSession], tiles: geo.MapTiles | None = None, max_age_s: int = 60
) -> list[BaseRoute]:
    """The site's routes, to append after the API's. ``tiles``: the map's optional tile layer (default:
    from ``JIQUN_MAP_TILES``; none when unset); ``max_age_s``: how long browsers and proxies may keep a
    page (``JIQUN_CACHE_MAX_AGE_S``, as for anonymous API answers)."""
    map_tiles = tiles if tiles is not None else geo.MapTiles.from_env()

    async def map_with_tiles(request: Request, session: AsyncSession, lang: str) -> Response:
        return await map_page(request, session, lang, map_tiles)

    def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            # NUL cannot be stored in PostgreSQL text and would fail in the driver (schema/text_values.py).
            if any(text_problem(str(v)) for v in request.path_params.values()):
                return not_found(request, _lang(request))
            if any(text_problem(k) or text_problem(v) for k, v in request.query_params.multi_items()):
                return not_found(request, _lang(request), status_code=400)
            async with sessionmaker() as session:
                response = await handler(request, session, _lang(request))
            if response.media_type and response.media_type.startswith("text/html"):
                response.headers["Content-Language"] = "en" if _lang(request) == "en" else "zh-Hans"
            response.headers.setdefault("Cache-Control", f"public, max-age={max_age_s}")
            return response

        return endpoint

    pages: list[tuple[str, Handler]] = [
        ("/", directory_page),
        ("/addresses/{code}", address_page),
        ("/agencies/{uscc}", agency_page),
        ("/notices/", notices_page),
        ("/notices/feed.atom", feed),
        ("/notices/feed/{code}.atom", feed),
        ("/notices/{notice_id}", notice_page),
        ("/map/", map_with_tiles),
    ]
    routes: list[BaseRoute] = [Mount(ASSETS_PATH, app=StaticFiles(packages=[("website", "static")]), name="site")]
    for prefix in ("", "/en"):
        routes += [Route(prefix + path, page(handler), methods=["GET", "HEAD"]) for path, handler in pages]
    routes.append(Route("/en", page(directory_page), methods=["GET", "HEAD"]))

    return routes
