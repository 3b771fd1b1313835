"""API keys: ``jq_<prefix>_<secret>``. Only a SHA-256 of the whole key is stored; the prefix finds the
row, a constant-time comparison checks the hash, and the secret is shown once, at creation."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actor import Actor
from domain.commands.common import MAX_ID, get_jurisdiction, parse_enum
from domain.enums import Role
from domain.errors import InvalidInput, NotFound
from domain.ids import from_global_id, is_decimal
from domain.model import Agency, ApiKey
from domain.types import utcnow
from domain.validators import validate_text

SCOPED_ROLES = {Role.REGULATOR: "jurisdictionCode", Role.AGENCY: "agencyId"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


USCC_LENGTH = 18


async def agency_id_of(session: AsyncSession, reference: str) -> int:
    """The database id of the agency ``reference`` names: its global id (as the API shows it), its USCC,
    or the database id itself. One that names no agency is refused as ``agencyId``."""
    reference = reference.strip()
    if len(reference) == USCC_LENGTH:
        found = await session.scalar(select(Agency.id).where(Agency.uscc == reference.upper()))
    elif is_decimal(reference):
        found = int(reference) if 0 < int(reference) <= MAX_ID else None
    else:
        _, key = from_global_id(reference, "Agency", "agencyId")
        found = int(key) if is_decimal(key) and 0 < int(key) <= MAX_ID else None
    if found is None:
        raise InvalidInput(
            "agencyId",
            f"no agency is {reference!r}; give its global id, its USCC or its database id",
            f"找不到机构“{reference}”；请提供其全局 ID、统一社会信用代码或数据库编号",
        )
    return found


async def create_key(
    session: AsyncSession,
    *,
    name: str,
    role: str,
    jurisdiction_code: str | None = None,
    agency_id: int | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the secret token, which is not stored anywhere."""
    role_value = parse_enum(Role, role, "role")
    if role_value in (Role.ANONYMOUS, Role.SYSTEM):
        raise InvalidInput("role", f"keys cannot have the role {role}", f"不能创建角色为 {role} 的密钥")
    label = validate_text(name, "name", max_length=100) or ""
    if jurisdiction_code is not None and role_value != Role.REGULATOR:
        raise InvalidInput(
            "jurisdictionCode",
            f"only regulator keys have a jurisdiction; a {role_value} key cannot",
            f"只有监管密钥可指定辖区，{role_value} 密钥不能指定",
        )
    if agency_id is not None and role_value != Role.AGENCY:
        raise InvalidInput(
            "agencyId",
            f"only agency keys belong to an agency; a {role_value} key cannot",
            f"只有机构密钥可指定机构，{role_value} 密钥不能指定",
        )
    if role_value == Role.REGULATOR:
        if jurisdiction_code is None:
            raise InvalidInput("jurisdictionCode", "a regulator key needs a jurisdiction", "监管密钥须指定辖区")
        jurisdiction_code = (await get_jurisdiction(session, jurisdiction_code)).code
    if role_value == Role.AGENCY and (
        agency_id is None or not 0 < agency_id <= MAX_ID or await session.get(Agency, agency_id) is None
    ):
        raise InvalidInput("agencyId", "an agency key needs an existing agency", "机构密钥须指定已存在的机构")
    prefix = secrets.token_hex(4)
    token = f"jq_{prefix}_{secrets.token_urlsafe(24)}"
    key = ApiKey(
        prefix=prefix,
        secret_hash=_hash(token),
        name=label,
        role=role_value,
        jurisdiction_code=jurisdiction_code,
        agency_id=agency_id,
    )
    session.add(key)
    await session.flush()
    return key, token


async def authenticate(session: AsyncSession, token: str) -> Actor | None:
    """The actor for a bearer token, or ``None`` for an unknown, malformed or revoked key."""
    parts = token.split("_")
    if len(parts) < 3 or parts[0] != "jq":
        return None
    key = (await session.execute(select(ApiKey).where(ApiKey.prefix == parts[1]))).scalar_one_or_none()
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.secret_hash, _hash(token)):
        return None
    return Actor(f"key:{key.prefix}", Role(key.role), key.jurisdiction_code, key.agency_id)


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return list((await session.execute(select(ApiKey).order_by(ApiKey.id))).scalars())


async def revoke_key(session: AsyncSession, prefix: str, when: dt.datetime | None = None) -> ApiKey:
    key = (await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))).scalar_one_or_none()
    if key is None:
        raise NotFound("ApiKey", prefix, "prefix")
    if key.revoked_at is None:
        key.revoked_at = when or utcnow()
    return key
