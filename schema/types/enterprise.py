"""Enterprises (经营主体) at cluster addresses: public registration data for everyone; personal data and
ledgers for the hosting agency and the regulator."""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from domain.industries import DIVISIONS
from domain.model import Address as AddressRow
from domain.model import AnnualReport as AnnualReportRow
from domain.model import Enterprise as EnterpriseRow
from domain.model import EnterpriseFinding as EnterpriseFindingRow
from domain.model import EnterprisePersonal as EnterprisePersonalRow
from schema.context import Context
from schema.enums import AbnormalReason, EnterpriseKind, EnterpriseStatus, FindingKind
from schema.loaders import by_id, by_key, grouped
from schema.permissions import enterprise_insider, require
from schema.types.address import Address, address_by_id
from schema.types.jurisdiction import Jurisdiction, jurisdiction
from schema.types.node import Node, gid


@strawberry.type(description="Personal data from the agency's ledger. The hosting agency and the regulator only.")
class EnterprisePersonal:
    legal_representative_name: str | None = strawberry.field(description="法定代表人姓名.")
    legal_representative_id_number: str | None = strawberry.field(description="法定代表人身份证号码.")
    contact_person: str | None = strawberry.field(description="联系人.")
    contact_phone: str | None = strawberry.field(description="联系电话.")
    liaison_name: str | None = strawberry.field(description="联络员姓名.")
    liaison_phone: str | None = strawberry.field(description="联络员电话.")


@strawberry.type(
    description="Registration details beyond the public record. The hosting agency and the regulator only."
)
class EnterpriseDetails:
    actual_address: str | None = strawberry.field(description="The actual business address, where it differs.")
    business_scope: str | None = strawberry.field(description="The business scope (经营范围).")
    permit_items: bool = strawberry.field(description="Whether the scope has items needing a permit.")
    has_branch_with_fixed_premises: bool = strawberry.field(description="Whether it has a branch with premises.")
    last_tax_filing_on: dt.date | None = strawberry.field(description="The latest tax filing date.")


@strawberry.type(description="An annual report (年度报告) the enterprise filed.")
class AnnualReport:
    year: int = strawberry.field(description="The year reported.")
    filed_on: dt.date = strawberry.field(description="When it was filed.")
    on_time: bool = strawberry.field(description="Whether it was filed by 30 June of the next year.")


@strawberry.type(description="A regulator's finding about the enterprise (false materials, lost contact, ...).")
class EnterpriseFinding:
    kind: FindingKind = strawberry.field(description="What was found.")
    found_on: dt.date = strawberry.field(description="When.")
    description: str | None = strawberry.field(description="Details.")


