"""Who is calling: an API key sent as ``Authorization: Bearer jq_...``, or nobody (anonymous).

A header that is present but does not carry a valid, unrevoked key is refused (401) rather than
treated as anonymous, so a client with a mistyped or revoked key finds out at once instead of silently
seeing less.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from typing import Any

from domain.access import jurisdiction_and_below
from domain.actor import ANONYMOUS, Actor
from domain.enums import Role
from domain.keys import authenticate
from schema.context import Context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class AuthenticationFailed(Exception):
    """The Authorization header is malformed or names no valid key."""


@dataclass(frozen=True)
class Caller:
    actor: Actor
    scope_codes: frozenset[str] = frozenset()

    @property
    def anonymous(self) -> bool:
        return self.actor.role == Role.ANONYMOUS


ANONYMOUS_CALLER = Caller(ANONYMOUS)


def bearer_token(authorization: str | None) -> str | None:
    """The token of a ``Bearer`` header; ``None`` without a header. Other schemes are refused."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("use Authorization: Bearer <API key>")
    return token.strip()


async def identify(services: Any, authorization: str | None) -> Caller:
    token = bearer_token(authorization)
    if token is None:
        return ANONYMOUS_CALLER
    async with services.sessionmaker() as session:
        actor = await authenticate(session, token)
        if actor is None:
            raise AuthenticationFailed("the API key is unknown or revoked")
        scope = (
            await jurisdiction_and_below(session, [actor.jurisdiction_code])
            if actor.role == Role.REGULATOR and actor.jurisdiction_code
            else frozenset()
        )
    return Caller(actor, scope)


def request_id(header: str | None) -> str:
    """The client's X-Request-Id when it is a sensible token, else a fresh one.

    Fresh ids are base32 (letters and the digits 2–7), so no id can ever look like a phone or identity
    number to the scanners that guard public output."""
    if header and _REQUEST_ID.match(header):
        return header
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


def build_context(services: Any, caller: Caller, rid: str, request: Any = None, response: Any = None) -> Context:
    broker = getattr(services, "broker", None)
    return Context(
        sessionmaker=services.sessionmaker,
        read_sessionmaker=getattr(services, "read_sessionmaker", None),
        actor=caller.actor,
        request_id=rid,
        scope_codes=caller.scope_codes,
        services=services,
        request=request,
        response=response,
        on_commit=broker.notify if broker is not None else None,
    )
