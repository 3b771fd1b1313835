"""Administration: API keys and jurisdictions. Admin keys only."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.commands.jurisdictions import create_jurisdiction
from domain.errors import NotFound
from domain.keys import create_key, revoke_key
from domain.model import ApiKey as ApiKeyRow
from domain.unit_of_work import UnitOfWork
from schema.context import Context
from schema.enums import KeyRole, RulePack
from schema.mutations.base import ADMIN, IDEMPOTENCY, act, ref
from schema.mutations.payloads import ApiKeyPayload, JurisdictionPayload


@strawberry.input(description="A new API key.")
class CreateApiKeyInput:
    name: str = strawberry.field(description="Who the key is for.")
    role: KeyRole = strawberry.field(description="The role it grants.")
    jurisdiction_code: str | None = strawberry.field(default=None, description="Regulator keys: the jurisdiction.")
    agency_id: strawberry.ID | None = strawberry.field(default=None, description="Agency keys: the agency.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="Revoke an API key, by its global id or its prefix.")
class RevokeApiKeyInput:
    api_key_id: strawberry.ID | None = strawberry.field(default=None, description="The key's global id.")
    prefix: str | None = strawberry.field(default=None, description="Or the key's public prefix.")


@strawberry.input(description="A new jurisdiction: a city, or a district under one.")
class CreateJurisdictionInput:
    code: str = strawberry.field(description="GB/T 2260 code.")
    name_zh: str = strawberry.field(description="Chinese name.")
    name_en: str = strawberry.field(description="English name.")
    rule_pack: RulePack = strawberry.field(description="The rule pack that governs it.")
    licence_annotation: str = strawberry.field(description="The annotation added to a licence's domicile.")
    parent_code: str | None = strawberry.field(default=None, description="For a district: its city.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.type(description="Administration mutations.")
class AdminMutations:
    @strawberry.mutation(description="Create an API key; the payload shows its secret once. Admins only.")
    async def create_api_key(
        self,
        info: Info[Context, None],
        input: Annotated[CreateApiKeyInput, strawberry.argument(description="The key.")],
    ) -> ApiKeyPayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, _: int) -> dict[str, Any]:
            agency_id = ref(input.agency_id, "Agency", "agencyId") if input.agency_id is not None else None
            key, token = await create_key(
                uow.session,
                name=input.name,
                role=input.role.value,
                jurisdiction_code=input.jurisdiction_code,
                agency_id=agency_id,
            )
            return {"apiKey": key.id, "_extra": {"token": token}}

        outcome = await act(
            ctx,
            operation="createApiKey",
            roles=ADMIN,
            what="create API keys",
            work=work,
            idempotency_key=input.idempotency_key,
            data=input,
        )
        return await ApiKeyPayload.build(ctx, outcome)

    @strawberry.mutation(description="Revoke an API key at once. Admins only.")
    async def revoke_api_key(
        self,
        info: Info[Context, None],
        input: Annotated[RevokeApiKeyInput, strawberry.argument(description="The key.")],
    ) -> ApiKeyPayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, _: int) -> dict[str, Any]:
            prefix = input.prefix
            if input.api_key_id is not None:
                row = await uow.session.get(ApiKeyRow, ref(input.api_key_id, "ApiKey", "apiKeyId"))
                if row is None:
                    raise NotFound("ApiKey", input.api_key_id, "apiKeyId")
                prefix = row.prefix
            if prefix is None:
                raise NotFound("ApiKey", "(none given)", "apiKeyId")
            key = await revoke_key(uow.session, prefix)
            return {"apiKey": key.id}

        outcome = await act(ctx, operation="revokeApiKey", roles=ADMIN, what="revoke API keys", work=work)
        return await ApiKeyPayload.build(ctx, outcome)

    @strawberry.mutation(description="Create a jurisdiction. Admins only.")
    async def create_jurisdiction(
        self,
        info: Info[Context, None],
        input: Annotated[CreateJurisdictionInput, strawberry.argument(description="The jurisdiction.")],
    ) -> JurisdictionPayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, _: int) -> dict[str, Any]:
            j = await create_jurisdiction(
                uow,
                code=input.code,
                name_zh=input.name_zh,
                name_en=input.name_en,
                rule_pack=input.rule_pack.value,
                licence_annotation=input.licence_annotation,
                parent_code=input.parent_code,
            )
            return {"jurisdiction": j.code}

        outcome = await act(
            ctx,
            operation="createJurisdiction",
            roles=ADMIN,
            what="create jurisdictions",
            work=work,
            idempotency_key=input.idempotency_key,
            data=input,
        )
        return await JurisdictionPayload.build(ctx, outcome)
