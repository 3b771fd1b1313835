"""Helpers every command uses: loading with a clear not-found, enum parsing, version checks."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import InvalidInput, NotFound, StaleVersion
from domain.model import Base, Jurisdiction, Versioned
from domain.validators import validate_division_code

M = TypeVar("M", bound=Base)
E = TypeVar("E", bound=StrEnum)
# Primary keys are 32-bit integers; a larger id names no row and must not reach PostgreSQL as a parameter.
MAX_ID = 2**31 - 1


async def get_jurisdiction(session: AsyncSession, code: str, field: str = "jurisdictionCode") -> Jurisdiction:
    code = validate_division_code(code, field)
    j = await session.get(Jurisdiction, code)
    if j is None:
        raise NotFound("Jurisdiction", code, field)
    return j


def related(a: Jurisdiction, b: Jurisdiction) -> bool:
    """The same jurisdiction, or a city and one of its districts: where an agency registered in ``a`` may
    hold premises in ``b``, and what a notice of ``a`` may be about."""
    return a.code == b.code or a.parent_code == b.code or b.parent_code == a.code


def packs_for(j: Jurisdiction) -> tuple[str, ...]:
    """The rule packs that govern ``j``: its own, plus the Beijing city-wide pack for Beijing districts."""
    if j.code.startswith("11") and j.rule_pack != "BJ":
        return (j.rule_pack, "BJ")
    return (j.rule_pack,)


async def load(session: AsyncSession, model: type[M], pk: int, field: str = "id") -> M:
    """Load a row for update (row lock on PostgreSQL; SQLite's write lock is already held)."""
    if not 0 < pk <= MAX_ID:
        raise NotFound(model.__name__, pk, field)
    row = (
        await session.execute(select(model).where(model.__mapper__.primary_key[0] == pk).with_for_update())
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(model.__name__, pk, field)
    return row


def check_version(entity: Versioned, expected: int | None, kind: str) -> None:
    """Refuse an update prepared against an older version; ``None`` means the caller opted out."""
    if expected is not None and entity.version != expected:
        raise StaleVersion(kind, expected, entity.version)


def parse_enum(enum: type[E], value: str, field: str) -> E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidInput(
            field, f"{value!r} is not one of: {allowed}", f"“{value}”不是有效取值，可选：{allowed}", allowed=allowed
        ) from None
