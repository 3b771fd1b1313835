"""What a caller is told when the database goes away in the middle of its request.

The connection failures are injected at one chosen point (raising the error SQLAlchemy raises for a
broken connection), because a real outage cannot be timed to fall between a commit and the read after
it; the fault tests restart a real PostgreSQL under load and hold the same answers to the same checks.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, OperationalError

import schema.planner.executor
import schema.queries
from domain.db import is_database_unavailable
from domain.model import Notice
from schema.mutations import notices as notice_mutations
from schema.mutations import payloads
from tests.graphql_support import Api, World

CREATE = """mutation($input: CreateNoticeInput!) {
  createNotice(input: $input) { notice { id title } userErrors { code } } }"""
INPUT = {
    "kind": "OTHER",
    "jurisdictionCode": "110115",
    "title": "关于集群注册地址核查的公告",
    "titleEn": "Cluster address inspection",
    "body": "现开展集群注册地址核查。",
    "bodyEn": "Inspections begin.",
    "legalBasis": "DX Art.13",
}


def _connection_lost(*_args: Any, **_kwargs: Any) -> Any:
    raise OperationalError("SELECT 1", {}, ConnectionResetError("connection reset by peer"))


async def _notices(sessionmaker: Any) -> int:
    async with sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(Notice))).scalar_one())


async def test_a_saved_change_whose_result_cannot_be_read_back_says_it_was_saved(
    api: Api, world: World, sessionmaker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await _notices(sessionmaker)
    monkeypatch.setattr(payloads, "notice_by_id", _connection_lost)  # the read after the commit fails
    body = await api.run(CREATE, {"input": INPUT}, as_="regulator")
    assert body["data"] == {"createNotice": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "SAVED_RESULT_UNAVAILABLE", error
    assert error["extensions"]["committed"] is True and error["extensions"]["messageZh"]
    assert await _notices(sessionmaker) == before + 1  # the claim is true: the notice is stored


async def test_a_change_that_failed_before_its_commit_is_not_called_saved(
    api: Api, world: World, sessionmaker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await _notices(sessionmaker)
    monkeypatch.setattr(notice_mutations.commands, "create_notice", _connection_lost)
    body = await api.run(CREATE, {"input": INPUT}, as_="regulator")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", error
    assert "committed" not in error["extensions"]
    assert await _notices(sessionmaker) == before


async def test_a_read_during_an_outage_is_unavailable_not_an_internal_error(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema.queries, "fetch_page", _connection_lost)  # the resolvers' page
    monkeypatch.setattr(schema.planner.executor, "fetch_json_page", _connection_lost)  # the read planner's
    body = await api.run("{ addresses(first: 5) { edges { node { id } } } }")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", error
    assert error["message"] == "the database is unavailable; retry shortly"
    assert error["extensions"]["messageZh"] and error["extensions"]["requestId"]


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "unavailable"),
    [
        ("57P03", True),  # the database system is starting up / shutting down (cannot connect now)
        ("57P01", True),  # terminating connection due to administrator command
        ("08006", True),  # connection failure
        ("57014", False),  # statement timeout: reported as TIMEOUT
        ("23505", False),  # unique violation: a refusal, not an outage
        ("3D000", False),  # no such database: a configuration error
    ],
)
def test_which_driver_errors_mean_the_database_is_unavailable(sqlstate: str, unavailable: bool) -> None:
    assert is_database_unavailable(DBAPIError("SELECT 1", {}, _DriverError(sqlstate))) is unavailable


def test_broken_connections_mean_the_database_is_unavailable() -> None:
    assert is_database_unavailable(ConnectionRefusedError(111, "Connection refused"))
    lost = Exception("server closed the connection unexpectedly")
    assert is_database_unavailable(OperationalError("SELECT 1", {}, lost, connection_invalidated=True))
    assert is_database_unavailable(OperationalError("SELECT 1", {}, ConnectionResetError("reset by peer")))
    assert not is_database_unavailable(OperationalError("SELECT 1", {}, Exception("no such table: agencies")))
    assert not is_database_unavailable(ValueError("a bug"))
