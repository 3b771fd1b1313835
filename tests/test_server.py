"""A real ``jiqun serve`` process: health probe, GraphiQL for browsers, GraphQL over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from migrations import runner
from tests.databases import PG_URL
from tests.server import running_server

QUERY = "{ jurisdictions(first: 100) { nodes { code nameZh } } }"


def test_server_answers_health_graphiql_and_graphql(database_url: str) -> None:
    with running_server(database_url) as server, server.client() as http:
        health = http.get("/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "ok"}

        page = http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "graphiql" in page.text.lower()

        answer = http.post("/graphql", json={"query": QUERY}, headers={"Accept": "application/json"})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/json")
        body = answer.json()
        assert "errors" not in body
        jurisdictions = body["data"]["jurisdictions"]["nodes"]
        assert {"code": "110115", "nameZh": "大兴区"} in jurisdictions
        assert {"code": "110112", "nameZh": "通州区"} in jurisdictions
        assert [j["code"] for j in jurisdictions] == sorted(j["code"] for j in jurisdictions)

        by_get = http.get("/graphql", params={"query": QUERY}, headers={"Accept": "application/json"})
        assert by_get.status_code == 200 and by_get.json()["data"] == body["data"]


@pytest.mark.postgres
def test_health_is_503_when_postgresql_database_is_missing() -> None:
    assert PG_URL is not None
    missing = make_url(PG_URL).set(database="jiqun_no_such_database").render_as_string(hide_password=False)
    with running_server(missing, require_healthy=False) as server, server.client() as http:
        health = http.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {"status": "unavailable", "database": "unreachable"}


def test_health_is_503_when_sqlite_file_cannot_be_opened(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'no-such-directory' / 'jiqun.db'}"
    with running_server(url, require_healthy=False) as server, server.client() as http:
        health = http.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {"status": "unavailable", "database": "unreachable"}


def test_health_is_503_when_the_schema_is_removed_under_a_running_server(database_url: str) -> None:
    with running_server(database_url) as server, server.client() as http:
        runner.downgrade(database_url, "base")
        health = http.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {"status": "unavailable", "database": "not migrated"}
