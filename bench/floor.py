"""The floor of the read benchmark: hand-written Starlette + asyncpg endpoints, one per benchmark query.

    uvicorn bench.floor:create_app --factory --port 8002   (JIQUN_DATABASE_URL names the database)

Each endpoint runs hand-written SQL on an asyncpg pool and writes, with orjson, the very bytes jiqun
answers to the benchmark's GraphQL query (same keys in the same order, same global ids and cursors,
public data as the anonymous caller sees it); :mod:`bench.compare` checks the bytes before measuring.
No ORM, no GraphQL, no per-request transaction: what is left is the least a Python server on this
stack can do for the same answer, so jiqun's cost per request divided by this one's is its overhead.
Only jiqun's cursor and global-id encoders are imported, so that the bytes match by construction.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.ids import to_global_id
from schema.filters.agencies import agency_ordering
from schema.filters.enterprises import enterprise_ordering
from schema.geo import EARTH_RADIUS_KM, KM_PER_DEGREE
from schema.pagination import Ordering, encode_cursor

ENTERPRISES_BY_DATE = enterprise_ordering(None)
AGENCIES_BY_USCC = agency_ordering(None)
ENTERPRISE_COLUMNS = "e.id, e.uscc, e.name, e.registered_on, e.status"
# The great-circle distance as jiqun writes it for PostgreSQL ($1, $2: the point searched from).
DISTANCE = (
    f"(2 * {EARTH_RADIUS_KM} * asin(least(1.0, sqrt(power(sin(radians(($1) - (a.latitude)) / 2), 2) "
    "+ cos(radians(a.latitude)) * cos(radians($1)) * power(sin(radians(($2) - (a.longitude)) / 2), 2)))))"
)


def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


def _json(data: dict[str, Any]) -> Response:
    return Response(orjson.dumps({"data": data}), media_type="application/json")


def _page_info(cursors: list[str], more: bool, after: bool) -> dict[str, Any]:
    return {
        "hasNextPage": more,
        "hasPreviousPage": after,
        "startCursor": cursors[0] if cursors else None,
        "endCursor": cursors[-1] if cursors else None,
    }


def _enterprise(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": to_global_id("Enterprise", row["id"]),
        "uscc": row["uscc"],
        "name": row["name"],
        "registeredOn": row["registered_on"].isoformat(),
        "status": row["status"].upper(),
    }


def _enterprise_edges(rows: list[asyncpg.Record], after: bool) -> dict[str, Any]:
    page = rows[:50]
    cursors = [encode_cursor(ENTERPRISES_BY_DATE, (r["registered_on"], r["id"])) for r in page]
    edges = [{"cursor": c, "node": _enterprise(r)} for c, r in zip(cursors, page, strict=True)]
    return {"edges": edges, "pageInfo": _page_info(cursors, len(rows) > 50, after)}


def _box(lat: float, lon: float, radius: float) -> tuple[str, list[float]]:
    """The bounding box jiqun adds so the database can use its index (schema/geo.py), as SQL from $5."""
    dlat = radius / KM_PER_DEGREE
    sql = "a.latitude IS NOT NULL AND a.longitude IS NOT NULL AND a.latitude BETWEEN $5 AND $6"
    values = [lat - dlat, lat + dlat]
    cos_lat = math.cos(math.radians(min(89.9, max(abs(lat - dlat), abs(lat + dlat)))))
    dlon = radius / (KM_PER_DEGREE * cos_lat) if cos_lat > 0 else 360.0
    if lon - dlon > -180 and lon + dlon < 180 and abs(lat) + dlat < 89.9:
        sql += " AND a.longitude BETWEEN $7 AND $8"
        values += [lon - dlon, lon + dlon]
    return sql, values


async def search(request: Request) -> Response:
    """Published addresses of one district with free places for one key industry, nearest first."""
    q = request.query_params
    lat, lon, radius = float(q["lat"]), float(q["lon"]), float(q["radius"])
    box, box_values = _box(lat, lon, radius)
    sql = f"""
        SELECT a.id, a.code, a.address_text, a.capacity - a.occupied AS free, {DISTANCE} AS distance,
               g.name, g.latest_grade, g.latest_grade_year
        FROM addresses a LEFT JOIN agencies g ON g.id = a.agency_id
        WHERE a.published_on IS NOT NULL AND a.jurisdiction_code = $3 AND a.status = 'published'
          AND a.id IN (SELECT address_id FROM address_key_industries WHERE industry = $4)
          AND a.capacity - a.occupied >= 1 AND {box} AND {DISTANCE} <= ${len(box_values) + 5}
        ORDER BY distance, a.id LIMIT 21"""
    rows = await _pool(request).fetch(sql, lat, lon, q["jurisdiction"], q["industry"], *box_values, radius)
    nearest = Ordering(f"address:distance:asc:{lat:.6f},{lon:.6f}", ())
    edges = [
        {
            "cursor": encode_cursor(nearest, (r["distance"], r["id"])),
            "distanceKm": round(r["distance"], 3),
            "node": {
                "id": to_global_id("Address", r["id"]),
                "code": r["code"],
                "addressText": r["address_text"],
                "freePlaces": r["free"],
                "agency": {
                    "name": r["name"],
                    "latestGrade": r["latest_grade"],
                    "latestGradeYear": r["latest_grade_year"],
                },
            },
        }
        for r in rows[:20]
    ]
    return _json({"addresses": {"edges": edges}})


async def address_page(request: Request) -> Response:
    """An address with its agency and its first 50 enterprises, oldest first."""
    async with _pool(request).acquire() as conn:
        address = await conn.fetchrow(
            """SELECT a.id, a.code, a.address_text, a.capacity, a.occupied, a.status, a.published_on, g.name
               FROM addresses a LEFT JOIN agencies g ON g.id = a.agency_id
               WHERE a.code = $1 AND a.published_on IS NOT NULL""",
            request.query_params["code"],
        )
        if address is None:
            return _json({"address": None})
        rows = await conn.fetch(
            f"SELECT {ENTERPRISE_COLUMNS} FROM enterprises e WHERE e.address_id = $1 "
            "ORDER BY e.registered_on, e.id LIMIT 51",
            address["id"],
        )
    body = {
        "id": to_global_id("Address", address["id"]),
        "code": address["code"],
        "addressText": address["address_text"],
        "capacity": address["capacity"],
        "occupied": address["occupied"],
        "freePlaces": max(address["capacity"] - address["occupied"], 0),
        "status": address["status"].upper(),
        "publishedOn": address["published_on"].isoformat(),
        "agency": {"name": address["name"]},
        "enterprises": _enterprise_edges(rows, False),
    }
    return _json({"address": body})


async def agencies(request: Request) -> Response:
    """The first 100 agencies by USCC with their latest grades."""
    rows = await _pool(request).fetch(
        "SELECT id, uscc, name, kind, jurisdiction_code, latest_grade, latest_grade_year FROM agencies "
        "ORDER BY uscc, id LIMIT 101"
    )
    edges = [
        {
            "cursor": encode_cursor(AGENCIES_BY_USCC, (r["uscc"], r["id"])),
            "node": {
                "id": to_global_id("Agency", r["id"]),
                "uscc": r["uscc"],
                "name": r["name"],
                "kind": r["kind"].upper(),
                "jurisdictionCode": r["jurisdiction_code"],
                "latestGrade": r["latest_grade"],
                "latestGradeYear": r["latest_grade_year"],
            },
        }
        for r in rows[:100]
    ]
    return _json({"agencies": {"edges": edges}})


async def enterprises(request: Request) -> Response:
    """The first 50 enterprises, oldest registration first."""
    rows = await _pool(request).fetch(
        f"SELECT {ENTERPRISE_COLUMNS} FROM enterprises e ORDER BY e.registered_on, e.id LIMIT 51"
    )
    return _json({"enterprises": _enterprise_edges(rows, False)})


async def deep_page(request: Request) -> Response:
    """50 enterprises after a keyset position (registration date, id) given as a GraphQL cursor's values."""
    on, after_id = dt.date.fromisoformat(request.query_params["on"]), int(request.query_params["id"])
    rows = await _pool(request).fetch(
        f"SELECT {ENTERPRISE_COLUMNS} FROM enterprises e WHERE (e.registered_on, e.id) > ($1, $2) "
        "ORDER BY e.registered_on, e.id LIMIT 51",
        on,
        after_id,
    )
    return _json({"enterprises": _enterprise_edges(rows, True)})


