"""The Starlette application factory: settings, engine, schema, routes and lifespan in one place."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from strawberry.asgi import GraphQL

from api.auth import ANONYMOUS_CALLER, AuthenticationFailed, build_context, identify, request_id
from api.broker import Broker, LocalBroker, create_broker
from api.connections import ConnectionLimits, WebSocketCap
from api.graphiql import ASSETS, ASSETS_PATH
from api.http import GraphQLHTTP
from api.limits import create_limiter
from api.logging import configure_logging
from api.proxies import ClientAddress
from api.settings import Settings
from api.websocket import FeedWebSockets, QuietDisconnects, feed_runtime, websocket_options
from domain.db import autocommit, create_engine, create_sessionmaker
from opendata.web import opendata_app
from schema.build import Limits, build_schema
from schema.changes import ChangesSubscription, FeedRuntime
from schema.context import Context
from schema.geo import install_sql_functions
from website.app import website_routes

log = logging.getLogger("jiqun.api")


@dataclass
class Services:
    """What the app holds for its lifetime; stored on ``app.state.services``."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    read_sessionmaker: async_sessionmaker[AsyncSession]
    """Sessions for the reads of a GraphQL request, without a transaction (domain/db.py)."""
    broker: Broker = field(default_factory=LocalBroker)

    @cached_property
    def feed(self) -> FeedRuntime:
        """The change feed's wake-ups, poll interval, retention and limits."""
        return feed_runtime(self.settings, self.broker)


class JiqunGraphQL(FeedWebSockets, GraphQL[Context, None]):
    """GraphQL over WebSocket; HTTP requests go to :class:`api.http.GraphQLHTTP`."""

    def __init__(self, services: Services, schema: Any, **kwargs: Any) -> None:
        super().__init__(schema, **kwargs)
        self.services = services

    async def get_context(self, request: Any, response: Any = None) -> Context:
        try:
            caller = await identify(self.services, request.headers.get("authorization"))
        except AuthenticationFailed:
            caller = ANONYMOUS_CALLER
        return build_context(
            self.services, caller, request_id(request.headers.get("x-request-id")), request=request, response=response
        )


def limits(settings: Settings) -> Limits:
    return Limits(
        max_depth=settings.max_query_depth,
        max_tokens=settings.max_query_tokens,
        max_aliases=settings.max_query_aliases,
        max_cost=settings.max_query_cost,
        read_planner=settings.read_planner,
    )


def api_schema(settings: Settings) -> Any:
    """The schema the API serves (its SDL is committed as schema.graphql; see api/sdl.py)."""
    return build_schema(limits(settings), subscription=ChangesSubscription)


# A probe must answer before the orchestrator gives up on it, even when the database host is unroutable.
HEALTH_TIMEOUT_S = 5.0


async def _database_state(engine: AsyncEngine) -> str:
    """``ok``, ``unreachable``, or ``not migrated`` (reachable, but without jiqun's schema)."""
    try:
        conn = await engine.connect()
    except Exception as exc:  # the probe reports any connection failure as unhealthy
        log.warning("health check: database unreachable: %s", exc)
        return "unreachable"
    try:
        await conn.execute(text("SELECT last_seq FROM change_log_counter"))
    except Exception as exc:
        log.warning("health check: schema missing: %s", exc)
        return "not migrated"
    finally:
        await conn.close()
    return "ok"


async def healthz(request: Request) -> Response:
    services: Services = request.app.state.services
    try:
        state = await asyncio.wait_for(_database_state(services.engine), HEALTH_TIMEOUT_S)
    except TimeoutError:
        log.warning("health check: no answer from the database in %ss", HEALTH_TIMEOUT_S)
        state = "unreachable"
    if state != "ok":
        return JSONResponse({"status": "unavailable", "database": state}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


# Young-generation collections every this many allocations instead of 700: requests allocate many
# short-lived objects, and most die before a collection would look at them.
GC_THRESHOLDS = (10_000, 20, 100)


def freeze_start_up_objects() -> None:
    """Move what start-up built (modules, the schema, the mapper registry: over 120,000 objects) out of
    the garbage collector's sight, for good.

    They live as long as the process, yet every full collection would walk them all again: 60 ms each on
    this machine, paid by whichever request happened to trigger it (a p99 pause). Frozen, a full
    collection walks only what requests have left behind."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    engine = create_engine(settings.database_url, statement_timeout_ms=settings.statement_timeout_ms)
    install_sql_functions(engine)
    services = Services(
        settings=settings,
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        read_sessionmaker=create_sessionmaker(autocommit(engine)),
        broker=create_broker(settings),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.broker.start()
        freeze_start_up_objects()
        yield
        await services.broker.stop()
        await limiter.close()
        await engine.dispose()

    schema = api_schema(settings)
    graphql = JiqunGraphQL(services, schema, **websocket_options(settings))
    limiter = create_limiter(settings.redis_url)
    graphql_http = GraphQLHTTP(schema, services, limiter)
    # First, so that everything after it (rate limits, connection caps, subscription slots, logs) sees
    # the client as api/proxies.py decides it.
    middleware = [Middleware(ClientAddress, trusted_proxies=settings.trusted_proxies)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "Accept", "X-Request-Id"],
                expose_headers=[
                    "X-Request-Id",
                    "X-RateLimit-Limit",
                    "X-RateLimit-Remaining",
                    "X-RateLimit-Reset",
                    "Retry-After",
                    "ETag",
                ],
            )
        )
    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/graphql", graphql_http),
            WebSocketRoute("/graphql", WebSocketCap(QuietDisconnects(graphql), ConnectionLimits.of(settings))),
            Mount("/opendata", app=opendata_app(settings.data_dir)),
            Mount(ASSETS_PATH, app=StaticFiles(directory=ASSETS)),
            # Last: the public website owns `/` and the paths the API does not.
            *website_routes(services.read_sessionmaker, max_age_s=settings.cache_max_age_s),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.services = services
    return app
