"""The Starlette application factory: settings, engine, schema, routes and lifespan in one place."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from api.logging import configure_logging
from api.settings import Settings
from domain.actor import ANONYMOUS
from domain.db import create_engine, create_sessionmaker
from domain.keys import authenticate
from schema.build import build_schema
from schema.context import Context

log = logging.getLogger("jiqun.api")


@dataclass
class Services:
    """What the app holds for its lifetime; stored on ``app.state.services``."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]


class JiqunGraphQL(GraphQL[Context, None]):
    def __init__(self, services: Services, **kwargs: Any) -> None:
        super().__init__(build_schema(), **kwargs)
        self.services = services

    async def get_context(self, request: Any, response: Any = None) -> Context:
        actor = ANONYMOUS
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            async with self.services.sessionmaker() as session:
                actor = await authenticate(session, auth[7:].strip()) or ANONYMOUS
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        return Context(
            sessionmaker=self.services.sessionmaker,
            actor=actor,
            request_id=request_id,
            services=self.services,
            request=request,
            response=response,
        )


async def healthz(request: Request) -> Response:
    services: Services = request.app.state.services
    try:
        async with services.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # the probe reports any database failure as unhealthy
        log.warning("health check failed: %s", exc)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    engine = create_engine(settings.database_url, statement_timeout_ms=settings.statement_timeout_ms)
    services = Services(settings=settings, engine=engine, sessionmaker=create_sessionmaker(engine))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    graphql = JiqunGraphQL(services)
    middleware = []
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
            )
        )
    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.add_websocket_route("/graphql", graphql)
    app.state.services = services
    return app