@strawberry.type(description="经营主体: an enterprise registered at a cluster address (public registration data).")
class Enterprise(Node):
    uscc: str = strawberry.field(description="Unified social credit code (统一社会信用代码).")
    name: str = strawberry.field(description="Registered name.")
    kind: EnterpriseKind = strawberry.field(description="Legal form.")
    industry_code: str = strawberry.field(description="GB/T 4754-2017 industry code.")
    industry_name_zh: str | None = strawberry.field(description="The industry division's Chinese name.")
    industry_name_en: str | None = strawberry.field(description="The industry division's English name.")
    jurisdiction_code: str = strawberry.field(description="The GB/T 2260 code it is registered in.")
    registered_address: str = strawberry.field(description="The domicile on its licence, with the annotation.")
    registered_on: dt.date = strawberry.field(description="When it registered at the address.")
    moved_out_on: dt.date | None = strawberry.field(description="When it moved out, if it has.")
    deregistered_on: dt.date | None = strawberry.field(description="When it was deregistered, if it has been.")
    status: EnterpriseStatus = strawberry.field(description="Its state; ABNORMAL means on the abnormal list.")
    abnormal_since: dt.date | None = strawberry.field(description="On the abnormal list (经营异常名录) since.")
    abnormal_reason: AbnormalReason | None = strawberry.field(description="Why it is on the abnormal list.")
    version: int = strawberry.field(description="Optimistic-concurrency version; pass it as expectedVersion.")
    row: strawberry.Private[EnterpriseRow]

    @classmethod
    def from_row(cls, r: EnterpriseRow) -> Enterprise:
        division = DIVISIONS.get(r.industry_code[:2])
        return cls(
            id=gid("Enterprise", r.id),
            uscc=r.uscc,
            name=r.name,
            kind=r.kind,  # type: ignore[arg-type]
            industry_code=r.industry_code,
            industry_name_zh=division.name_zh if division else None,
            industry_name_en=division.name_en if division else None,
            jurisdiction_code=r.jurisdiction_code,
            registered_address=r.registered_address,
            registered_on=r.registered_on,
            moved_out_on=r.moved_out_on,
            deregistered_on=r.deregistered_on,
            status=r.status,  # type: ignore[arg-type]
            abnormal_since=r.abnormal_since,
            abnormal_reason=r.abnormal_reason,  # type: ignore[arg-type]
            version=r.version,
            row=r,
        )

    @strawberry.field(description="The jurisdiction it is registered in.")
    async def jurisdiction(self, info: Info[Context, None]) -> Jurisdiction | None:
        return await jurisdiction(info.context, self.row.jurisdiction_code)

    @strawberry.field(description="The cluster address it is (or was) registered at.")
    async def address(self, info: Info[Context, None]) -> Address | None:
        return await address_by_id(info.context, self.row.address_id)

    async def _require_insider(self, ctx: Context, what: str) -> None:
        address = await by_id(ctx, AddressRow).load(self.row.address_id) if ctx.actor.agency_id else None
        require(enterprise_insider(ctx, self.row, address), what)

    @strawberry.field(
        description="Personal data (法定代表人, 联系人, 联络员). The hosting agency and the regulator only; "
        "FORBIDDEN for others."
    )
    async def personal(self, info: Info[Context, None]) -> EnterprisePersonal | None:
        await self._require_insider(info.context, "see this enterprise's personal data")
        row = await by_key(info.context, EnterprisePersonalRow, EnterprisePersonalRow.enterprise_id).load(self.row.id)
        if row is None:
            return None
        return EnterprisePersonal(
            legal_representative_name=row.legal_representative_name,
            legal_representative_id_number=row.legal_representative_id_number,
            contact_person=row.contact_person,
            contact_phone=row.contact_phone,
            liaison_name=row.liaison_name,
            liaison_phone=row.liaison_phone,
        )

    @strawberry.field(description="Registration details. The hosting agency and the regulator only.")
    async def details(self, info: Info[Context, None]) -> EnterpriseDetails | None:
        await self._require_insider(info.context, "see this enterprise's registration details")
        r = self.row
        return EnterpriseDetails(
            actual_address=r.actual_address,
            business_scope=r.business_scope,
            permit_items=r.permit_items,
            has_branch_with_fixed_premises=r.has_branch_with_fixed_premises,
            last_tax_filing_on=r.last_tax_filing_on,
        )

    @strawberry.field(description="Annual reports, newest first. The hosting agency and the regulator only.")
    async def annual_reports(self, info: Info[Context, None]) -> list[AnnualReport] | None:
        await self._require_insider(info.context, "see this enterprise's annual reports")
        loader = grouped(
            info.context,
            "enterprise.annual_reports",
            AnnualReportRow.enterprise_id,
            lambda keys: (
                select(AnnualReportRow, AnnualReportRow.enterprise_id)
                .where(AnnualReportRow.enterprise_id.in_(keys))
                .order_by(AnnualReportRow.year.desc())
            ),
        )
        return [
            AnnualReport(year=r.year, filed_on=r.filed_on, on_time=r.on_time) for r in await loader.load(self.row.id)
        ]

    @strawberry.field(description="Regulators' findings, newest first. The hosting agency and the regulator only.")
    async def findings(self, info: Info[Context, None]) -> list[EnterpriseFinding] | None:
        await self._require_insider(info.context, "see this enterprise's findings")
        loader = grouped(
            info.context,
            "enterprise.findings",
            EnterpriseFindingRow.enterprise_id,
            lambda keys: (
                select(EnterpriseFindingRow, EnterpriseFindingRow.enterprise_id)
                .where(EnterpriseFindingRow.enterprise_id.in_(keys))
                .order_by(EnterpriseFindingRow.found_on.desc(), EnterpriseFindingRow.id.desc())
            ),
        )
        return [
            EnterpriseFinding(kind=r.kind, found_on=r.found_on, description=r.description)  # type: ignore[arg-type]
            for r in await loader.load(self.row.id)
        ]


async def enterprise_by_id(ctx: Context, enterprise_id: int | None) -> Enterprise | None:
    """Enterprises are public registration data: anyone may see any enterprise's public fields."""
    if enterprise_id is None:
        return None
    row = await by_id(ctx, EnterpriseRow).load(enterprise_id)
    return Enterprise.from_row(row) if row is not None else None
