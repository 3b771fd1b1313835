"""Two apps on one database, the read planner on in one and off in the other (the resolvers, which are
the reference), and the callers of every role; :func:`both` asks both the same request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories
from tests.graphql_support import Api, World, build_world, issue_keys, make_settings, open_api

# Anonymous, a partner, agencies, regulators in and out of the world's jurisdictions, and an admin.
CALLERS: tuple[str | None, ...] = (
    None,
    "partner",
    "agency",
    "agency-tongzhou",
    "regulator",
    "regulator-beijing",
    "regulator-tongzhou",
    "regulator-wuxi",
    "admin",
)

# No response cache (each request is executed) and no rate limit (the corpus sends thousands).
UNLIMITED: dict[str, Any] = {
    "response_cache_entries": 0,
    "rate_limit_anonymous_per_minute": 10**9,
    "rate_limit_key_per_minute": 10**9,
}


@dataclass
class Pair:
    planned: Api
    reference: Api
    world: World

    async def both(
        self, query: str, variables: dict[str, Any] | None = None, as_: str | None = None
    ) -> tuple[Any, Any]:
        """The two bodies without their request ids."""
        bodies = []
        for api in (self.planned, self.reference):
            response = await api.post(query, variables, as_=as_)
            body = response.json()
            if isinstance(body, dict):
                for part in [body, *(body.get("errors") or [])]:
                    if isinstance(part, dict) and isinstance(part.get("extensions"), dict):
                        part["extensions"].pop("requestId", None)
            bodies.append((response.status_code, body))
        return bodies[0], bodies[1]

    async def compared(
        self, query: str, variables: dict[str, Any] | None = None, as_: str | None = None
    ) -> tuple[Any, Any]:
        """:meth:`both`, asked again once when the answers differ: a pooled connection closed by the
        cancellation of an earlier statement (a sibling field's error cancels the others) can fail one
        app's next checkout once, which is not a difference between the paths; a real one repeats."""
        planned, reference = await self.both(query, variables, as_)
        if planned != reference:
            planned, reference = await self.both(query, variables, as_)
        return planned, reference


async def add_enterprises(sessionmaker: async_sessionmaker[AsyncSession], world: World, n: int) -> None:
    """More enterprises at the world's published addresses, so pages and cursors have rows to step over."""

    def uow(actor: Any = None, today: Any = None) -> Any:
        from domain.actor import SYSTEM
        from domain.unit_of_work import UnitOfWork
        from tests.graphql_support import TODAY

        return UnitOfWork(sessionmaker, actor or SYSTEM, today=today or TODAY)

    keys = ["daxing-1", "daxing-2", "daxing-3", "tongzhou-1", "wuxi-1"]
    codes = {"daxing": "110115", "tongzhou": "110112", "wuxi": "320205"}
    for i in range(n):
        address_key = keys[i % len(keys)]
        uscc = factories.make_uscc(codes[address_key.split("-")[0]])
        e = await factories.enterprise(uow, world.addresses[address_key], uscc=uscc, name=f"测试企业{i:03d}有限公司")
        world.enterprises[f"extra-{i}"] = e.id


@asynccontextmanager
async def open_pair(database_url: str, sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[Pair]:
    """Both apps on the world, with a dozen more enterprises and the keys of every role."""
    async with AsyncExitStack() as stack:
        planned = await stack.enter_async_context(_opened(make_settings(database_url, read_planner=True, **UNLIMITED)))
        reference = await stack.enter_async_context(
            _opened(make_settings(database_url, read_planner=False, **UNLIMITED))
        )
        world = await build_world(sessionmaker)
        await add_enterprises(sessionmaker, world, 12)
        await issue_keys(sessionmaker, world, planned)
        reference.tokens = dict(planned.tokens)
        reference.public_tokens = set(planned.public_tokens)
        yield Pair(planned, reference, world)


@asynccontextmanager
async def _opened(settings: Any) -> AsyncIterator[Api]:
    async for api in open_api(settings):
        yield api
