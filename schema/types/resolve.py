"""Global id → object, for ``node``/``nodes`` and for fields that point at "some node"."""

from __future__ import annotations

from domain.commands.common import MAX_ID
from domain.enums import Role
from domain.ids import is_decimal
from domain.model import Agency as AgencyRow
from domain.model import ApiKey as ApiKeyRow
from domain.model import Score as ScoreRow
from domain.model import SupervisionRun as RunRow
from schema.context import Context
from schema.errors import NotFoundError
from schema.loaders import by_id
from schema.permissions import in_jurisdiction
from schema.types.address import address_by_id
from schema.types.agency import Agency
from schema.types.api_key import ApiKey
from schema.types.enterprise import enterprise_by_id
from schema.types.jurisdiction import jurisdiction
from schema.types.node import Node
from schema.types.notice import notice_by_id
from schema.types.score import Score, SupervisionRun


async def _lookup(ctx: Context, kind: str, key: str) -> Node | None:
    if kind == "Jurisdiction":
        return await jurisdiction(ctx, key)
    if not is_decimal(key):
        return None
    pk = int(key)
    match kind:
        case "Address":
            return await address_by_id(ctx, pk)
        case "Agency":
            row = await by_id(ctx, AgencyRow).load(pk)
            return Agency.from_row(row) if row is not None else None
        case "Enterprise":
            return await enterprise_by_id(ctx, pk)
        case "Notice":
            return await notice_by_id(ctx, pk)
        case "Score":
            score = await by_id(ctx, ScoreRow).load(pk)
            return Score.from_row(score) if score is not None else None
        case "SupervisionRun":
            run = await by_id(ctx, RunRow).load(pk)
            return SupervisionRun.from_row(run) if run and in_jurisdiction(ctx, run.jurisdiction_code) else None
        case "ApiKey":
            key_row = await by_id(ctx, ApiKeyRow).load(pk) if ctx.role == Role.ADMIN else None
            return ApiKey.from_row(key_row) if key_row is not None else None
    return None


async def resolve_node(ctx: Context, kind: str, key: str, *, quiet: bool = False) -> Node | None:
    """The object, if it exists and the caller may see it; otherwise ``None`` (``quiet``) or NOT_FOUND.

    Objects the caller may not see are reported exactly like missing ones, so ids reveal nothing."""
    if is_decimal(key) and int(key) > MAX_ID:
        found = None
    else:
        found = await _lookup(ctx, kind, key)
    if found is None and not quiet:
        raise NotFoundError(f"no {kind} with id {key} that this caller may see", messageZh=f"找不到 {kind} {key}")
    return found
