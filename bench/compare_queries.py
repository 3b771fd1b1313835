"""The three-way read benchmark's queries: each one as jiqun's GraphQL, as the floor's request, and as the
equivalent GraphQL in PostGraphile 4's own schema (its default inflection over the same tables, plus the
two functions of bench/postgraphile/functions.sql).

Inputs (district, address, ids, deep position) come from :func:`bench.queries.inputs`, so every server is
asked for the same rows. The floor answers with jiqun's exact bytes; PostGraphile's answer has its own
shape and is checked for the same number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.queries import ADDRESS, AGENCIES, DEEP, NODES, SEARCH, SEARCH_RADIUS_KM
from domain.ids import to_global_id
from schema.filters.enterprises import enterprise_ordering
from schema.pagination import encode_cursor

ENTERPRISES = """query Enterprises {
  enterprises(first: 50) {
    edges { cursor node { id uscc name registeredOn status } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

NESTED = """query Nested {
  agencies(first: 10) {
    nodes {
      name
      addresses(first: 10, status: [PUBLISHED]) {
        nodes { code freePlaces enterprises(first: 10) { nodes { uscc name } } }
      }
    }
  }
}"""

PG_SEARCH = """query Search($j: String!, $ind: String!, $lat: Float!, $lon: Float!, $r: Float!) {
  searchAddresses(jurisdiction: $j, industry: $ind, lat: $lat, lon: $lon, radiusKm: $r, first: 20) {
    edges { cursor node { distanceKm id code addressText freePlaces agencyName latestGrade latestGradeYear } }
  }
}"""

PG_ADDRESS = """query AddressPage($code: String!) {
  addressByCode(code: $code) {
    id code addressText capacity occupied status publishedOn agencyByAgencyId { name }
    enterprisesByAddressId(first: 50, orderBy: [REGISTERED_ON_ASC, ID_ASC]) {
      edges { cursor node { id uscc name registeredOn status } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}"""

PG_AGENCIES = """query Agencies {
  allAgencies(first: 100, orderBy: [USCC_ASC, ID_ASC]) {
    edges { cursor node { id uscc name kind jurisdictionCode latestGrade latestGradeYear } }
  }
}"""

PG_ENTERPRISES = """query Enterprises($after: Cursor) {
  allEnterprises(first: 50, after: $after, orderBy: [REGISTERED_ON_ASC, ID_ASC]) {
    edges { cursor node { id uscc name registeredOn status } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

PG_DEEP_CURSOR = """query DeepCursor($offset: Int!) {
  allEnterprises(first: 1, offset: $offset, orderBy: [REGISTERED_ON_ASC, ID_ASC]) { edges { cursor } }
}"""

PG_NODES = """query Nodes($ids: [Int]!) {
  enterprisesByIds(ids: $ids) { nodes { id uscc name registeredOn status } }
}"""

PG_NESTED = """query Nested {
  allAgencies(first: 10, orderBy: [USCC_ASC, ID_ASC]) {
    nodes {
      name
      addressesByAgencyId(first: 10, orderBy: [CODE_ASC, ID_ASC], condition: {status: "published"}) {
        nodes { code capacity occupied enterprisesByAddressId(first: 10, orderBy: [REGISTERED_ON_ASC, ID_ASC]) {
          nodes { uscc name } } }
      }
    }
  }
}"""


@dataclass(frozen=True)
class Query:
    """One benchmark query, as each of the three servers is asked it."""

    name: str
    description: str
    jiqun: dict[str, Any]
    floor_path: str
    floor_params: dict[str, str]
    postgraphile: dict[str, Any]


def queries(i: dict[str, Any], deep_pg_cursor: str) -> list[Query]:
    """The seven queries for the inputs ``i`` of :func:`bench.queries.inputs`; ``deep_pg_cursor`` is
    PostGraphile's cursor of the same row as jiqun's deep position."""
    lat, lon = round(i["lat"], 6), round(i["lon"], 6)
    on, after_id = i["deep"]
    search_vars = {"j": i["district"], "lat": lat, "lon": lon, "r": SEARCH_RADIUS_KM}
    return [
        Query(
            "search",
            f"20 nearest published addresses in {i['district']} with free places for {i['industry']}, "
            "agency name and grade",
            {"query": SEARCH, "variables": {**search_vars, "ind": i["industry"].upper()}},
            "/floor/search",
            {
                "jurisdiction": i["district"],
                "industry": i["industry"],
                "lat": str(lat),
                "lon": str(lon),
                "radius": str(SEARCH_RADIUS_KM),
            },
            {"query": PG_SEARCH, "variables": {**search_vars, "ind": i["industry"]}},
        ),
        Query(
            "address",
            f"address page {i['code']} with its first 50 enterprises",
            {"query": ADDRESS, "variables": {"code": i["code"]}},
            "/floor/address",
            {"code": i["code"]},
            {"query": PG_ADDRESS, "variables": {"code": i["code"]}},
        ),
        Query(
            "agencies",
            "agencies, first 100 with grades",
            {"query": AGENCIES, "variables": {}},
            "/floor/agencies",
            {},
            {"query": PG_AGENCIES, "variables": {}},
        ),
        Query(
            "enterprises",
            "enterprises, first 50 by registration",
            {"query": ENTERPRISES, "variables": {}},
            "/floor/enterprises",
            {},
            {"query": PG_ENTERPRISES, "variables": {}},
        ),
        Query(
            "deep",
            f"enterprises, 50 after row {i['deep_row']:,} (keyset cursor)",
            {"query": DEEP, "variables": {"after": encode_cursor(enterprise_ordering(None), (on, after_id))}},
            "/floor/deep",
            {"on": on.isoformat(), "id": str(after_id)},
            {"query": PG_ENTERPRISES, "variables": {"after": deep_pg_cursor}},
        ),
        Query(
            "nodes",
            "`nodes` with 100 enterprise ids",
            {"query": NODES, "variables": {"ids": [to_global_id("Enterprise", n) for n in i["ids"]]}},
            "/floor/nodes",
            {"ids": ",".join(str(n) for n in i["ids"])},
            {"query": PG_NODES, "variables": {"ids": list(i["ids"])}},
        ),
        Query(
            "nested",
            "10 agencies → their first 10 published addresses → their first 10 enterprises",
            {"query": NESTED, "variables": {}},
            "/floor/nested",
            {},
            {"query": PG_NESTED, "variables": {}},
        ),
    ]


def rows_in(answer: Any) -> int:
    """How many rows an answer holds, whatever its shape (an object with a ``code`` or ``uscc``, or an
    agency's ``name`` alone): PostGraphile's and jiqun's must agree."""
    if isinstance(answer, dict):
        agency = "name" in answer and set(answer) <= {"name", "addresses", "addressesByAgencyId"}
        row = "code" in answer or "uscc" in answer or agency
        return (1 if row and answer else 0) + sum(rows_in(v) for v in answer.values())
    if isinstance(answer, list):
        return sum(rows_in(v) for v in answer)
    return 0
