"""GraphQL over HTTP: media types and status codes as the spec gives them, methods, body limits, caching,
CORS, GraphiQL, the document limits (depth, tokens, aliases, cost), masking, time limits. Nothing here
may ever answer 500."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from domain.db import create_engine
from domain.ids import to_global_id
from schema.masking import Kind, classify, public_error
from tests.databases import PG_URL
from tests.graphql_support import Api, World, make_settings, open_api

GQL = "application/graphql-response+json"
JSON = "application/json"
OK = "{ jurisdictions(first: 1) { nodes { code } } }"


@pytest.fixture
async def small_api(database_url: str) -> AsyncIterator[Api]:
    settings = make_settings(
        database_url,
        max_body_bytes=8_000,
        max_query_depth=6,
        max_query_tokens=400,
        max_query_aliases=5,
        max_query_cost=500,
        cors_origins=("https://invest.example",),
    )
    async for a in open_api(settings):
        yield a


async def _post_raw(api: Api, body: bytes | str, content_type: str | None = JSON, accept: str | None = GQL) -> Any:
    """A POST with exactly these headers (httpx's default Accept removed when ``accept`` is None)."""
    request = api.client.build_request("POST", "/graphql", content=body)
    for name, value in (("Content-Type", content_type), ("Accept", accept)):
        if value is None:
            request.headers.pop(name, None)
        else:
            request.headers[name] = value
    return await api.client.send(request)


def _media(response: Any) -> str:
    return response.headers["content-type"].split(";")[0]


@pytest.mark.parametrize(
    ("document", "variables", "code"),
    [
        ("{", None, "GRAPHQL_PARSE_FAILED"),  # does not parse
        ("{ nosuchfield }", None, "GRAPHQL_VALIDATION_FAILED"),  # unknown field
        ("{ addresses { nodes { nosuch } } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int!) { addresses(first: $n) { totalCount } }", {"n": "ten"}, "BAD_USER_INPUT"),  # wrong type
        ("query($n: Int!) { addresses(first: $n) { totalCount } }", None, "BAD_USER_INPUT"),  # missing variable
        ("query A { __typename } query B { __typename }", None, "OPERATION_RESOLUTION_FAILURE"),  # which one?
        ("subscription { __typename }", None, "BAD_REQUEST"),  # subscriptions are served over WebSocket
    ],
)
async def test_request_errors_are_400_with_graphql_response_json_and_200_with_json(
    api: Api, document: str, variables: Any, code: str
) -> None:
    modern = await api.post(document, variables, accept=GQL)
    assert modern.status_code == 400 and _media(modern) == GQL
    body = modern.json()
    assert "data" not in body and body["errors"][0]["message"]
    assert [e["extensions"]["code"] for e in body["errors"]] == [code] * len(body["errors"]), body
    assert body["extensions"]["requestId"] == modern.headers["x-request-id"]
    legacy = await api.post(document, variables, accept=JSON)
    assert legacy.status_code == 200 and _media(legacy) == JSON
    assert "data" not in legacy.json() and legacy.json()["errors"]


async def test_executed_operations_are_200_even_with_field_errors(api: Api, world: World) -> None:
    for accept in (GQL, JSON):
        response = await api.post('{ enterprise(uscc: "NOT-A-USCC") { name } }', accept=accept)
        assert response.status_code == 200 and _media(response) == accept
        body = response.json()
        assert body["data"] == {"enterprise": None}
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    response = await api.post("query($id: ID!) { node(id: $id) { id } }", {"id": "*** not base64 ***"})
    assert response.status_code == 200 and response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "document",
    [
        "{ addresses(first: 0) { totalCount } }",
        '{ node(id: "*** not base64 ***") { id } }',
        '{ enterprises(filter: { industryCode: "1" }) { totalCount } }',
    ],
)
async def test_every_error_in_chinese_is_also_in_english(api: Api, document: str) -> None:
    errors = (await api.post(document)).json()["errors"]
    assert errors and all(e["extensions"]["messageZh"] for e in errors), errors
    assert [e["extensions"]["messageEn"] for e in errors] == [e["message"] for e in errors]


