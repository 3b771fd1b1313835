"""Jurisdictions (GB/T 2260 divisions) and the rule packs that govern them."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from domain.model import Jurisdiction as JurisdictionRow
from schema.context import Context
from schema.enums import RulePack
from schema.loaders import by_id, grouped
from schema.types.node import Node, gid


@strawberry.type(description="A GB/T 2260 administrative division and the rule pack that governs it.")
class Jurisdiction(Node):
    code: str = strawberry.field(description="GB/T 2260 code, e.g. 110115 for Daxing.")
    name_zh: str = strawberry.field(description="Chinese name.")
    name_en: str = strawberry.field(description="English name.")
    parent_code: str | None = strawberry.field(description="The code of the city above a district.")
    level: str = strawberry.field(description="city or district.")
    rule_pack: RulePack = strawberry.field(description="The rule pack: DX, TZ, WX or BJ.")
    licence_annotation: str = strawberry.field(description="The annotation added to a licence's domicile.")

    @classmethod
    def from_row(cls, r: JurisdictionRow) -> Jurisdiction:
        return cls(
            id=gid("Jurisdiction", r.code),
            code=r.code,
            name_zh=r.name_zh,
            name_en=r.name_en,
            parent_code=r.parent_code,
            level=r.level,
            rule_pack=r.rule_pack,  # type: ignore[arg-type]
            licence_annotation=r.licence_annotation,
        )

    @strawberry.field(description="The city above a district.")
    async def parent(self, info: Info[Context, None]) -> Jurisdiction | None:
        return await jurisdiction(info.context, self.parent_code)

    @strawberry.field(description="The districts under a city, ordered by code.")
    async def children(self, info: Info[Context, None]) -> list[Jurisdiction]:
        loader = grouped(
            info.context,
            "jurisdiction.children",
            JurisdictionRow.parent_code,
            lambda keys: (
                select(JurisdictionRow, JurisdictionRow.parent_code)
                .where(JurisdictionRow.parent_code.in_(keys))
                .order_by(JurisdictionRow.code)
            ),
        )
        return [Jurisdiction.from_row(r) for r in await loader.load(self.code)]


async def jurisdiction(ctx: Context, code: str | None) -> Jurisdiction | None:
    if code is None:
        return None
    row = await by_id(ctx, JurisdictionRow).load(code)
    return Jurisdiction.from_row(row) if row is not None else None


JurisdictionRef = Annotated["Jurisdiction", strawberry.lazy("schema.types.jurisdiction")]
