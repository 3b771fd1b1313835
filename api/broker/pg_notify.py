"""Wake-ups across API processes through PostgreSQL ``LISTEN``/``NOTIFY``, for deployments without Redis.

NOTIFY is scoped to the database, so every API process on the same database hears every other one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from api.broker.remote import Listen, Publish, RemoteBroker
from domain.db import normalise_url

CONNECT_TIMEOUT_S = 5.0
IDLE_CHECK_S = 10.0


def asyncpg_dsn(database_url: str) -> str:
    return make_url(normalise_url(database_url)).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresBroker(RemoteBroker):
    name = "postgres"

    def __init__(self, database_url: str, channel: str) -> None:
        super().__init__()
        self.dsn = asyncpg_dsn(database_url)
        self.channel = channel

    async def _connect(self) -> Any:
        return await asyncpg.connect(self.dsn, timeout=CONNECT_TIMEOUT_S, server_settings={"application_name": "jiqun"})

    @contextlib.asynccontextmanager
    async def listening(self) -> AsyncIterator[Listen]:
        conn = await self._connect()
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(self.channel, lambda *_args: self.wake())

            async def listen() -> None:
                while not lost.is_set():
                    try:
                        await asyncio.wait_for(lost.wait(), IDLE_CHECK_S)
                    except TimeoutError:
                        # A silent connection may be dead: a round trip proves it or fails.
                        await asyncio.wait_for(conn.execute("SELECT 1"), CONNECT_TIMEOUT_S)

            yield listen
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), CONNECT_TIMEOUT_S)
            conn.terminate()

    @contextlib.asynccontextmanager
    async def publisher(self) -> AsyncIterator[Publish]:
        conn = await self._connect()
        try:

            async def publish(seq: int) -> None:
                await conn.execute("SELECT pg_notify($1, $2)", self.channel, str(seq))

            yield publish
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), CONNECT_TIMEOUT_S)
            conn.terminate()
