"""Engines and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg).

SQLite runs in WAL mode with foreign keys on; a unit of work opens its transaction with
``BEGIN IMMEDIATE`` so concurrent writers queue on the database lock instead of failing on a
read-to-write upgrade. Readers keep plain ``BEGIN`` and never wait for writers.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Select, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# A SELECT of any columns: ``Select`` is generic over the tuple of its column types.
AnySelect: TypeAlias = Select[*tuple[Any, ...]]

WRITE_OPTION = "jiqun_write"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``sqlite:///`` and pick the async drivers jiqun uses."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        u = u.set(drivername="postgresql+asyncpg")
    elif u.drivername == "sqlite":
        u = u.set(drivername="sqlite+aiosqlite")
    return u.render_as_string(hide_password=False)


def create_engine(
    url: str, *, statement_timeout_ms: int | None = None, pool_size: int = 10, echo: bool = False
) -> AsyncEngine:
    url = normalise_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    server_settings = {"application_name": "jiqun"}
    if statement_timeout_ms:
        server_settings["statement_timeout"] = str(statement_timeout_ms)
    kwargs["connect_args"] = {"server_settings": server_settings}
    kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    return create_async_engine(url, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN itself
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_database_unavailable(exc: BaseException) -> bool:
    """The database could not be reached or the connection broke (a restart, a network failure), as
    opposed to a statement it refused or a missing table: retrying later may succeed. SQLAlchemy marks a
    detected disconnect as ``connection_invalidated``; PostgreSQL names the rest with SQLSTATE class 08
    (connection exception) and 57P (shutting down, starting up)."""
    if isinstance(exc, OSError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if exc.connection_invalidated or isinstance(exc, InterfaceError) or isinstance(orig, OSError):
        return True
    sqlstate = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(("08", "57P"))
