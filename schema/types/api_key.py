"""API keys as admins see them: never the secret, which is shown once, at creation."""

from __future__ import annotations

import datetime as dt

import strawberry

from domain.model import ApiKey as ApiKeyRow
from schema.enums import Role
from schema.types.node import Node, gid


@strawberry.type(description="An API key (stored hashed). Admins only.")
class ApiKey(Node):
    prefix: str = strawberry.field(description="The public prefix that identifies the key (jq_<prefix>_...).")
    name: str = strawberry.field(description="Who the key is for.")
    role: Role = strawberry.field(description="The role it grants.")
    jurisdiction_code: str | None = strawberry.field(description="A regulator key's jurisdiction.")
    agency_id: strawberry.ID | None = strawberry.field(description="An agency key's agency (global id).")
    created_at: dt.datetime = strawberry.field(description="When it was created (UTC).")
    revoked_at: dt.datetime | None = strawberry.field(description="When it was revoked (UTC), if it was.")

    @classmethod
    def from_row(cls, r: ApiKeyRow) -> ApiKey:
        return cls(
            id=gid("ApiKey", r.id),
            prefix=r.prefix,
            name=r.name,
            role=r.role,  # type: ignore[arg-type]
            jurisdiction_code=r.jurisdiction_code,
            agency_id=gid("Agency", r.agency_id) if r.agency_id else None,
            created_at=r.created_at,
            revoked_at=r.revoked_at,
        )
