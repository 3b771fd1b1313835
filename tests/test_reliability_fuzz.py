"""Hostile input: generated requests sent to a real server process (``jiqun serve``, uvicorn) as every role,
on SQLite and on PostgreSQL.

Three generators feed it. hypothesis-graphql builds valid queries and mutations from the served schema
with arbitrary arguments (unicode, huge numbers, nulls, empty lists, any enum value), so they reach the
resolvers and commands rather than stopping at validation. ``tests.graphql_strategies.requests`` adds
what hypothesis-graphql never writes: named fragments (nested, spread repeatedly), inline fragments,
``@include``/``@skip``, aliases, variables with conforming and malformed values, several operations and
an ``operationName``; its ids and strings come from the test world, so mutations find their objects.
``expanding_requests`` sends documents whose expansion multiplies with their length.

Whatever a caller sends, the server must answer without a 5xx, without an error whose
``extensions.code`` is ``INTERNAL_SERVER_ERROR`` (an unexpected exception, whatever the HTTP status),
within the client's timeout, without a stack trace or SQL text, and without personal data the caller
may not see: nothing personal to anonymous and partner callers (domain.privacy patterns and personal
field names), and nothing of other agencies or jurisdictions to an agency or a Daxing regulator. Each
role gets a fresh database with the shared GraphQL test world (personal data in Daxing, Tongzhou and
Wuxi). The default run sends 305 requests per role (about 50 s per database for the five roles on two
cores); ``--slow`` sends 2,000. Every request is counted in tests/security_tally.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from api.app import api_schema
from api.settings import Settings
from domain.db import create_engine, create_sessionmaker
from domain.ids import to_global_id
from tests.graphql_strategies import Request, expanding_requests, requests
from tests.graphql_support import OTHER_ID, ROLES, Api, assert_public, build_world, issue_keys
from tests.security_tally import TALLY
from tests.server import Server, running_server

# Requests per role: (hypothesis-graphql, fragments/directives/aliases/variables, expanding documents).
EXAMPLES = (80, 200, 25)
SLOW_EXAMPLES = (600, 1_200, 200)
# A request this slow is a failure: every request here is small, or refused by the document limits.
REQUEST_TIMEOUT_S = 20.0

# What a server must never show a caller: Python tracebacks, driver or ORM names, SQL statements.
LEAKS = re.compile(
    r"Traceback \(most recent call last\)|File \"/|sqlalchemy|asyncpg|aiosqlite|sqlite3|psycopg"
    r"|\bSELECT\b.+\bFROM\b|\bINSERT INTO\b|\bUPDATE\b.+\bSET\b|\bDELETE FROM\b",
    re.IGNORECASE | re.DOTALL,
)
# Personal data of Tongzhou and Wuxi (agencies' and enterprises' phones, the Wuxi ID number): a Daxing
# agency key and a Daxing regulator key may never see them.
FOREIGN_PERSONAL = ("13912345678", "13611112222", "13700003333", "13700004444", OTHER_ID)
SCOPED_ROLES = ("agency", "regulator")

SCALARS = {
    "Date": st.dates().map(lambda d: nodes.String(d.isoformat())) | st.text(max_size=12).map(nodes.String),
    "DateTime": st.datetimes().map(lambda d: nodes.String(d.isoformat())) | st.text(max_size=12).map(nodes.String),
    "JSON": st.text(max_size=20).map(nodes.String),
}
SERVER_ENV = {"JIQUN_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "1000000", "JIQUN_RATE_LIMIT_KEY_PER_MINUTE": "1000000"}


@dataclass
class Fixture:
    tokens: dict[str, str]
    ids: list[str]
    words: list[str]


async def _world(database_url: str) -> Fixture:
    engine = create_engine(database_url)
    try:
        sessionmaker = create_sessionmaker(engine)
        world = await build_world(sessionmaker)
        holder = Api(client=None)  # type: ignore[arg-type]  # only its token table is used
        await issue_keys(sessionmaker, world, holder)
    finally:
        await engine.dispose()
    ids = [world.gid(kind, name) for kind, table in
           (("Agency", world.agencies), ("Address", world.addresses), ("Enterprise", world.enterprises))
           for name in table]  # fmt: skip
    ids += [to_global_id("Jurisdiction", code) for code in ("110115", "110112", "320205", "110000", "320200")]
    return Fixture(holder.tokens, ids, list(world.usccs.values()))


def internal_errors(body: Any) -> list[Any]:
    """The errors of a response that stand for an unexpected exception in the server."""
    errors = body.get("errors") if isinstance(body, dict) else None
    return [
        e
        for e in errors or ()
        if not isinstance(e, dict) or ((e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR")
    ]


def error_codes(body: Any) -> list[str]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [str((e.get("extensions") or {}).get("code")) for e in errors or () if isinstance(e, dict)]


def check_response(role: str, request: Request | str, response: httpx.Response) -> None:
    text = response.text
    context = f"role {role}, HTTP {response.status_code}, request:\n{request}\nresponse: {text[:800]}"
    assert response.status_code < 500, f"server error for {context}"
    assert not LEAKS.search(text), f"stack trace or SQL in the response for {context}"
    body: Any = None
    if "json" in response.headers.get("content-type", ""):
        body = json.loads(text)
    if response.status_code == 200:
        assert isinstance(body, dict), f"not a JSON object for {context}"
    internal = internal_errors(body)
    assert not internal, f"INTERNAL_SERVER_ERROR for {context}"
    if role in ("anonymous", "partner"):
        assert_public(response.content)
    elif role in SCOPED_ROLES:
        shown = [value for value in FOREIGN_PERSONAL if value in text]
        assert not shown, f"personal data of another scope {shown} for {context}"


@dataclass
class Tally:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    mutations: int = 0
    with_data: int = 0
    slowest: float = 0.0


def _send(client: httpx.Client, role: str, request: Request, tally: Tally) -> None:
    started = time.monotonic()
    try:
        response = client.post("/graphql", content=request.body(), headers={"Content-Type": "application/json"})
    except httpx.TimeoutException as exc:
        raise AssertionError(f"no answer within {REQUEST_TIMEOUT_S:.0f} s as {role} to:\n{request}") from exc
    tally.slowest = max(tally.slowest, time.monotonic() - started)
    tally.sent += 1
    tally.statuses[response.status_code] += 1
    tally.mutations += request.query.lstrip().startswith("mutation")
    body: Any = None
    if "json" in response.headers.get("content-type", ""):
        with contextlib.suppress(ValueError):
            body = response.json()
    TALLY.answered("fuzz", response, body)  # counted before the checks, so a failing answer is counted too
    check_response(role, request, response)
    tally.codes.update(error_codes(body))
    tally.with_data += isinstance(body, dict) and bool(body.get("data"))


def _run(strategy: st.SearchStrategy[Request], examples: int, send: Any) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        print_blob=True,
        # No shrinking: a slow answer would make each shrinking step as slow; the failure message holds
        # the whole request, and the blob reproduces it.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(request=strategy)
    def check(request: Request) -> None:
        send(request)

    check()


def fuzz(server: Server, fixture: Fixture, role: str, examples: tuple[int, int, int]) -> Tally:
    headers = {} if role == "anonymous" else {"Authorization": f"Bearer {fixture.tokens[role]}"}
    schema = api_schema(Settings())._schema
    tally = Tally()
    plain, rich, expanding = examples
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=REQUEST_TIMEOUT_S) as client:

        def send(request: Request) -> None:
            _send(client, role, request, tally)

        _run(from_schema(schema, custom_scalars=SCALARS).map(Request.plain), plain, send)
        _run(requests(schema, fixture.ids, fixture.words), rich, send)
        _run(expanding_requests(), expanding, send)
    return tally


def fuzz_role(database_url: str, role: str, examples: tuple[int, int, int]) -> None:
    fixture = asyncio.run(_world(database_url))
    started = time.monotonic()
    with running_server(database_url, env=SERVER_ENV) as server:
        tally = fuzz(server, fixture, role, examples)
        alive = httpx.get(f"{server.base_url}/healthz", timeout=REQUEST_TIMEOUT_S)
    print(f"\nfuzz {role}: {tally.sent} requests in {time.monotonic() - started:.1f} s ({tally.mutations} mutations,")
    print(f"  {tally.with_data} answered with data); status codes {dict(sorted(tally.statuses.items()))};")
    print(f"  error codes {dict(tally.codes.most_common(8))}; slowest answer {tally.slowest:.2f} s")
    print("  checked: no 5xx, no INTERNAL_SERVER_ERROR, no trace or SQL, no personal data beyond the role's")
    print(f"  scope; healthy after: {alive.status_code}")
    assert alive.status_code == 200, f"server unhealthy after fuzzing as {role}: {alive.text}"
    assert tally.sent >= sum(examples) // 2, f"only {tally.sent} requests were sent as {role}"
    # The generators are meant to get past validation: a share must reach execution and return data.
    assert tally.with_data >= tally.sent // 10, f"only {tally.with_data} of {tally.sent} requests returned data"


@pytest.mark.parametrize("role", ROLES)
def test_generated_requests_get_clean_answers(database_url: str, role: str) -> None:
    """Injected: 305 generated requests per role (80 plain, 200 with fragments, directives, aliases and
    variables, 25 expanding documents). Checked: no 5xx, no INTERNAL_SERVER_ERROR, an answer within
    20 s, no trace or SQL, no personal data the role may not see, the server still healthy afterwards."""
    fuzz_role(database_url, role, EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_many_generated_requests_get_clean_answers(database_url: str, role: str) -> None:
    """The same with 2,000 requests per role."""
    fuzz_role(database_url, role, SLOW_EXAMPLES)
