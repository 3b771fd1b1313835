"""Hand-written JSON endpoints for the benchmark's baseline, served beside jiqun's own routes by
:func:`create_app` (``uvicorn bench.baseline:create_app --factory``), never by jiqun itself.

Each endpoint runs the SQL the GraphQL API needs for one benchmark query and writes the same JSON body
(same keys, same cursors, same global ids) with no GraphQL layer in between, so the GraphQL/baseline
ratio measures what parsing, validation, resolvers and loaders cost. They serve public data only, as the
anonymous caller sees it, and take the same inputs as the benchmark's GraphQL queries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, tuple_
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.app import create_app as jiqun_app
from domain.ids import to_global_id
from domain.model import Address, AddressKeyIndustry, Agency, Enterprise
from schema.filters.agencies import agency_ordering
from schema.filters.enterprises import enterprise_ordering
from schema.geo import bounding_box, distance_km
from schema.pagination import Ordering, encode_cursor

ENTERPRISES_BY_DATE = enterprise_ordering(None)
AGENCIES_BY_USCC = agency_ordering(None)


def _services(request: Request) -> Any:
    return request.app.state.services


def _page_info(cursors: list[str], more: bool, after: bool) -> dict[str, Any]:
    return {
        "hasNextPage": more,
        "hasPreviousPage": after,
        "startCursor": cursors[0] if cursors else None,
        "endCursor": cursors[-1] if cursors else None,
    }


def _enterprise(row: Any) -> dict[str, Any]:
    return {
        "id": to_global_id("Enterprise", row.id),
        "uscc": row.uscc,
        "name": row.name,
        "registeredOn": row.registered_on.isoformat(),
        "status": row.status.upper(),
    }


ENTERPRISE_COLUMNS = (Enterprise.id, Enterprise.uscc, Enterprise.name, Enterprise.registered_on, Enterprise.status)


async def search(request: Request) -> Response:
    """Published addresses of one district with free places for one key industry, nearest first."""
    q = request.query_params
    lat, lon, radius = float(q["lat"]), float(q["lon"]), float(q["radius"])
    distance = distance_km(Address.latitude, Address.longitude, lat, lon)
    stmt = (
        select(
            Address.id,
            Address.code,
            Address.address_text,
            (Address.capacity - Address.occupied).label("free"),
            distance.label("distance"),
            Agency.name,
            Agency.latest_grade,
            Agency.latest_grade_year,
        )
        .outerjoin(Agency, Agency.id == Address.agency_id)
        .where(
            Address.published_on.is_not(None),
            Address.jurisdiction_code == q["jurisdiction"],
            Address.status == "published",
            Address.id.in_(select(AddressKeyIndustry.address_id).where(AddressKeyIndustry.industry == q["industry"])),
            Address.capacity - Address.occupied >= 1,
            bounding_box(Address.latitude, Address.longitude, lat, lon, radius),
            distance <= radius,
        )
        .order_by(distance, Address.id)
        .limit(21)
    )
    async with _services(request).sessionmaker() as session:
        rows = (await session.execute(stmt)).all()
    nearest = Ordering(f"address:distance:asc:{lat:.6f},{lon:.6f}", ())
    edges = [
        {
            "cursor": encode_cursor(nearest, (r.distance, r.id)),
            "distanceKm": round(r.distance, 3),
            "node": {
                "id": to_global_id("Address", r.id),
                "code": r.code,
                "addressText": r.address_text,
                "freePlaces": r.free,
                "agency": {"name": r.name, "latestGrade": r.latest_grade, "latestGradeYear": r.latest_grade_year},
            },
        }
        for r in rows[:20]
    ]
    return _json({"addresses": {"edges": edges}})


async def address_page(request: Request) -> Response:
    """An address with its agency and its first 50 enterprises, oldest first."""
    code = request.query_params["code"]
    async with _services(request).sessionmaker() as session:
        address = (
            await session.execute(
                select(
                    Address.id,
                    Address.code,
                    Address.address_text,
                    Address.capacity,
                    Address.occupied,
                    Address.status,
                    Address.published_on,
                    Agency.name,
                )
                .outerjoin(Agency, Agency.id == Address.agency_id)
                .where(Address.code == code, Address.published_on.is_not(None))
            )
        ).one_or_none()
        if address is None:
            return _json({"address": None})
        rows = (
            await session.execute(
                select(*ENTERPRISE_COLUMNS)
                .where(Enterprise.address_id == address.id)
                .order_by(Enterprise.registered_on, Enterprise.id)
                .limit(51)
            )
        ).all()
    cursors = [encode_cursor(ENTERPRISES_BY_DATE, (r.registered_on, r.id)) for r in rows[:50]]
    body = {
        "id": to_global_id("Address", address.id),
        "code": address.code,
        "addressText": address.address_text,
        "capacity": address.capacity,
        "occupied": address.occupied,
        "freePlaces": max(address.capacity - address.occupied, 0),
        "status": address.status.upper(),
        "publishedOn": address.published_on.isoformat(),
        "agency": {"name": address.name},
        "enterprises": {
            "edges": [{"cursor": c, "node": _enterprise(r)} for c, r in zip(cursors, rows, strict=False)],
            "pageInfo": _page_info(cursors, len(rows) > 50, False),
        },
    }
    return _json({"address": body})


async def agencies(request: Request) -> Response:
    """The first 100 agencies by USCC with their latest grades."""
    async with _services(request).sessionmaker() as session:
        rows = (
            await session.execute(
                select(
                    Agency.id,
                    Agency.uscc,
                    Agency.name,
                    Agency.kind,
                    Agency.jurisdiction_code,
                    Agency.latest_grade,
                    Agency.latest_grade_year,
                )
                .order_by(Agency.uscc, Agency.id)
                .limit(101)
            )
        ).all()
    edges = [
        {
            "cursor": encode_cursor(AGENCIES_BY_USCC, (r.uscc, r.id)),
            "node": {
                "id": to_global_id("Agency", r.id),
                "uscc": r.uscc,
                "name": r.name,
                "kind": r.kind.upper(),
                "jurisdictionCode": r.jurisdiction_code,
                "latestGrade": r.latest_grade,
                "latestGradeYear": r.latest_grade_year,
            },
        }
        for r in rows[:100]
    ]
    return _json({"agencies": {"edges": edges}})


async def nodes(request: Request) -> Response:
    """Enterprises by database id, in the order asked."""
    ids = [int(i) for i in request.query_params["ids"].split(",")]
    async with _services(request).sessionmaker() as session:
        rows = (await session.execute(select(*ENTERPRISE_COLUMNS).where(Enterprise.id.in_(ids)))).all()
    by_id = {r.id: _enterprise(r) for r in rows}
    return _json({"nodes": [by_id.get(i) for i in ids]})


async def deep_page(request: Request) -> Response:
    """50 enterprises after a keyset position (registration date, id) given as a GraphQL cursor's values."""
    on, after_id = dt.date.fromisoformat(request.query_params["on"]), int(request.query_params["id"])
    key = tuple_(Enterprise.registered_on, Enterprise.id) > tuple_(on, after_id)
    async with _services(request).sessionmaker() as session:
        rows = (
            await session.execute(
                select(*ENTERPRISE_COLUMNS).where(key).order_by(Enterprise.registered_on, Enterprise.id).limit(51)
            )
        ).all()
    cursors = [encode_cursor(ENTERPRISES_BY_DATE, (r.registered_on, r.id)) for r in rows[:50]]
    edges = [{"cursor": c, "node": _enterprise(r)} for c, r in zip(cursors, rows, strict=False)]
    return _json({"enterprises": {"edges": edges, "pageInfo": _page_info(cursors, len(rows) > 50, True)}})


def _json(data: dict[str, Any]) -> Response:
    return JSONResponse({"data": data})


ROUTES = [
    Route("/baseline/search", search),
    Route("/baseline/address", address_page),
    Route("/baseline/agencies", agencies),
    Route("/baseline/nodes", nodes),
    Route("/baseline/deep", deep_page),
]


def create_app() -> Starlette:
    """jiqun's app with the baseline routes added: both answers come from one process, on one pool."""
    app = jiqun_app()
    app.router.routes.extend(ROUTES)
    return app
