"""Query-shape attacks: documents built to make the checks before execution slow, or an answer huge.

Each attack has a stated limit (docs/graphql.md, "Limits") and is refused with that limit's code, or
answered, without holding the server: a real ``jiqun serve`` process answers ``/healthz`` within a
second while the attacks run. The checks in-process count what cannot vary by machine (the code and the
cost); the server test measures the ``/healthz`` answer time under attack.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import GraphQLError, get_introspection_query, parse
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from api.app import api_schema
from api.settings import Settings
from schema.cost import estimate_cost
from schema.document_shape import ShapeLimits, check_shape
from tests.feed_support import TRANSPORT_WS
from tests.graphql_support import Api, make_settings, open_api
from tests.security_tally import HEALTHZ_LIMIT_S, TALLY, healthz_while
from tests.server import running_server


def fan_out(levels: int, leaf: str = "__typename") -> str:
    """Each fragment spreads the next one twice: ``levels`` lines that expand to 2**levels selections."""
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"query {{ ...F0 }} {fragments} fragment F{levels} on Query {{ {leaf} }}"


def nested(depth: int) -> str:
    inner = "code"
    for _ in range(depth):
        inner = f"parent {{ {inner} }}"
    return f'{{ jurisdiction(code: "110115") {{ {inner} }} }}'


FULL_SCHEMA = (
    "__schema { types { name description fields(includeDeprecated: true) { name args { name type { name } } "
    "type { name kind ofType { name kind } } } enumValues(includeDeprecated: true) { name } } }"
)

# name -> (document, variables, the code it is refused with, or None when it must be answered)
ATTACKS: dict[str, tuple[str, dict[str, Any] | None, str | None]] = {
    "fragment fan-out, 20 levels": (fan_out(20), None, "MAX_SELECTIONS_EXCEEDED"),
    "fragment fan-out, 30 levels": (fan_out(30), None, "MAX_SELECTIONS_EXCEEDED"),
    "fragment fan-out of aliases": (fan_out(30, "a: __typename b: __typename"), None, "MAX_SELECTIONS_EXCEEDED"),
    "fragment fan-out of a connection": (
        fan_out(25, "addresses(first: 100) { nodes { code } }"),
        None,
        "MAX_SELECTIONS_EXCEEDED",
    ),
    "deep nesting": (nested(40), None, "MAX_DEPTH_EXCEEDED"),
    "one field 1,200 times": ("{" + " viewer { role }" * 1200 + " }", None, "MAX_SELECTIONS_EXCEEDED"),
    "one field 20 times, each with 20 subfields": ("{" + (" viewer {" + " role" * 20 + " }") * 20 + " }", None, None),
    "one field 21 times": ("{" + " viewer { role }" * 21 + " }", None, "MAX_SELECTIONS_EXCEEDED"),
    "alias bomb": ("{" + " ".join(f"a{i}: viewer {{ role }}" for i in range(31)) + " }", None, "MAX_ALIASES_EXCEEDED"),
    "the whole schema under 30 aliases": (
        "{" + " ".join(f"s{i}: {FULL_SCHEMA}" for i in range(30)) + " }",
        None,
        "MAX_SELECTIONS_EXCEEDED",
    ),
    "the whole schema twice": (f"{{ a: {FULL_SCHEMA} b: {FULL_SCHEMA} }}", None, "MAX_SELECTIONS_EXCEEDED"),
    "directive repeated 700 times": (
        "{ __typename" + " @skip(if: false)" * 700 + " }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "1,200 variables": (
        "query(" + " ".join(f"$v{i}: Int" for i in range(1200)) + ") { __typename }",
        {f"v{i}": i for i in range(1200)},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "800 unknown fields in inline fragments": (
        "{" + "".join(f" ... on Query {{ x{i} }}" for i in range(800)) + " }",
        None,
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "100,000 tokens": ("{" + " __typename" * 9_000 + " }", None, "MAX_TOKENS_EXCEEDED"),
    "the introspection query": (get_introspection_query(descriptions=True), None, None),
}


def _codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", ())]


def _check(name: str, response: httpx.Response, expected: str | None) -> None:
    body = response.json() if response.headers.get("content-type", "").startswith("application/") else None
    TALLY.answered("query shape", response, body)
    assert response.status_code in (200, 400), (name, response.status_code, response.text[:300])
    assert body is not None, response.text[:300]
    if expected is None:
        assert "errors" not in body, (name, body["errors"][:2])
    else:
        assert "data" not in body or body["data"] is None, name
        assert expected in _codes(body), (name, _codes(body)[:5])
    assert "INTERNAL_SERVER_ERROR" not in _codes(body), name


def schema_and_limits() -> tuple[Any, ShapeLimits]:
    settings = Settings(database_url="sqlite:///unused.db")
    return api_schema(settings)._schema, ShapeLimits()


def _error_codes(errors: list[GraphQLError]) -> list[object]:
    return [(e.extensions or {}).get("code") for e in errors]


def test_a_fan_out_is_measured_without_expanding_it() -> None:
    schema, limits = schema_and_limits()
    document = parse(fan_out(200))
    started = time.process_time()
    shape = check_shape(document, limits)
    cost = estimate_cost(schema, parse(fan_out(200, "addresses(first: 3) { totalCount }")), None, {})
    assert time.process_time() - started < 0.5  # expanded, 2**200 selections would never finish
    assert _error_codes(shape.errors) == ["MAX_SELECTIONS_EXCEEDED"]
    assert cost == 3 * 2**200, "the cost of a fan-out is still counted exactly"


def test_fragments_count_as_often_as_they_are_spread() -> None:
    _, limits = schema_and_limits()
    aliases = "fragment A on Query { a: __typename b: __typename } "
    spread = "{ " + " ".join(["...A"] * 15) + " } " + aliases
    assert check_shape(parse(spread), limits).errors == []
    spread = "{ " + " ".join(["...A"] * 16) + " } " + aliases
    assert _error_codes(check_shape(parse(spread), limits).errors) == ["MAX_ALIASES_EXCEEDED"]
    depth = '{ ...D } fragment D on Query { jurisdiction(code: "1") { ...P } } fragment P on Jurisdiction { '
    assert check_shape(parse(depth + "code }"), ShapeLimits(max_depth=1)).errors == []
    too_deep = check_shape(parse(depth + "parent { code } }"), ShapeLimits(max_depth=1)).errors
    assert _error_codes(too_deep) == ["MAX_DEPTH_EXCEEDED"]


def test_a_cycle_of_fragments_is_left_to_the_standard_validation() -> None:
    _, limits = schema_and_limits()
    cyclic = parse("{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }")
    assert check_shape(cyclic, limits).errors == []


def test_graphiql_introspection_fits_the_cost_limit_but_thirty_copies_do_not() -> None:
    schema, _ = schema_and_limits()
    one = estimate_cost(schema, parse(get_introspection_query(descriptions=True)), None, {})
    assert 1_000 < one < 10_000
    many = "{" + " ".join(f"s{i}: {FULL_SCHEMA}" for i in range(30)) + " }"
    assert estimate_cost(schema, parse(many), None, {}) > 10_000


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    async for a in open_api(make_settings(database_url, rate_limit_anonymous_per_minute=100_000)):
        yield a


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_each_attack_is_refused_with_its_code_or_answered(api: Api, name: str) -> None:
    document, variables, expected = ATTACKS[name]
    _check(name, await api.post(document, variables), expected)


async def test_the_operation_named_by_operation_name_runs(api: Api) -> None:
    document = "query A { viewer { role } } query B { keyIndustries { key } }"
    for name, field in (("A", "viewer"), ("B", "keyIndustries")):
        response = await api.client.post("/graphql", json={"query": document, "operationName": name})
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        assert list(body["data"]) == [field]
    unnamed = (await api.client.post("/graphql", json={"query": document})).json()
    assert _codes(unnamed) == ["OPERATION_RESOLUTION_FAILURE"]
    cost = "query A { viewer { role } } query B { addresses(first: 7) { totalCount } }"
    named = (await api.client.post("/graphql", json={"query": cost, "operationName": "B"})).json()
    assert named["extensions"]["cost"]["requested"] == 7, "the cost is that of the named operation"


async def test_the_server_keeps_answering_while_attacked(database_url: str) -> None:
    env = {"JIQUN_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000"}
    with running_server(database_url, env=env) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=20.0) as client:

            async def send(name: str) -> None:
                document, variables, expected = ATTACKS[name]
                body: dict[str, Any] = {"query": document}
                if variables is not None:
                    body["variables"] = variables
                _check(name, await client.post("/graphql", json=body), expected)

            async def attack() -> None:
                # Every attack three times, four at a time.
                names = [name for name in ATTACKS for _ in range(3)]
                for start in range(0, len(names), 4):
                    await asyncio.gather(*(send(name) for name in names[start : start + 4]))

            async def subscribe_attacks() -> None:
                await attack()
                await _subscription_attacks(server.websocket_url)

            slowest, probes = await healthz_while(server.base_url, subscribe_attacks)
    assert probes >= 5
    assert slowest < HEALTHZ_LIMIT_S, f"/healthz took {slowest:.2f}s while the attacks ran"


SUBSCRIPTION_FAN_OUT = (
    "subscription { ...S0 } "
    + " ".join(f"fragment S{i} on Subscription {{ ...S{i + 1} ...S{i + 1} }}" for i in range(30))
    + " fragment S30 on Subscription { changes { cursor } }"
)
# A document that does not parse closes the connection with 4400 and the parser's message as the reason
# (graphql-transport-ws); a close reason holds at most 123 bytes.
UNPARSABLE_SUBSCRIPTIONS = {
    "syntax error": "subscription { changes { cursor }",
    "a long string where a name belongs": 'subscription { changes(after: "a" "' + "X" * 90_000 + '") { cursor } }',
    "100,000 tokens": "subscription { changes { " + "cursor " * 9_000 + "} }",
}


async def _init(ws: Any) -> None:
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] == "connection_ack"


async def _subscription_attacks(url: str) -> None:
    """Over a WebSocket the same limits hold: a fan-out is refused with an error message on a connection
    that stays usable, and a document that does not parse closes the connection with 4400."""
    async with connect(url, subprotocols=[TRANSPORT_WS], max_size=2**22) as ws:
        await _init(ws)
        for number in range(3):
            payload = {"query": SUBSCRIPTION_FAN_OUT}
            await ws.send(json.dumps({"id": str(number), "type": "subscribe", "payload": payload}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 20))
            TALLY.answered("query shape", body={"errors": answer.get("payload")})
            assert answer["type"] == "error" and answer["id"] == str(number), answer
            assert [e["extensions"]["code"] for e in answer["payload"]] == ["MAX_SELECTIONS_EXCEEDED"], answer
    for name, document in UNPARSABLE_SUBSCRIPTIONS.items():
        async with connect(url, subprotocols=[TRANSPORT_WS], max_size=2**22) as ws:
            await _init(ws)
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": document}}))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 20)
            TALLY.answered("query shape")
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400, (name, closed.value)
            assert closed.value.rcvd.reason.startswith("Syntax Error"), (name, closed.value.rcvd.reason)
