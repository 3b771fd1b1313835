"""Reference data and aggregates: the rule catalogue, key industries, directory statistics, the caller."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from domain.rules.framework import Rule as RuleDefinition
from schema.context import Context
from schema.enums import AddressStatus, KeyIndustry, Role
from schema.types.agency import Agency, agency_by_id
from schema.types.jurisdiction import Jurisdiction, jurisdiction


@strawberry.type(description="A rule of a rule pack: the seed article as dated, cited code.")
class Rule:
    id: str = strawberry.field(description="Stable id, e.g. WX-26.3.")
    pack: str = strawberry.field(description="The rule pack: DX, TZ, WX or BJ.")
    article: str = strawberry.field(description="The article it encodes.")
    checkpoints: list[str] = strawberry.field(description="Where commands evaluate it (e.g. address.file).")
    title_zh: str = strawberry.field(description="Title in Chinese.")
    title_en: str = strawberry.field(description="Title in English.")
    in_force_from: dt.date | None = strawberry.field(
        description="First day in force; null: since the text took effect."
    )
    in_force_to: dt.date | None = strawberry.field(description="Last day in force; null: open-ended.")
    severity: str = strawberry.field(description="block (refuses the command), warn or info.")
    action: str | None = strawberry.field(description="The consequence the article names, if any.")
    quote: str = strawberry.field(description="The article's words the rule encodes.")
    thresholds: JSON = strawberry.field(description="The numbers the rule applies.")
    parameters: list[str] = strawberry.field(description="The named parameters it reads (domain.parameters).")
    definition: strawberry.Private[RuleDefinition]

    @classmethod
    def from_definition(cls, r: RuleDefinition) -> Rule:
        return cls(
            id=r.id,
            pack=r.pack,
            article=r.article,
            checkpoints=list(r.checkpoints),
            title_zh=r.title_zh,
            title_en=r.title_en,
            in_force_from=r.in_force_from,
            in_force_to=r.in_force_to,
            severity=str(r.severity),
            action=r.action,
            quote=r.quote,
            thresholds=JSON(dict(r.thresholds)),
            parameters=list(r.parameters),
            definition=r,
        )

    @strawberry.field(description="Whether it is in force on a date.")
    def in_force(self, on: Annotated[dt.date, strawberry.argument(description="The date.")]) -> bool:
        return self.definition.in_force(on)


@strawberry.type(description="A key industry (重点产业) with its names and source.")
class KeyIndustryInfo:
    key: KeyIndustry = strawberry.field(description="The value used in filters and on addresses.")
    name_zh: str = strawberry.field(description="Chinese name.")
    name_en: str = strawberry.field(description="English name.")
    divisions: list[str] = strawberry.field(description="The GB/T 4754-2017 divisions it covers.")
    source: str = strawberry.field(description="Where the seeds name it.")


@strawberry.type(description="Totals over the addresses of one group (by jurisdiction, status, key industry).")
class DirectoryStatistic:
    jurisdiction_code: str | None = strawberry.field(description="The group's jurisdiction, when grouped by it.")
    status: AddressStatus | None = strawberry.field(description="The group's address status, when grouped by it.")
    key_industry: KeyIndustry | None = strawberry.field(description="The group's key industry, when grouped by it.")
    addresses: int = strawberry.field(description="Addresses.")
    capacity: int = strawberry.field(description="Places in total (总量).")
    occupied: int = strawberry.field(description="Places taken.")
    free_places: int = strawberry.field(
        description="Free places of the group's addresses (0 at each that does not accept registrations)."
    )
    enterprises: int = strawberry.field(description="Enterprises registered there now (active or abnormal-listed).")

    @strawberry.field(description="The group's jurisdiction, when grouped by it.")
    async def jurisdiction(self, info: Info[Context, None]) -> Jurisdiction | None:
        return await jurisdiction(info.context, self.jurisdiction_code)


@strawberry.type(description="The caller, as its API key identifies it.")
class Viewer:
    role: Role = strawberry.field(description="The key's role, or ANONYMOUS without a key.")
    jurisdiction_codes: list[str] = strawberry.field(
        description="For a regulator: the jurisdictions it governs (its own and the districts under it)."
    )
    agency_id: strawberry.Private[int | None]

    @strawberry.field(description="For an agency key: the agency.")
    async def agency(self, info: Info[Context, None]) -> Agency | None:
        return await agency_by_id(info.context, self.agency_id)
