"""What every resolver gets: the database, the caller, the request id and the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.actor import Actor


@dataclass
class Context:
    sessionmaker: async_sessionmaker[AsyncSession]
    actor: Actor
    request_id: str
    services: Any = None
    request: Any = None
    response: Any = None
    loaders: dict[str, Any] = field(default_factory=dict)
