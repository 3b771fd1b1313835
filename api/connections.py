"""Connections that cannot hold the server: time limits on request headers and bodies, and a cap on the
connections one client address keeps open.

uvicorn closes a keep-alive connection that stays idle between requests, but puts no time limit on a
request that has started: a client sending its headers or its body a byte at a time holds its
connection, and a few hundred such clients exhaust the process's file descriptors. So:

* Headers: a connection must complete the headers of its first request within ``JIQUN_HEADER_TIMEOUT_S``
  of being opened, and each later request within as long of its first byte. A connection that sent
  nothing is then closed; one in the middle of its headers gets ``408`` and is closed.
* Body: the whole request body must arrive within ``JIQUN_BODY_TIMEOUT_S`` of the headers. ``/graphql``
  enforces this itself with a ``408`` naming its request id (api/http.py, also when the app is served
  some other way); the protocol gives any request half a second more, then answers ``408`` if nothing
  has been answered yet, and closes.
* Connections per client address: at most ``JIQUN_MAX_CONNECTIONS_PER_ADDRESS`` open at once, HTTP and
  WebSocket together (0: no cap). One more is answered as soon as its request has arrived (and within a
  second regardless): ``429``, or for a WebSocket handshake, close code 1008 with the reason, which a
  browser's script can read where it cannot read a refused handshake. The count is per process, so with
  ``--workers N`` an address may hold up to N times the cap. Trusted proxies (``JIQUN_TRUSTED_PROXIES``)
  are not capped, since every client behind them shares their address; their WebSocket clients
  are counted under the forwarded address.

HTTP limits live in :class:`GuardedHttpProtocol`, a subclass of uvicorn's httptools protocol, because
only the protocol sees a request before its headers are complete. ``jiqun serve`` uses it, in every
worker process; to run uvicorn directly with the same limits, pass
``--http api.connections:GuardedHttpProtocol``. The WebSocket cap, :class:`WebSocketCap`, is part of
the app and holds however it is served.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.proxies import TrustedProxies
from api.settings import Settings

WEBSOCKET_POLICY_VIOLATION = 1008
# How long a refused or timed-out connection may still deliver what it is sending, so that the client
# reads the answer instead of a reset; then it is closed regardless.
LINGER_S = 1.0
# The protocol's body limit comes this much after the endpoint's, so that /graphql answers first.
BODY_GRACE_S = 0.5


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout_s: float
    body_timeout_s: float
    max_per_address: int
    trusted: TrustedProxies

    @classmethod
    def of(cls, settings: Settings) -> ConnectionLimits:
        return cls(
            header_timeout_s=settings.header_timeout_s,
            body_timeout_s=settings.body_timeout_s,
            max_per_address=settings.max_connections_per_address,
            trusted=TrustedProxies(settings.trusted_proxies),
        )

    def too_many(self) -> str:
        return f"too many open connections from this address (at most {self.max_per_address})"


@cache
def process_limits() -> ConnectionLimits:
    """The limits of this process, from its environment; the app has already refused a malformed one at
    start-up (``create_app`` reads the same settings)."""
    return ConnectionLimits.of(Settings.from_env())


class OpenConnections:
    """Open connections per client address in this process, HTTP and WebSocket together."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def claim(self, address: str, limit: int) -> bool:
        """Count one more connection from ``address``; ``False`` (and nothing counted) over ``limit``."""
        if limit > 0 and self.counts[address] >= limit:
            return False
        self.counts[address] += 1
        return True

    def release(self, address: str) -> None:
        self.counts[address] -= 1
        if self.counts[address] <= 0:
            del self.counts[address]


OPEN = OpenConnections()