@pytest.mark.parametrize(
    ("accept", "status", "media"),
    [
        (None, 200, GQL),
        ("application/graphql-response+json", 200, GQL),
        ("application/json", 200, JSON),
        ("*/*", 200, JSON),
        ("application/json;q=0.5, application/graphql-response+json", 200, GQL),
        ("application/graphql-response+json;q=0.2, application/json;q=0.9", 200, JSON),
        ("text/plain", 406, JSON),
        ("application/xml, text/csv", 406, JSON),
        ("application/json; charset=latin1", 406, JSON),
    ],
)
async def test_content_negotiation(api: Api, accept: str | None, status: int, media: str) -> None:
    response = await _post_raw(api, json.dumps({"query": OK}), accept=accept)
    assert response.status_code == status and _media(response) == media
    if status == 406:
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("NONSENSE", JSON, 400),
        ('{"query":', JSON, 400),
        ('{"qeury": "{ __typename }"}', JSON, 400),
        ('{"query": "{ __typename }", "variables": [7]}', JSON, 400),
        ('{"query": 42}', JSON, 400),
        ('[{"query": "{ __typename }"}]', JSON, 400),
        ('{"query": "{ __typename }"}', "text/plain", 415),
        ('{"query": "{ __typename }"}', "application/graphql", 415),
        ('{"query": "{ __typename }"}', "application/json; charset=latin1", 415),
        ('{"query": "{ __typename }"}', None, 415),
        ('{"query": "{ __typename }"}', "application/json; charset=utf-8", 200),
    ],
)
async def test_malformed_requests(api: Api, body: str, content_type: str | None, status: int) -> None:
    for accept in (GQL, JSON):
        response = await _post_raw(api, body, content_type=content_type, accept=accept)
        assert response.status_code == status, (body, content_type, accept, response.text)
        if status != 200:
            assert response.json()["errors"][0]["extensions"]["code"] in ("BAD_REQUEST", "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        ("application/json; charset=latin-1", "charset latin-1 is not supported; send the JSON in UTF-8"),
        ("text/plain; charset=utf-8", "text/plain is not supported; send application/json (UTF-8)"),
    ],
)
async def test_an_unsupported_media_type_says_what_is_wrong(api: Api, content_type: str, message: str) -> None:
    response = await _post_raw(api, json.dumps({"query": OK}), content_type=content_type)
    assert response.status_code == 415 and response.json()["errors"][0]["message"] == message


async def test_oversized_bodies_are_413(small_api: Api) -> None:
    big = json.dumps({"query": "{ __typename }", "variables": {"pad": "x" * 10_000}})
    response = await _post_raw(small_api, big)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"

    async def chunks() -> AsyncIterator[bytes]:
        yield big[:5_000].encode()
        yield big[5_000:].encode()

    streamed = await small_api.client.post("/graphql", content=chunks(), headers={"Content-Type": JSON})
    assert streamed.status_code == 413


async def test_get_queries_mutations_and_other_methods(api: Api, world: World) -> None:
    response = await api.get(
        {"query": "query($c: String!) { jurisdiction(code: $c) { nameZh } }", "variables": '{"c":"110115"}'}
    )
    assert response.status_code == 200 and response.json()["data"]["jurisdiction"]["nameZh"] == "大兴区"
    mutation = (
        'mutation { createJurisdiction(input: {code: "110999", nameZh: "x", nameEn: "x", rulePack: BJ, '
        'licenceAnnotation: "x"}) { userErrors { code } } }'
    )
    refused = await api.get({"query": mutation}, as_="admin")
    assert refused.status_code == 405 and refused.headers["allow"] == "POST"
    bad_variables = await api.get({"query": OK, "variables": "{not json"})
    assert bad_variables.status_code == 400
    no_query = await api.get({}, headers={"Accept": GQL})
    assert no_query.status_code == 400
    for method in ("PUT", "DELETE", "PATCH"):
        response = await api.client.request(method, "/graphql", json={"query": OK})
        assert response.status_code == 405 and response.headers["allow"] == "GET, POST"


