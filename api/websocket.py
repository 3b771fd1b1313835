"""GraphQL over WebSocket: ``graphql-transport-ws`` and the legacy ``graphql-ws``, as Strawberry speaks them,
plus what a long-lived partner connection needs.

* The API key may come in the ``connection_init`` payload — ``{"Authorization": "Bearer jq_..."}``,
  ``{"authorization": ...}`` or ``{"headers": {"Authorization": ...}}`` — since browsers cannot set
  headers on a WebSocket; the ``Authorization`` header of the upgrade request works too. An unknown or
  revoked key closes the connection with 4403 (legacy: ``connection_error``).
* Keep-alive: the server pings (``{"type": "ping"}``; legacy ``ka``) every ``JIQUN_WS_KEEPALIVE_S``,
  so proxies keep idle subscriptions open.
* The protocol's own rules stay Strawberry's: 4408 init timeout (``JIQUN_WS_INIT_TIMEOUT_S``), 4429 a
  second init, 4401 subscribe before ack, 4409 a duplicate id, 4400 an invalid message; at most
  ``JIQUN_MAX_SUBSCRIPTIONS_PER_CONNECTION`` operations per connection.
* A client that goes away without a close frame (its network dropped, its process was killed) is routine
  for long-lived connections: it ends the connection with a debug line, not a traceback
  (:class:`QuietDisconnects`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnected as SendAfterClose
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from api.auth import AuthenticationFailed, identify
from api.broker import Broker
from api.json_text import encode_json
from api.settings import Settings
from schema.changes import FeedRuntime, SubscriptionSlots
from schema.context import Context

log = logging.getLogger("jiqun.websocket")

# What a send raises once the client is gone or the connection is closing: nothing to report.
GONE = (WebSocketDisconnected, SendAfterClose)


def authorization(payload: object) -> str | None:
    """The ``Authorization`` value in a ``connection_init`` payload; a bare key counts as a bearer key."""
    if not isinstance(payload, dict):
        return None
    headers = payload.get("headers")
    for source in (payload, headers if isinstance(headers, dict) else {}):
        value = source.get("Authorization", source.get("authorization"))
        if isinstance(value, str) and value.strip():
            value = value.strip()
            return value if " " in value else f"Bearer {value}"
    return None


async def _sign_in(view: Any, context: Context, payload: object) -> bool:
    """Make the key in the payload the connection's caller; ``False`` for one that does not authenticate."""
    header = authorization(payload)
    if header is None:
        return True
    try:
        caller = await identify(view.services, header)
    except AuthenticationFailed:
        return False
    context.actor, context.scope_codes = caller.actor, caller.scope_codes
    return True


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    _pinger: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        first = not self.connection_init_received and not self.connection_timed_out
        if first and not await _sign_in(self.view, self.context, message.get("payload")):
            self.connection_init_received = True
            if self.connection_init_timeout_task:
                self.connection_init_timeout_task.cancel()
            await self.websocket.close(code=4403, reason="Forbidden: unknown or revoked API key")
            return
        await super().handle_connection_init(message)
        interval = self.view.keep_alive_interval
        if self.connection_acknowledged and self._pinger is None and self.view.keep_alive and interval:
            self._pinger = asyncio.create_task(self._ping(interval))

    async def _ping(self, interval: float) -> None:
        with contextlib.suppress(WebSocketDisconnected, RuntimeError):
            while True:
                await asyncio.sleep(interval)
                await self.send_message({"type": "ping"})

    async def handle_task_exception(self, error: Exception) -> None:
        if isinstance(error, GONE):
            log.debug("WebSocket operation ended: the connection is closed")
            return
        await super().handle_task_exception(error)

    async def shutdown(self) -> None:
        if self._pinger is not None:
            self._pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pinger
        await super().shutdown()


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    async def handle_connection_init(self, message: Any) -> None:
        if not await _sign_in(self.view, self.context, message.get("payload")):
            await self.send_message({"type": "connection_error", "payload": {"message": "unknown or revoked API key"}})
            await self.websocket.close(code=1011, reason="")
            return
        await super().handle_connection_init(message)

    async def handle_async_results(
        self, operation_id: str, query: str, operation_name: str | None, variables: dict[str, object] | None
    ) -> None:
        # Strawberry's task ends with the send's exception when the connection closed under it, and nobody
        # awaits the task then, so asyncio would log it with a traceback.
        try:
            await super().handle_async_results(operation_id, query, operation_name, variables)
        except GONE:
            log.debug("WebSocket operation %s ended: the connection is closed", operation_id)


class QuietDisconnects:
    """ASGI wrapper of a WebSocket endpoint: what is sent to a client that has gone is dropped, with a
    debug line instead of a traceback.

    The server learns that a client vanished from a failed send as often as from the disconnect message,
    and Strawberry's operation tasks report a failed send as an error. Dropping it leaves the disconnect
    message, which the protocol handlers already treat as the normal end of a connection.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        who = client[0] if client else "unknown"
        gone = False

        async def receive_logged() -> Message:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                log.debug("WebSocket from %s closed (code %s)", who, message.get("code"))
            return message

        async def send_unless_gone(message: Message) -> None:
            nonlocal gone
            if gone:
                return
            try:
                await send(message)
            except OSError as exc:  # uvicorn's ClientDisconnected, a reset connection
                gone = True
                log.debug("WebSocket from %s is gone (%s); dropping what is sent to it", who, type(exc).__name__)

        await self.app(scope, receive_logged, send_unless_gone)


class FeedWebSockets:
    """Mixed into the GraphQL view: its WebSocket protocol handlers."""

    graphql_transport_ws_handler_class: type[BaseGraphQLTransportWSHandler[Context, None]] = TransportWSHandler
    graphql_ws_handler_class: type[BaseGraphQLWSHandler[Context, None]] = LegacyWSHandler

    def encode_json(self, data: object) -> str:
        """Messages written as the HTTP answers are (api/json_text.py), sent as text frames as both
        protocols require."""
        return encode_json(data).decode()


def websocket_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of Strawberry's ``GraphQL`` view."""
    return {
        "keep_alive": True,
        "keep_alive_interval": settings.ws_keepalive_s,
        "connection_init_wait_timeout": dt.timedelta(seconds=settings.ws_init_timeout_s),
        "max_subscriptions_per_connection": settings.max_subscriptions_per_connection,
    }


def feed_runtime(settings: Settings, broker: Broker) -> FeedRuntime:
    return FeedRuntime(
        wakeups=broker,
        poll_interval_s=settings.poll_interval_s,
        retention_days=settings.feed_retention_days,
        send_timeout_s=settings.feed_send_timeout_s or None,
        slots=SubscriptionSlots(settings.max_subscriptions_per_key),
    )
