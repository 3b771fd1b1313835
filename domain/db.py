"""Engines and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg).

SQLite runs in WAL mode with foreign keys on; a unit of work opens its transaction with
``BEGIN IMMEDIATE`` so concurrent writers queue on the database lock instead of failing on a
read-to-write upgrade. Readers keep plain ``BEGIN`` and never wait for writers.

PostgreSQL connections are checked only when they come out of the pool after lying idle for
:data:`IDLE_PING_S` (a restarted server or a dropped network shows there): a busy server reuses its
connections within milliseconds and would otherwise pay a round trip per checkout for nothing. The
request reads of the GraphQL API run on :func:`autocommit` connections: at READ COMMITTED, the default,
a transaction gives a run of single statements nothing, and costs a ``BEGIN`` and a ``ROLLBACK`` round
trip per request. Reads that need one snapshot over several statements (the change feed) open a
REPEATABLE READ transaction themselves (``domain/feed``'s ``consistent_read``).
"""

from __future__ import annotations

import time
from typing import Any, TypeAlias

from sqlalchemy import Select, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# A SELECT of any columns: ``Select`` is generic over the tuple of its column types.
AnySelect: TypeAlias = Select[*tuple[Any, ...]]

WRITE_OPTION = "jiqun_write"
# A pooled PostgreSQL connection idle for longer is pinged before use.
IDLE_PING_S = 5.0


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
    kwargs.update(pool_size=pool_size, max_overflow=pool_size)
    engine = create_async_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a connection leaving the pool after :data:`IDLE_PING_S` unused; a dead one is replaced (the
    pool discards it on :class:`DisconnectionError` and tries a fresh one, as ``pool_pre_ping`` does)."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"an idle pooled connection is gone: {exc!r}") from exc


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """``engine`` for request reads: no transaction around them on PostgreSQL (see the module);
    SQLite's read transactions cost no round trip, and keep their plain ``BEGIN``."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


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
