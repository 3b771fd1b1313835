"""Running a domain command for a mutation: authorisation, one unit of work, idempotency, user errors.

* Authorisation comes first: a role that may never call the mutation gets ``FORBIDDEN`` before any
  lookup; a role that may, but not on this object (another jurisdiction, another agency's address),
  gets ``FORBIDDEN`` once the object's scope is known. Both are top-level errors; the payload is null.
* A refusal of the command (:class:`~domain.errors.DomainError`) becomes ``userErrors``; nothing was
  written.
* A creation called with an ``idempotencyKey`` stores its result under (caller, key) in the same
  transaction. The same key again returns that result without running the command a second time; the
  same key with a different input is refused (``IDEMPOTENCY_KEY_REUSED``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Scope, may_act
from domain.commands.common import MAX_ID
from domain.enums import Role
from domain.errors import DomainError, NotFound
from domain.ids import int_pk
from domain.model import IdempotencyRecord
from domain.unit_of_work import UnitOfWork
from schema.context import Context
from schema.errors import UserError, forbidden, user_errors
from schema.permissions import require_role

REGULATOR = (Role.REGULATOR,)
AGENCY_OR_REGULATOR = (Role.AGENCY, Role.REGULATOR)
ADMIN = (Role.ADMIN,)
MAX_IDEMPOTENCY_KEY = 128
IDEMPOTENCY = "Repeat a call with the same key to get its first result without a second effect."
EXPECTED_VERSION = "The version the change was prepared against; a newer stored version refuses the change."


@dataclass
class Outcome:
    refs: dict[str, Any] | None
    errors: list[UserError] = field(default_factory=list)
    replayed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def check_scope(ctx: Context, roles: Iterable[Role], scope: Scope | None, what: str) -> None:
    """``None`` scope: the object does not exist; the command reports NOT_FOUND itself."""
    if scope is not None and not may_act(ctx.viewer, ctx.role, roles, scope):
        raise forbidden(what)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def fingerprint(data: Any) -> str:
    """A digest of a mutation's input, without its idempotency key."""
    plain = _plain(data)
    if isinstance(plain, dict):
        plain.pop("idempotency_key", None)
    return hashlib.sha256(json.dumps(plain, sort_keys=True, default=str).encode()).hexdigest()


def _key_error(code: str, message_en: str, message_zh: str) -> Outcome:
    return Outcome(
        None,
        [
            UserError(
                code=code,
                field="idempotencyKey",
                message=message_en,
                message_zh=message_zh,
                message_en=message_en,
                rule=None,
                article=None,
                severity=None,
            )
        ],
    )


async def _stored(ctx: Context, key: str, operation: str, digest: str) -> Outcome | None:
    async with ctx.sessionmaker() as session:
        record = (
            await session.execute(
                select(IdempotencyRecord).where(IdempotencyRecord.actor == ctx.actor.id, IdempotencyRecord.key == key)
            )
        ).scalar_one_or_none()
    if record is None:
        return None
    if record.operation != operation or record.result.get("input") != digest:
        return _key_error(
            "IDEMPOTENCY_KEY_REUSED",
            f"idempotencyKey {key!r} was used for a different {record.operation} input; use a new key",
            f"幂等键“{key}”已用于不同的请求（{record.operation}），请使用新的键",
        )
    return Outcome(record.result["refs"], replayed=True)


async def run(
    ctx: Context,
    *,
    operation: str,
    authorize: Callable[[UnitOfWork], Awaitable[None]],
    work: Callable[[UnitOfWork], Awaitable[dict[str, Any]]],
    idempotency_key: str | None = None,
    data: Any = None,
) -> Outcome:
    """Authorise and run ``work`` in one unit of work; ``work`` returns references to what it made or
    changed (names to primary keys), from which the payload is built — the same way for a replay."""
    digest = fingerprint(data)
    if idempotency_key is not None:
        if not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            return _key_error(
                "INVALID_INPUT",
                f"idempotencyKey must be 1 to {MAX_IDEMPOTENCY_KEY} characters",
                f"幂等键长度应为 1 到 {MAX_IDEMPOTENCY_KEY} 个字符",
            )
        stored = await _stored(ctx, idempotency_key, operation, digest)
        if stored is not None:
            return stored
    extra: dict[str, Any] = {}
    try:
        async with UnitOfWork(ctx.sessionmaker, ctx.actor, on_commit=ctx.on_commit) as uow:
            await authorize(uow)
            refs = await work(uow)
            extra = refs.pop("_extra", {})
            if idempotency_key is not None:
                uow.session.add(
                    IdempotencyRecord(
                        actor=ctx.actor.id,
                        key=idempotency_key,
                        operation=operation,
                        result={"input": digest, "refs": refs},
                    )
                )
            await uow.commit()
    except DomainError as exc:
        if idempotency_key is not None:
            # A concurrent call with the same key may have committed first (the refusal is then its
            # effect: a conflict, an existing USCC); answer as the replay the caller would get next.
            stored = await _stored(ctx, idempotency_key, operation, digest)
            if stored is not None:
                return stored
        return Outcome(None, user_errors(exc))
    await ctx.after_write()
    return Outcome(refs, extra=extra)


def ref(value: str, kind: str, field: str) -> int:
    """The primary key behind a global id in an input; a malformed id or one of another kind is an
    INVALID_INPUT user error, one beyond any row NOT_FOUND."""
    pk = int_pk(value, kind, field)
    if not 0 < pk <= MAX_ID:
        raise NotFound(kind, value, field)
    return pk


@dataclass(frozen=True)
class Target:
    """The object a mutation acts on: its global id, the input field holding it, how to find its scope."""

    kind: str
    id: str
    field: str
    scope: Callable[[AsyncSession, int], Awaitable[Scope | None]]


async def act(
    ctx: Context,
    *,
    operation: str,
    roles: Iterable[Role],
    what: str,
    work: Callable[[UnitOfWork, int], Awaitable[dict[str, Any]]],
    target: Target | None = None,
    scope: Scope | None = None,
    idempotency_key: str | None = None,
    data: Any = None,
) -> Outcome:
    """Check the role, then (inside the unit of work) the scope of ``target`` or the given ``scope``,
    then run ``work(uow, target_pk)``."""
    roles = tuple(roles)
    require_role(ctx, roles, what)
    found: dict[str, int] = {}

    async def authorize(uow: UnitOfWork) -> None:
        if target is not None:
            found["pk"] = ref(target.id, target.kind, target.field)
            check_scope(ctx, roles, await target.scope(uow.session, found["pk"]), what)
        else:
            check_scope(ctx, roles, scope or Scope(None), what)

    async def do(uow: UnitOfWork) -> dict[str, Any]:
        return await work(uow, found.get("pk", 0))

    return await run(ctx, operation=operation, authorize=authorize, work=do, idempotency_key=idempotency_key, data=data)