def error_response(status: int, reason: str, code: str, message: str, extra: bytes = b"") -> bytes:
    """A complete ``Connection: close`` HTTP/1.1 response with a GraphQL-style JSON error body."""
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    return (
        f"HTTP/1.1 {status} {reason}\r\n".encode()
        + b"content-type: application/json; charset=utf-8\r\n"
        + b"content-length: "
        + str(len(body)).encode()
        + b"\r\nconnection: close\r\n"
        + extra
        + b"\r\n"
        + body
    )


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol with the header and body time limits and the per-address connection cap
    described in the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = process_limits()
        self._address: str | None = None  # the client's address, when the cap applies to it
        self._counted = False
        self._over_cap = False  # opened over the cap: refused once its request shows what it wants
        self._timer: asyncio.TimerHandle | None = None
        self._in_headers = False  # a request has begun and its headers are not complete
        self._finishing = False  # answered and closing: whatever else arrives is discarded

    # Connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        address = self.client[0] if self.client else None
        if address is not None and address not in self.limits.trusted:
            self._address = address
            if not OPEN.claim(address, self.limits.max_per_address):
                # Wait (briefly) for the request: a WebSocket handshake is refused by the app with a close
                # code its client can read, anything else here with 429.
                self._over_cap = True
                self._arm(min(LINGER_S, self.limits.header_timeout_s), self._refuse)
                return
            self._counted = True
        self._arm(self.limits.header_timeout_s, self._headers_late)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._uncount()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._finishing:
            return
        super().data_received(data)

    def handle_websocket_upgrade(self) -> None:
        # From here on the connection is a WebSocket, counted (or refused) by :class:`WebSocketCap` under
        # the client's address as the app sees it (the forwarded one behind a trusted proxy).
        self._disarm()
        self._uncount()
        self._over_cap = False
        super().handle_websocket_upgrade()

    # Parser callbacks; after an answer of ours the rest of what arrived is not parsed into requests.

    def on_message_begin(self) -> None:
        if self._finishing:
            return
        super().on_message_begin()
        self._in_headers = True
        if self._timer is None:  # the first request keeps the timer started with the connection
            self._arm(self.limits.header_timeout_s, self._headers_late)

    def on_headers_complete(self) -> None:
        if self._finishing:
            return
        self._in_headers = False
        self._disarm()
        upgrade = self.parser.should_upgrade() and self._should_upgrade()
        if self._over_cap and not upgrade:
            if self._address is None or not OPEN.claim(self._address, self.limits.max_per_address):
                self._refuse()
                return
            self._over_cap, self._counted = False, True  # another connection closed meanwhile
        super().on_headers_complete()
        if not upgrade:
            self._arm(self.limits.body_timeout_s + BODY_GRACE_S, self._body_late)

    def on_body(self, body: bytes) -> None:
        if not self._finishing:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._finishing:
            return
        self._disarm()
        super().on_message_complete()

    # Limits

    def _arm(self, delay: float, callback: Any) -> None:
        self._disarm()
        self._timer = self.loop.call_later(delay, callback)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _uncount(self) -> None:
        if self._counted and self._address is not None:
            OPEN.release(self._address)
            self._counted = False

    def _refuse(self) -> None:
        self._timer = None
        if self.transport.is_closing() or self._finishing:
            return
        message = self.limits.too_many()
        self.logger.debug("%s: refused a connection: %s", self._address, message)
        self._finish(error_response(429, "Too Many Requests", "TOO_MANY_CONNECTIONS", message, b"retry-after: 1\r\n"))

    def _headers_late(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if self._busy():  # the client may wait for an answer before it finishes the next request
            self._arm(self.limits.header_timeout_s, self._headers_late)
            return
        if not self._in_headers:
            self.transport.close()  # opened, and nothing asked: close it as uvicorn closes an idle one
            return
        message = f"the request headers did not arrive within {self.limits.header_timeout_s:g}s"
        self._finish(error_response(408, "Request Timeout", "REQUEST_TIMEOUT", message))

    def _body_late(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if self.pipeline:  # queued behind an earlier request, its body is not being read: not the client's delay
            self._arm(self.limits.body_timeout_s, self._body_late)
            return
        cycle = self.cycle
        if cycle is not None and cycle.response_started and not cycle.response_complete:
            self._arm(self.limits.body_timeout_s, self._body_late)  # let the answer finish first
            return
        if cycle is None or cycle.response_complete:
            self.transport.close()  # answered without the rest of the body: stop reading it
            return
        # The app is still waiting for the body: it now reads a disconnect, and whatever it sends is dropped.
        cycle.disconnected = True
        cycle.waiting_for_100_continue = False
        cycle.message_event.set()
        message = f"the request body did not arrive within {self.limits.body_timeout_s:g}s"
        self._finish(error_response(408, "Request Timeout", "REQUEST_TIMEOUT", message))

    def _busy(self) -> bool:
        """Whether an earlier request is still being answered (a 408 now would cut into its answer)."""
        return self.cycle is not None and not self.cycle.response_complete

    def _finish(self, response: bytes) -> None:
        """Send ``response``, stop reading requests, and close once the client has read it (or after
        :data:`LINGER_S`): closing at once, with the client's bytes unread, would reset the connection
        and could destroy the answer before the client reads it."""
        self._finishing = True
        self._disarm()
        self.transport.write(response)
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self._timer = self.loop.call_later(LINGER_S, self.transport.close)
        else:
            self.transport.close()


class WebSocketCap:
    """Counts a WebSocket endpoint's connections per client address (as the app sees it) and closes those
    over the cap with 1008 (policy violation) and a reason saying why."""

    def __init__(self, app: ASGIApp, limits: ConnectionLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        address = client[0] if client else None
        if address is None or address in self.limits.trusted:
            await self.app(scope, receive, send)
            return
        if not OPEN.claim(address, self.limits.max_per_address):
            websocket = WebSocket(scope, receive, send)
            offered = scope.get("subprotocols") or []
            await websocket.accept(subprotocol=offered[0] if offered else None)
            await websocket.close(WEBSOCKET_POLICY_VIOLATION, self.limits.too_many())
            return
        try:
            await self.app(scope, receive, send)
        finally:
            OPEN.release(address)
