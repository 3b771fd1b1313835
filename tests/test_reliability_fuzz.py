"""Hostile input: operations generated from the schema, sent to a real server as every role.

hypothesis-graphql builds valid queries and mutations from the served schema with arbitrary arguments
(unicode, huge numbers, nulls, empty lists, any enum value), so they reach the resolvers and commands
rather than stopping at validation. Whatever a caller sends, the server must answer without a 5xx,
without a stack trace or SQL text, and without personal data the caller may not see: nothing personal
to anonymous and partner callers (domain.privacy patterns and personal field names), and nothing of
other agencies or jurisdictions to an agency or a Daxing regulator. Each role gets a fresh database
with the shared GraphQL test world (personal data in Daxing, Tongzhou and Wuxi).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from api.app import api_schema
from api.settings import Settings
from domain.db import create_engine, create_sessionmaker
from tests.graphql_support import OTHER_ID, ROLES, Api, assert_public, build_world, issue_keys
from tests.server import running_server

EXAMPLES = 100
SLOW_EXAMPLES = 1_000

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


async def _world_and_tokens(database_url: str) -> dict[str, str]:
    engine = create_engine(database_url)
    try:
        sessionmaker = create_sessionmaker(engine)
        world = await build_world(sessionmaker)
        holder = Api(client=None)  # type: ignore[arg-type]  # only its token table is used
        await issue_keys(sessionmaker, world, holder)
        return holder.tokens
    finally:
        await engine.dispose()


def check_response(role: str, operation: str, response: httpx.Response) -> None:
    text = response.text
    context = f"role {role}, HTTP {response.status_code}, operation:\n{operation}\nresponse: {text[:800]}"
    assert response.status_code < 500, f"server error for {context}"
    assert not LEAKS.search(text), f"stack trace or SQL in the response for {context}"
    if response.status_code == 200:
        assert isinstance(json.loads(text), dict), f"not a JSON object for {context}"
    if role in ("anonymous", "partner"):
        assert_public(response.content)
    elif role in SCOPED_ROLES:
        shown = [value for value in FOREIGN_PERSONAL if value in text]
        assert not shown, f"personal data of another scope {shown} for {context}"


def fuzz(database_url: str, role: str, examples: int) -> None:
    tokens = asyncio.run(_world_and_tokens(database_url))
    headers = {} if role == "anonymous" else {"Authorization": f"Bearer {tokens[role]}"}
    schema = api_schema(Settings(database_url=database_url))._schema
    sent: list[int] = []
    mutations, refused = 0, 0
    with running_server(database_url, env=SERVER_ENV) as server, server.client(headers=headers) as client:

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        )
        @given(operation=from_schema(schema, custom_scalars=SCALARS))
        def check(operation: Any) -> None:
            nonlocal mutations, refused
            response = client.post("/graphql", json={"query": operation})
            sent.append(response.status_code)
            mutations += str(operation).lstrip().startswith("mutation")
            refused += '"errors"' in response.text
            check_response(role, str(operation), response)

        check()
        alive = client.get("/healthz")
    print(f"fuzz {role}: injected {len(sent)} generated operations ({mutations} mutations, {refused} answered with")
    print(f"  errors); status codes {sorted(set(sent))}; checked no 5xx,")
    print(f"  no trace or SQL, no personal data beyond the role's scope; healthy after: {alive.status_code}")
    assert alive.status_code == 200, f"server unhealthy after fuzzing as {role}: {alive.text}"
    assert len(sent) >= min(examples, 10), f"only {len(sent)} operations were sent as {role}"


@pytest.mark.parametrize("role", ROLES)
def test_generated_operations_get_clean_answers(database_url: str, role: str) -> None:
    """Injected: 100 generated queries and mutations per role. Checked: no 5xx, no trace or SQL, no
    personal data the role may not see, and the server still healthy afterwards."""
    fuzz(database_url, role, EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_many_generated_operations_get_clean_answers(database_url: str, role: str) -> None:
    """The same with 1,000 operations per role."""
    fuzz(database_url, role, SLOW_EXAMPLES)
