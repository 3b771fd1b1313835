"""Great-circle distance (haversine, WGS-84 mean radius) in SQL on SQLite and PostgreSQL.

PostgreSQL computes it with its own trigonometric functions. SQLite builds may lack them, so each
SQLite connection gets a deterministic ``jiqun_haversine_km`` function. A radius search first keeps
the rows inside a latitude/longitude bounding box — plain comparisons the database can answer from an
index — and computes the distance only for those.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class distance_km(FunctionElement[float]):
    """``distance_km(lat, lon, lat0, lon0)``: kilometres between a row's point and a given point."""

    type = Float()
    inherit_cache = True


@compiles(distance_km, "sqlite")
def _sqlite(element: distance_km, compiler: Any, **kw: Any) -> str:
    return f"jiqun_haversine_km({compiler.process(element.clauses, **kw)})"


@compiles(distance_km, "postgresql")
def _postgresql(element: distance_km, compiler: Any, **kw: Any) -> str:
    lat, lon, lat0, lon0 = (compiler.process(c, **kw) for c in element.clauses)
    a = (
        f"power(sin(radians(({lat0}) - ({lat})) / 2), 2) + cos(radians({lat})) * cos(radians({lat0})) "
        f"* power(sin(radians(({lon0}) - ({lon})) / 2), 2)"
    )
    return f"(2 * {EARTH_RADIUS_KM} * asin(least(1.0, sqrt({a}))))"


def _sqlite_haversine(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> float | None:
    if None in (lat1, lon1, lat2, lon2):
        return None
    return haversine_km(float(lat1), float(lon1), float(lat2), float(lon2))


def install_sql_functions(engine: AsyncEngine) -> None:
    """Register the SQLite function on every new connection of ``engine`` (no-op on PostgreSQL)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function("jiqun_haversine_km", 4, _sqlite_haversine, deterministic=True)


def bounding_box(lat_col: Any, lon_col: Any, lat: float, lon: float, radius_km: float) -> ColumnElement[bool]:
    """Rows whose point lies in the box around ``(lat, lon)`` that contains the whole circle."""
    dlat = radius_km / KM_PER_DEGREE
    conditions = [lat_col.is_not(None), lon_col.is_not(None), lat_col.between(lat - dlat, lat + dlat)]
    cos_lat = math.cos(math.radians(min(89.9, max(abs(lat - dlat), abs(lat + dlat)))))
    dlon = radius_km / (KM_PER_DEGREE * cos_lat) if cos_lat > 0 else 360.0
    if lon - dlon > -180 and lon + dlon < 180 and abs(lat) + dlat < 89.9:
        conditions.append(lon_col.between(lon - dlon, lon + dlon))
    return and_(*conditions)
