"""The read benchmarks: each GraphQL query with the baseline request that returns the same JSON.

``scenarios(database_url)`` looks up realistic inputs in the benchmark database (the district and
key industry with the most published addresses with room, an address with at least 50 enterprises,
100 enterprise ids, the position of the 50,000th enterprise) so every scenario returns full pages.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from domain.db import create_engine
from domain.ids import to_global_id
from domain.model import Address, AddressKeyIndustry, Enterprise
from schema.filters.enterprises import enterprise_ordering
from schema.pagination import encode_cursor

DEEP_ROW = 50_000
SEARCH_RADIUS_KM = 100.0

SEARCH = """query Search($j: String!, $ind: KeyIndustry!, $lat: Float!, $lon: Float!, $r: Float!) {
  addresses(first: 20, filter: {jurisdictionCode: $j, status: [PUBLISHED], keyIndustry: $ind, minFreePlaces: 1,
                                near: {latitude: $lat, longitude: $lon, radiusKm: $r}}) {
    edges { cursor distanceKm node { id code addressText freePlaces agency { name latestGrade latestGradeYear } } }
  }
}"""

ADDRESS = """query AddressPage($code: String!) {
  address(code: $code) {
    id code addressText capacity occupied freePlaces status publishedOn agency { name }
    enterprises(first: 50) {
      edges { cursor node { id uscc name registeredOn status } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}"""

AGENCIES = """query Agencies {
  agencies(first: 100) {
    edges { cursor node { id uscc name kind jurisdictionCode latestGrade latestGradeYear } }
  }
}"""

NODES = """query Nodes($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Enterprise { id uscc name registeredOn status } }
}"""

DEEP = """query DeepPage($after: String!) {
  enterprises(first: 50, after: $after) {
    edges { cursor node { id uscc name registeredOn status } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    query: str
    variables: dict[str, Any]
    baseline_path: str
    baseline_params: dict[str, str]


async def _inputs(database_url: str) -> dict[str, Any]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            roomy = (
                select(Address.jurisdiction_code, AddressKeyIndustry.industry, func.count().label("n"))
                .join(AddressKeyIndustry, AddressKeyIndustry.address_id == Address.id)
                .where(
                    Address.status == "published",
                    Address.published_on.is_not(None),
                    Address.capacity > Address.occupied,
                    Address.latitude.is_not(None),
                )
                .group_by(Address.jurisdiction_code, AddressKeyIndustry.industry)
                .order_by(func.count().desc(), Address.jurisdiction_code, AddressKeyIndustry.industry)
                .limit(1)
            )
            district, industry, _ = (await conn.execute(roomy)).one()
            lat, lon = (
                await conn.execute(
                    select(func.avg(Address.latitude), func.avg(Address.longitude)).where(
                        Address.jurisdiction_code == district
                    )
                )
            ).one()
            busy = (
                select(Address.code)
                .join(Enterprise, Enterprise.address_id == Address.id)
                .where(Address.published_on.is_not(None))
                .group_by(Address.id, Address.code)
                .having(func.count() >= 50)
                .order_by(Address.code)
                .limit(1)
            )
            code = (await conn.execute(busy)).scalar_one()
            total = (await conn.execute(select(func.count()).select_from(Enterprise))).scalar_one()
            step = max(1, total // 100)
            ids = (
                (await conn.execute(select(Enterprise.id).order_by(Enterprise.id).offset(0).limit(total)))
                .scalars()
                .all()[::step][:100]
            )
            deep_row = min(DEEP_ROW, total - 100)
            on, after_id = (
                await conn.execute(
                    select(Enterprise.registered_on, Enterprise.id)
                    .order_by(Enterprise.registered_on, Enterprise.id)
                    .offset(deep_row - 1)
                    .limit(1)
                )
            ).one()
    finally:
        await engine.dispose()
    return {
        "district": district,
        "industry": industry,
        "lat": float(lat),
        "lon": float(lon),
        "code": code,
        "ids": list(ids),
        "deep_row": deep_row,
        "deep": (on, after_id),
        "enterprises": total,
    }


def scenarios(database_url: str) -> tuple[list[Scenario], dict[str, Any]]:
    """The five read scenarios and the inputs chosen for them."""
    i = asyncio.run(_inputs(database_url))
    lat, lon = round(i["lat"], 6), round(i["lon"], 6)
    on, after_id = i["deep"]
    cursor = encode_cursor(enterprise_ordering(None), (on, after_id))
    return [
        Scenario(
            "search",
            f"investment-promotion search: published addresses in {i['district']} with free places for "
            f"{i['industry']}, agency name and grade, nearest first (20)",
            SEARCH,
            {"j": i["district"], "ind": i["industry"].upper(), "lat": lat, "lon": lon, "r": SEARCH_RADIUS_KM},
            "/baseline/search",
            {
                "jurisdiction": i["district"],
                "industry": i["industry"],
                "lat": str(lat),
                "lon": str(lon),
                "radius": str(SEARCH_RADIUS_KM),
            },
        ),
        Scenario(
            "address",
            f"address page {i['code']} with its first 50 enterprises",
            ADDRESS,
            {"code": i["code"]},
            "/baseline/address",
            {"code": i["code"]},
        ),
        Scenario("agencies", "agency list with grades (100)", AGENCIES, {}, "/baseline/agencies", {}),
        Scenario(
            "nodes",
            "`nodes` with 100 enterprise ids",
            NODES,
            {"ids": [to_global_id("Enterprise", n) for n in i["ids"]]},
            "/baseline/nodes",
            {"ids": ",".join(str(n) for n in i["ids"])},
        ),
        Scenario(
            "deep",
            f"enterprises page of 50 after row {i['deep_row']:,} (keyset cursor)",
            DEEP,
            {"after": cursor},
            "/baseline/deep",
            {"on": on.isoformat(), "id": str(after_id)},
        ),
    ], i


def inputs(database_url: str) -> dict[str, Any]:
    """The inputs :func:`scenarios` chooses, for other benchmarks that ask the same rows."""
    return asyncio.run(_inputs(database_url))
