"""Run one piece of work in a database session for a command, committing it, with user errors as one line."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from api.cli.errors import user_errors
from api.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


def in_session(work: Callable[[AsyncSession], Awaitable[T]], settings: Settings | None = None) -> T:
    """Run ``work`` in a session on ``JIQUN_DATABASE_URL`` and commit what it did."""
    url = (settings or Settings.from_env()).database_url

    async def main() -> T:
        from domain.db import create_engine, create_sessionmaker

        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    with user_errors(url):
        return asyncio.run(main())
