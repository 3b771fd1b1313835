"""The map of addresses: points drawn as SVG on the server, with no map service behind them.

Coordinates are stored and published as WGS-84 (EPSG:4326; opendata/schemas/addresses.json says so).
Points are placed in Web Mercator, one panel per city, so Beijing and Wuxi each fill their own frame.
A deployment that has a tile server may set ``JIQUN_MAP_TILES`` (an URL template with ``{z}``, ``{x}``
and ``{y}``); the tiles are then drawn under the points. Tiles from Chinese providers are in GCJ-02
(the "offset" system Chinese law requires of published maps), so with ``JIQUN_MAP_TILES_CRS=gcj02`` the
points are shifted into GCJ-02 before they are placed, or they would sit hundreds of metres off. By
default there are no tiles and nothing is fetched from anywhere.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from website.directory import AddressItem

TILE = 256
WIDTH, HEIGHT, PAD = 560, 420, 28
MIN_ZOOM, MAX_ZOOM = 3, 17

# Krasovsky 1940, the ellipsoid of the GCJ-02 transform.
_A = 6378245.0
_EE = 0.00669342162296594323


@dataclass(frozen=True)
class MapTiles:
    """An optional tile layer under the points."""

    url_template: str = ""
    crs: str = "wgs84"
    attribution: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.url_template)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MapTiles:
        env = os.environ if env is None else env
        crs = env.get("JIQUN_MAP_TILES_CRS", "wgs84").strip().lower()
        if crs not in ("wgs84", "gcj02"):
            raise ValueError(f"JIQUN_MAP_TILES_CRS must be wgs84 or gcj02, not {crs!r}")
        return cls(env.get("JIQUN_MAP_TILES", "").strip(), crs, env.get("JIQUN_MAP_TILES_ATTRIBUTION", "").strip())


def _outside_china(lat: float, lon: float) -> bool:
    return not (73.66 < lon < 135.05 and 3.86 < lat < 53.55)


def _shift_lat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _shift_lon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """The published GCJ-02 transform (unchanged outside China)."""
    if _outside_china(lat, lon):
        return lat, lon
    d_lat = _shift_lat(lon - 105.0, lat - 35.0)
    d_lon = _shift_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon


def mercator(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """World pixel coordinates at ``zoom``."""
    size = TILE * 2**zoom
    rad = math.radians(max(min(lat, 85.0511), -85.0511))
    x = (lon + 180.0) / 360.0 * size
    y = (1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0 * size
    return x, y


@dataclass
class Point:
    x: float
    y: float
    item: AddressItem


@dataclass
class Tile:
    href: str
    x: float
    y: float


@dataclass
class Label:
    """A district's name, placed at the middle of its points (no package ships district outlines)."""

    x: float
    y: float
    code: str


@dataclass
class Panel:
    """One city's frame: its points in SVG pixels, its districts' names, a scale bar and, with a tile
    layer, the tiles under them."""

    code: str
    zoom: int
    points: list[Point]
    labels: list[Label] = field(default_factory=list)
    scale_km: float = 0.0
    scale_px: float = 0.0
    tiles: list[Tile] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT


EARTH_CIRCUMFERENCE_M = 40_075_016.686
NICE_KM = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)


def scale_bar(latitude: float, zoom: int, longest_px: float = 120.0) -> tuple[float, float]:
    """The longest round distance (km) whose bar fits in ``longest_px`` at this latitude, and its length."""
    metres_per_px = EARTH_CIRCUMFERENCE_M * math.cos(math.radians(latitude)) / (TILE * 2**zoom)
    km = max((k for k in NICE_KM if k * 1000 / metres_per_px <= longest_px), default=NICE_KM[0])
    return km, round(km * 1000 / metres_per_px, 1)


def _zoom_to_fit(coords: Sequence[tuple[float, float]]) -> int:
    for zoom in range(MAX_ZOOM, MIN_ZOOM - 1, -1):
        xs, ys = zip(*(mercator(lat, lon, zoom) for lat, lon in coords), strict=True)
        if max(xs) - min(xs) <= WIDTH - 2 * PAD and max(ys) - min(ys) <= HEIGHT - 2 * PAD:
            return zoom
    return MIN_ZOOM


def panel(code: str, items: Sequence[AddressItem], tiles: MapTiles) -> Panel:
    coords = []
    for item in items:
        lat, lon = item.address.latitude, item.address.longitude
        assert lat is not None and lon is not None  # the map reads only addresses with coordinates
        coords.append(wgs84_to_gcj02(lat, lon) if tiles.enabled and tiles.crs == "gcj02" else (lat, lon))
    zoom = min(_zoom_to_fit(coords), 15)
    world = [mercator(lat, lon, zoom) for lat, lon in coords]
    xs, ys = [p[0] for p in world], [p[1] for p in world]
    left = (min(xs) + max(xs)) / 2 - WIDTH / 2
    top = (min(ys) + max(ys)) / 2 - HEIGHT / 2
    points = [Point(round(x - left, 1), round(y - top, 1), item) for (x, y), item in zip(world, items, strict=True)]
    result = Panel(code, zoom, points)
    districts: dict[str, list[Point]] = {}
    for point in points:
        districts.setdefault(point.item.jurisdiction.code, []).append(point)
    for district, members in sorted(districts.items()):
        x = sum(p.x for p in members) / len(members)
        y = max(p.y for p in members) + 18  # below the district's points, clear of them
        result.labels.append(Label(round(x, 1), round(min(y, HEIGHT - 34), 1), district))
    middle_lat = sum(lat for lat, _ in coords) / len(coords)
    result.scale_km, result.scale_px = scale_bar(middle_lat, zoom)
    if tiles.enabled:
        for tx in range(int(left // TILE), int((left + WIDTH) // TILE) + 1):
            for ty in range(int(top // TILE), int((top + HEIGHT) // TILE) + 1):
                href = tiles.url_template.format(z=zoom, x=tx, y=ty)
                result.tiles.append(Tile(href, round(tx * TILE - left, 1), round(ty * TILE - top, 1)))
    return result


def panels(items: Sequence[AddressItem], tiles: MapTiles) -> list[Panel]:
    """One panel per city (a district's points go in its city's panel)."""
    groups: dict[str, list[AddressItem]] = {}
    for item in items:
        city = item.jurisdiction.parent_code or item.jurisdiction.code
        groups.setdefault(city, []).append(item)
    return [panel(code, group, tiles) for code, group in sorted(groups.items())]
