"""Shared fixtures: a fresh migrated database per test, on SQLite always and on PostgreSQL when
``JIQUN_TEST_DATABASE_URL`` is set (a configured server that fails is an error, never a skip)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.actor import SYSTEM, Actor
from domain.db import create_engine, create_sessionmaker
from domain.unit_of_work import UnitOfWork
from tests.databases import PG_URL, PostgresDatabases, SqliteDatabases
from tests.security_tally import TALLY

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# The GraphQL suites' fixtures (``api``, ``world``) live beside their helpers.
pytest_plugins = ("tests.graphql_support",)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="also run the long variants")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The figures of the security tests, when any ran (tests/security_tally.py)."""
    if TALLY.requests:
        for line in TALLY.lines():
            terminalreporter.write_line(line)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="JIQUN_TEST_DATABASE_URL is not set")
    skip_slow = pytest.mark.skip(reason="long variant; run with --slow")
    for item in items:
        if "postgres" in item.keywords and not PG_URL:
            item.add_marker(skip_pg)
        if "slow" in item.keywords and not config.getoption("--slow"):
            item.add_marker(skip_slow)


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases:
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases | None]:
    if not PG_URL:
        yield None
        return
    databases = PostgresDatabases(PG_URL)
    yield databases
    databases.close()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
) -> Iterator[str]:
    """A freshly migrated database on each backend."""
    databases = sqlite_databases if request.param == "sqlite" else postgres_databases
    assert databases is not None
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def uow(sessionmaker: async_sessionmaker[AsyncSession]) -> Callable[..., UnitOfWork]:
    """``uow(actor=..., today=...)`` opens a unit of work on the test database."""

    def make(actor: Actor = SYSTEM, today: dt.date | None = None) -> UnitOfWork:
        return UnitOfWork(sessionmaker, actor, today=today or dt.date(2026, 3, 2))

    return make


@pytest.fixture
def tmp_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"