async def nodes(request: Request) -> Response:
    """Enterprises by database id, in the order asked."""
    ids = [int(i) for i in request.query_params["ids"].split(",")]
    rows = await _pool(request).fetch(f"SELECT {ENTERPRISE_COLUMNS} FROM enterprises e WHERE e.id = ANY($1)", ids)
    by_id = {r["id"]: _enterprise(r) for r in rows}
    return _json({"nodes": [by_id.get(i) for i in ids]})


async def nested(request: Request) -> Response:
    """The first 10 agencies, the first 10 published addresses of each by code (status published), the first
    10 enterprises of each address by registration: three statements, one per level."""
    async with _pool(request).acquire() as conn:
        agency_rows = await conn.fetch("SELECT id, name FROM agencies ORDER BY uscc, id LIMIT 10")
        address_rows = await conn.fetch(
            """SELECT id, agency_id, code, capacity, occupied FROM (
                 SELECT a.*, row_number() OVER (PARTITION BY a.agency_id ORDER BY a.code, a.id) AS n
                 FROM addresses a
                 WHERE a.agency_id = ANY($1) AND a.published_on IS NOT NULL AND a.status = 'published') t
               WHERE n <= 10 ORDER BY agency_id, code, id""",
            [r["id"] for r in agency_rows],
        )
        enterprise_rows = await conn.fetch(
            """SELECT address_id, uscc, name FROM (
                 SELECT e.*, row_number() OVER (PARTITION BY e.address_id ORDER BY e.registered_on, e.id) AS n
                 FROM enterprises e WHERE e.address_id = ANY($1)) t
               WHERE n <= 10 ORDER BY address_id, registered_on, id""",
            [r["id"] for r in address_rows],
        )
    by_address: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in enterprise_rows:
        by_address[e["address_id"]].append({"uscc": e["uscc"], "name": e["name"]})
    by_agency: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in address_rows:
        by_agency[a["agency_id"]].append(
            {
                "code": a["code"],
                "freePlaces": max(a["capacity"] - a["occupied"], 0),
                "enterprises": {"nodes": by_address[a["id"]]},
            }
        )
    agency_nodes = [{"name": g["name"], "addresses": {"nodes": by_agency[g["id"]]}} for g in agency_rows]
    return _json({"agencies": {"nodes": agency_nodes}})


async def healthz(request: Request) -> Response:
    return Response(b"ok")


ROUTES = [
    Route("/healthz", healthz),
    Route("/floor/search", search),
    Route("/floor/address", address_page),
    Route("/floor/agencies", agencies),
    Route("/floor/enterprises", enterprises),
    Route("/floor/deep", deep_page),
    Route("/floor/nodes", nodes),
    Route("/floor/nested", nested),
]


async def _keep(connection: asyncpg.Connection) -> None:
    return None


def create_app() -> Starlette:
    """The floor's app, on an asyncpg pool of the database in ``JIQUN_DATABASE_URL``."""
    url = os.environ["JIQUN_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # No reset query when a connection goes back to the pool: the floor changes no session state.
        app.state.pool = await asyncpg.create_pool(url, min_size=2, max_size=20, reset=_keep)
        try:
            yield
        finally:
            await app.state.pool.close()

    return Starlette(routes=ROUTES, lifespan=lifespan)
