"""Fresh, migrated databases for tests.

SQLite: one migrated template file per session, copied for each test. PostgreSQL (when
``JIQUN_TEST_DATABASE_URL`` is set): one migrated template database per session, cloned with
``CREATE DATABASE ... TEMPLATE`` for each test and dropped afterwards, so parallel runs never share
state.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from domain.db import create_engine, normalise_url
from migrations import runner

PG_URL = os.environ.get("JIQUN_TEST_DATABASE_URL") or None
REDIS_URL = os.environ.get("JIQUN_TEST_REDIS_URL") or None
_counter = itertools.count()


def _with_database(url: str, name: str) -> str:
    return make_url(normalise_url(url)).set(database=name).render_as_string(hide_password=False)


async def _admin(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


class SqliteDatabases:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.template = directory / "template.db"
        runner.upgrade(f"sqlite+aiosqlite:///{self.template}")

    def create(self) -> str:
        path = self.directory / f"t{next(_counter)}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite+aiosqlite:///{path}"

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        pass


class PostgresDatabases:
    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.prefix = f"jiqun_t{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.template = f"{self.prefix}_tmpl"
        asyncio.run(_admin(server_url, f'CREATE DATABASE "{self.template}"'))
        runner.upgrade(_with_database(server_url, self.template))

    def create(self) -> str:
        name = f"{self.prefix}_{next(_counter)}"
        asyncio.run(_admin(self.server_url, f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return _with_database(self.server_url, name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        asyncio.run(_admin(self.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        asyncio.run(_admin(self.server_url, f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