async def test_anonymous_get_responses_are_cacheable(api: Api, world: World) -> None:
    params = {"query": "{ addresses(first: 3) { nodes { code freePlaces } } }"}
    first = await api.get(params)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=60"
    etag = first.headers["etag"]
    second = await api.get(params)
    assert second.headers["etag"] == etag and second.content == first.content
    assert "requestId" not in second.json().get("extensions", {})
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    not_modified = await api.get(params, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    partner = await api.get(params, as_="partner")  # revalidated by its ETag; never kept by a shared cache
    assert partner.headers["cache-control"] == "private, no-cache" and partner.headers["etag"]
    assert (await api.get(params, as_="agency")).headers["cache-control"] == "no-store"
    assert (await api.post(params["query"])).headers["cache-control"] == "no-store"
    with_error = await api.get({"query": '{ address(code: "nope") { code } }'})
    assert with_error.headers["cache-control"] == "no-store"


async def test_graphiql_for_browsers(api: Api) -> None:
    page = await api.client.get("/graphql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "graphiql" in page.text.lower()


async def test_cors(small_api: Api) -> None:
    preflight = await small_api.client.options(
        "/graphql",
        headers={
            "Origin": "https://invest.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://invest.example"
    response = await small_api.client.post("/graphql", json={"query": OK}, headers={"Origin": "https://invest.example"})
    assert response.headers["access-control-allow-origin"] == "https://invest.example"
    assert "x-ratelimit-remaining" in response.headers["access-control-expose-headers"].lower()
    other = await small_api.client.post("/graphql", json={"query": OK}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def _nested(depth: int) -> str:
    inner = "code"
    for _ in range(depth):
        inner = f"parent {{ {inner} }}"
    return f'{{ jurisdiction(code: "110115") {{ {inner} }} }}'


async def test_document_limits(small_api: Api) -> None:
    ok = await small_api.post(_nested(3))
    assert ok.status_code == 200, ok.text
    cases = {
        "depth": _nested(8),
        "aliases": "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(6)) + " }",
        "tokens": "{ " + " ".join("__typename" for _ in range(500)) + " }",
        "cost": "{ addresses(first: 100) { nodes { enterprises(first: 100) { nodes { uscc } } } } }",
    }
    for name, document in cases.items():
        for accept in (GQL, JSON):
            response = await small_api.post(document, accept=accept)
            assert response.status_code == (400 if accept == GQL else 200), (name, response.text)
            body = response.json()
            assert "data" not in body and body["errors"], name
        assert [e["extensions"]["code"] for e in body["errors"]] == [f"MAX_{name.upper()}_EXCEEDED"], body
    cost = (await small_api.post(cases["cost"])).json()["errors"][0]
    assert cost["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert cost["extensions"]["cost"] == {"requested": 100 + 100 * 100, "limit": 500}


async def test_cost_is_reported_and_counts_variables(api: Api) -> None:
    query = """query($n: Int!) { addresses(first: $n) { nodes { enterprises(first: 5) { nodes { uscc } } } }
                               notices(last: 3) { nodes { title } } }"""
    body = (await api.post(query, {"n": 40})).json()
    assert body["extensions"]["cost"] == {"requested": 40 + 40 * 5 + 3, "limit": 10_000}
    fragment = """query { ...F } fragment F on Query { agencies { nodes { addresses(first: 7) { totalCount } } } }"""
    assert (await api.post(fragment)).json()["extensions"]["cost"]["requested"] == 20 + 20 * 7


async def test_request_ids(api: Api) -> None:
    response = await api.post(OK, headers={"X-Request-Id": "trace-abc.1"})
    assert response.headers["x-request-id"] == "trace-abc.1"
    assert response.json()["extensions"]["requestId"] == "trace-abc.1"
    generated = await api.post(OK, headers={"X-Request-Id": "bad id with spaces"})
    assert generated.headers["x-request-id"] != "bad id with spaces"


async def test_unexpected_errors_are_masked_and_logged_with_the_request_id(
    api: Api, world: World, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE address_status_changes"))
    await engine.dispose()
    with caplog.at_level(logging.ERROR, logger="jiqun.graphql"):
        response = await api.post('{ address(code: "110115-000001") { code statusHistory { toStatus } } }')
    assert response.status_code == 200
    body = response.json()
    error = body["errors"][0]
    rid = response.headers["x-request-id"]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": rid}
    assert body["data"]["address"] is None or body["data"]["address"]["statusHistory"] is None
    assert "address_status_changes" not in response.text
    assert any(rid in r.getMessage() and r.exc_info for r in caplog.records)


async def test_the_request_time_limit(database_url: str, world: World) -> None:
    async for slow in open_api(make_settings(database_url, request_timeout_s=1e-9)):
        response = await slow.post("{ addresses { totalCount } }")
        assert response.status_code == 504
        assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
        again = await slow.post("{ __typename }")
        assert again.status_code == 200


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="JIQUN_TEST_DATABASE_URL is not set")
async def test_statement_timeout_reaches_postgresql_and_is_reported_as_timeout(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    async for served in open_api(make_settings(database_url, statement_timeout_ms=50)):
        engine = served.client._transport.app.state.services.engine  # type: ignore[attr-defined]
        async with engine.connect() as conn:
            assert (await conn.execute(text("SHOW statement_timeout"))).scalar_one() == "50ms"
            try:
                await conn.execute(text("SELECT pg_sleep(1)"))
            except Exception as exc:
                from graphql import GraphQLError

                error = GraphQLError("boom", original_error=exc)
                assert classify(error) == Kind.TIMEOUT
                assert public_error(error, "r1").extensions == {"code": "TIMEOUT", "requestId": "r1"}
            else:
                raise AssertionError("pg_sleep(1) outlived a 50 ms statement timeout")


async def test_global_ids_of_every_kind_round_trip(api: Api, world: World) -> None:
    ids = [
        to_global_id("Jurisdiction", "110115"),
        world.gid("Agency", "wuxi"),
        world.gid("Address", "wuxi-1"),
        world.gid("Enterprise", "wuxi-e1"),
    ]
    data = (await api.post("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})).json()["data"]
    assert [n["id"] for n in data["nodes"]] == ids
