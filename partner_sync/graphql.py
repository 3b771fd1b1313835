"""A small GraphQL client: queries over HTTP, subscriptions over ``graphql-transport-ws``."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Subprotocol

log = logging.getLogger("jiqun.sync")

ACK_TIMEOUT_S = 10.0
HTTP_TIMEOUT_S = 60.0
# A rate-limited request waits what ``Retry-After`` asks, within these bounds (a missing or unreadable
# header counts as the shortest wait, a date far ahead as the longest).
RETRY_AFTER_MIN_S = 1.0
RETRY_AFTER_MAX_S = 600.0


class GraphQLError(Exception):
    """The server answered with ``errors``; ``code`` is the first error's ``extensions.code``."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        first = errors[0] if errors else {}
        self.extensions: dict[str, Any] = first.get("extensions") or {}
        self.code: str = str(self.extensions.get("code", "ERROR"))
        super().__init__(f"{self.code}: {first.get('message', 'unknown error')}")


class TransportError(Exception):
    """The server could not be reached or broke the protocol; worth retrying later."""


def retry_after_s(value: str | None) -> float:
    """Seconds to wait for a ``Retry-After`` value: delay-seconds or an HTTP date (RFC 9110 10.2.3)."""
    seconds: float | None = None
    if value:
        value = value.strip()
        if value.isascii() and value.isdigit():
            seconds = float(value)
        else:
            with contextlib.suppress(TypeError, ValueError, IndexError):
                seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
    return min(max(seconds or 0.0, RETRY_AFTER_MIN_S), RETRY_AFTER_MAX_S)


def websocket_url(url: str) -> str:
    return "ws" + url[4:] if url.startswith("http") else url


class GraphQLClient:
    def __init__(self, url: str, key: str | None = None) -> None:
        self.url = url
        self.key = key
        headers = {"Accept": "application/graphql-response+json, application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self._http = httpx.AsyncClient(headers=headers, timeout=HTTP_TIMEOUT_S)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The ``data`` of a query; waits out rate limits (429 with ``Retry-After``), saying so each time."""
        while True:
            try:
                response = await self._http.post(self.url, json={"query": query, "variables": variables})
            except httpx.TransportError as exc:
                raise TransportError(f"{self.url}: {exc!r}") from exc
            if response.status_code == 429:
                wait_s = retry_after_s(response.headers.get("retry-after"))
                log.warning(
                    "%s: rate limited (HTTP 429, %s); waiting %.0f s as Retry-After asks, then retrying",
                    self.url,
                    _message(response),
                    wait_s,
                )
                await asyncio.sleep(wait_s)
                continue
            try:
                body = response.json()
            except ValueError:
                raise TransportError(f"{self.url}: HTTP {response.status_code}, not a GraphQL response") from None
            if body.get("errors"):
                raise GraphQLError(body["errors"])
            if response.status_code >= 500 or not isinstance(body.get("data"), dict):
                raise TransportError(f"{self.url}: HTTP {response.status_code}")
            return body["data"]

    @contextlib.asynccontextmanager
    async def subscribe(self, query: str, variables: dict[str, Any]) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """Open a connection, subscribe, and iterate the ``data`` of each ``next`` message. Errors in a
        message raise :class:`GraphQLError`; a ``complete`` ends the iteration."""
        try:
            async with connect(websocket_url(self.url), subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
                payload = {"Authorization": f"Bearer {self.key}"} if self.key else {}
                await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
                ack = await asyncio.wait_for(self._receive(ws), ACK_TIMEOUT_S)
                if ack.get("type") != "connection_ack":
                    raise TransportError(f"expected connection_ack, got {ack}")
                await ws.send(
                    json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}})
                )
                yield self._messages(ws)
        except (OSError, WebSocketException) as exc:
            raise TransportError(f"{self.url}: {exc!r}") from exc

    async def _receive(self, ws: ClientConnection) -> dict[str, Any]:
        while True:
            try:
                message = json.loads(await ws.recv())
            except ConnectionClosed as exc:
                raise TransportError(f"connection closed: {exc}") from exc
            if message.get("type") == "ping":
                await ws.send(json.dumps({"type": "pong"}))
                continue
            if message.get("type") != "pong":
                return message

    async def _messages(self, ws: ClientConnection) -> AsyncIterator[dict[str, Any]]:
        while True:
            message = await self._receive(ws)
            kind = message.get("type")
            if kind == "next":
                payload = message.get("payload") or {}
                if payload.get("errors"):
                    raise GraphQLError(payload["errors"])
                yield payload.get("data") or {}
            elif kind == "error":
                raise GraphQLError(message.get("payload") or [])
            elif kind == "complete":
                return


def _message(response: httpx.Response) -> str:
    """The first error message of a GraphQL-style error body, or the status line's reason."""
    with contextlib.suppress(ValueError, LookupError, TypeError, AttributeError):
        return str(response.json()["errors"][0]["message"])
    return response.reason_phrase or "no reason given"
