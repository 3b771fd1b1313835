"""Assemble the Strawberry schema."""

from __future__ import annotations

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from domain.model import Jurisdiction as JurisdictionRow
from schema.context import Context


@strawberry.type(description="A GB/T 2260 administrative division and the rule pack that governs it.")
class Jurisdiction:
    code: str = strawberry.field(description="GB/T 2260 code, e.g. 110115 for Daxing.")
    name_zh: str = strawberry.field(description="Chinese name.")
    name_en: str = strawberry.field(description="English name.")
    parent_code: str | None = strawberry.field(description="The code of the city above a district.")
    level: str = strawberry.field(description="city or district.")
    rule_pack: str = strawberry.field(description="The rule pack: DX, TZ, WX or BJ.")
    licence_annotation: str = strawberry.field(description="The annotation added to a licence's domicile.")


@strawberry.type(description="The registry's read API.")
class Query:
    @strawberry.field(description="Every jurisdiction jiqun knows, ordered by code.")
    async def jurisdictions(self, info: Info[Context, None]) -> list[Jurisdiction]:
        async with info.context.sessionmaker() as session:
            rows = (await session.execute(select(JurisdictionRow).order_by(JurisdictionRow.code))).scalars()
            return [
                Jurisdiction(
                    code=r.code,
                    name_zh=r.name_zh,
                    name_en=r.name_en,
                    parent_code=r.parent_code,
                    level=r.level,
                    rule_pack=r.rule_pack,
                    licence_annotation=r.licence_annotation,
                )
                for r in rows
            ]


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query)
