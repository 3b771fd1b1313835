"""The schema contract: the committed SDL matches the code, and everything in it is described."""

from __future__ import annotations

from pathlib import Path

from graphql import get_introspection_query

from api.app import api_schema
from api.sdl import REGENERATE, sdl
from api.settings import Settings

COMMITTED = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_committed_sdl_matches_the_code() -> None:
    committed = COMMITTED.read_text(encoding="utf-8")
    assert committed == sdl(), f"schema.graphql is out of date; regenerate it with: {REGENERATE}"


async def test_every_type_field_argument_and_input_field_is_described() -> None:
    result = await api_schema(Settings()).execute(get_introspection_query(descriptions=True))
    assert result.errors is None
    missing = []
    for t in result.data["__schema"]["types"]:
        if t["name"].startswith("__"):
            continue
        if not (t["description"] or "").strip():
            missing.append(t["name"])
        for f in t["fields"] or []:
            if not (f["description"] or "").strip():
                missing.append(f"{t['name']}.{f['name']}")
            missing.extend(
                f"{t['name']}.{f['name']}({a['name']})" for a in f["args"] if not (a["description"] or "").strip()
            )
        missing.extend(
            f"{t['name']}.{f['name']}" for f in t["inputFields"] or [] if not (f["description"] or "").strip()
        )
    assert not missing, f"undescribed: {missing}"


def test_the_schema_has_what_the_directory_needs() -> None:
    schema = api_schema(Settings())._schema
    query = schema.query_type.fields
    expected = {
        "node": "Node",
        "nodes": "[Node]!",
        "addresses": "AddressConnection!",
        "agencies": "AgencyConnection!",
        "enterprises": "EnterpriseConnection!",
        "notices": "NoticeConnection!",
        "jurisdictions": "JurisdictionConnection!",
        "enterprise": "Enterprise",
        "agency": "Agency",
        "address": "Address",
        "rules": "[Rule!]!",
        "directoryStatistics": "[DirectoryStatistic!]!",
    }
    assert {name: str(query[name].type) for name in expected} == expected
    assert set(query["addresses"].args) == {"first", "after", "last", "before", "filter", "orderBy"}
    assert str(schema.get_type("AddressEdge").fields["distanceKm"].type) == "Float"
    for name, field in schema.mutation_type.fields.items():
        payload = schema.get_type(str(field.type))
        assert str(payload.fields["userErrors"].type) == "[UserError!]!", name
    user_error = set(schema.get_type("UserError").fields)
    assert {"code", "field", "message", "messageZh", "messageEn", "rule", "article"} <= user_error
