"""What every resolver gets: the caller, one read session, the per-request data loaders and settings.

Reads of one request share a single session behind a lock: Strawberry resolves sibling fields
concurrently, an ``AsyncSession`` cannot run two statements at once, and data loaders batch what would
otherwise be one statement per row. A mutation calls :meth:`Context.after_write` once it has committed,
so later fields read the new state rather than a snapshot or a cached row from before the write.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.access import Viewer, viewer_of
from domain.actor import Actor
from domain.enums import Role

T = TypeVar("T")


@dataclass
class Context:
    sessionmaker: async_sessionmaker[AsyncSession]
    actor: Actor
    request_id: str
    read_sessionmaker: async_sessionmaker[AsyncSession] | None = None
    """The sessions of :meth:`read` (without a transaction on PostgreSQL, domain/db.py), else
    ``sessionmaker``'s."""
    # The jurisdiction codes a regulator governs: its own and, for a city, its districts.
    scope_codes: frozenset[str] = frozenset()
    services: Any = None
    request: Any = None
    response: Any = None
    on_commit: Callable[[int], Awaitable[None]] | None = None
    loaders: dict[str, Any] = field(default_factory=dict)
    writes: int = 0
    """Writes this request has committed (see :meth:`after_write`)."""
    _session: AsyncSession | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def role(self) -> Role:
        return self.actor.role

    @property
    def viewer(self) -> Viewer:
        """What the caller may see (domain/access.py)."""
        return viewer_of(self.actor, self.scope_codes)

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """The request's read session, held exclusively for the duration of the block."""
        async with self._lock:
            if self._session is None:
                self._session = (self.read_sessionmaker or self.sessionmaker)()
            yield self._session

    def loader(self, name: str, factory: Callable[[Context], T]) -> T:
        """The request's loader called ``name``, created on first use."""
        if name not in self.loaders:
            self.loaders[name] = factory(self)
        return self.loaders[name]

    async def after_write(self) -> None:
        """Forget the read snapshot and every cached row: a write has just committed."""
        self.writes += 1
        async with self._lock:
            self.loaders.clear()
            if self._session is not None:
                await self._session.close()
                self._session = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
