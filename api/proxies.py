"""Who the client is: the address that rate limits, connection caps and subscription slots are kept under.

The direct peer of the connection is the client, unless it is one of ``JIQUN_TRUSTED_PROXIES``: only then
does ``X-Forwarded-For`` (and ``X-Forwarded-Proto``) name the client, taken as the right-most address
in the header that is not itself a trusted proxy. Anyone else's ``X-Forwarded-For`` is the sender's own
claim, and honouring it would let a client pick a fresh address, and a fresh rate limit, per request.

The decision is the application's, so that it holds however the app is served. ``jiqun serve`` runs
uvicorn without its own proxy-header handling; ``uvicorn api.app:create_app --factory`` has it on by
default and rewrites the client from ``X-Forwarded-For`` for peers it trusts (loopback, unless told
otherwise) before the app sees the request, losing the peer's address. The app notices (the client it
is handed is one of the addresses in the header) and, not knowing the peer, keeps all such requests
under one address, :data:`UNVERIFIED`, and says once in the log how to fix the deployment.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from typing import Any, cast

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

log = logging.getLogger("jiqun.proxies")

# The client address of requests whose peer the server hid behind an address from X-Forwarded-For.
UNVERIFIED = "unverified-proxy"


class TrustedProxies:
    """The addresses and networks of ``JIQUN_TRUSTED_PROXIES`` (already checked by the settings)."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.entries = tuple(entries)
        self.networks = tuple(ipaddress.ip_network(entry) for entry in self.entries)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __contains__(self, host: object) -> bool:
        if not isinstance(host, str) or not self.networks:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def forwarded_hosts(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """The hosts named in every ``X-Forwarded-For`` header, in order, without ports or brackets."""
    hosts = []
    for name, value in headers:
        if name.lower() != b"x-forwarded-for":
            continue
        for item in value.decode("latin-1").split(","):
            host = item.strip()
            if host.startswith("[") and "]" in host:
                host = host[1 : host.index("]")]
            elif host.count(":") == 1:
                host = host.split(":", 1)[0]
            if host:
                hosts.append(host)
    return hosts


class ClientAddress:
    """ASGI middleware setting ``scope["client"]`` to the client as described in the module docstring."""

    def __init__(self, app: ASGIApp, trusted_proxies: Iterable[str] = ()) -> None:
        self.app = app
        self.trusted = TrustedProxies(trusted_proxies)
        self.proxied: ASGIApp = app
        if self.trusted:
            # uvicorn's middleware is typed with uvicorn's own ASGI types; it is an ASGI app like any other.
            self.proxied = cast(ASGIApp, ProxyHeadersMiddleware(cast(Any, app), list(self.trusted.entries)))
        self._warned = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        forwarded = forwarded_hosts(scope.get("headers") or ())
        if forwarded and client and client[0] in forwarded:
            self._warn_once()
            scope["client"] = (UNVERIFIED, 0)
            await self.app(scope, receive, send)
            return
        await self.proxied(scope, receive, send)

    def _warn_once(self) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "the server replaced the client address by one from X-Forwarded-For before jiqun could check"
                " the peer; such requests share the address %r. Run uvicorn with --no-proxy-headers (as"
                " `jiqun serve` does) and list the proxies in JIQUN_TRUSTED_PROXIES",
                UNVERIFIED,
            )
