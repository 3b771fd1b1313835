"""Enterprise mutations: intake and move-out (the hosting agency or the regulator), and the regulator's
records (deregistration, annual reports, the abnormal list, findings, tax filings)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain import commands
from domain.access import address_scope, enterprise_scope
from domain.commands.enterprises import EnterprisePersonalInput as DomainEnterprisePersonal
from domain.unit_of_work import UnitOfWork
from schema.context import Context
from schema.enums import AbnormalReason, EnterpriseKind, FindingKind, HazardSeverity
from schema.mutations.base import AGENCY_OR_REGULATOR, EXPECTED_VERSION, IDEMPOTENCY, REGULATOR, Target, act
from schema.mutations.payloads import AnnualReportPayload, EnterpriseFindingPayload, EnterprisePayload


@strawberry.input(description="Personal data from the agency's ledger (kept apart, never public).")
class EnterprisePersonalInput:
    legal_representative_name: str | None = strawberry.field(default=None, description="法定代表人姓名.")
    legal_representative_id_number: str | None = strawberry.field(default=None, description="法定代表人身份证号码.")
    contact_person: str | None = strawberry.field(default=None, description="联系人.")
    contact_phone: str | None = strawberry.field(default=None, description="联系电话.")
    liaison_name: str | None = strawberry.field(default=None, description="联络员姓名.")
    liaison_phone: str | None = strawberry.field(default=None, description="联络员电话.")


@strawberry.input(description="Register an enterprise at a published address with a free place.")
class RegisterEnterpriseInput:
    address_id: strawberry.ID = strawberry.field(description="The cluster address.")
    uscc: str = strawberry.field(description="Unified social credit code.")
    name: str = strawberry.field(description="Registered name.")
    kind: EnterpriseKind = strawberry.field(description="Legal form.")
    industry_code: str = strawberry.field(description="GB/T 4754-2017 code (division, group or class).")
    permit_items: bool = strawberry.field(default=False, description="Whether the scope has items needing a permit.")
    business_scope: str | None = strawberry.field(default=None, description="Business scope (经营范围).")
    has_branch_with_fixed_premises: bool = strawberry.field(
        default=False, description="Whether it has a branch with fixed premises."
    )
    actual_address: str | None = strawberry.field(default=None, description="Actual business address, if different.")
    registered_on: dt.date | None = strawberry.field(default=None, description="Registration date; today by default.")
    personal: EnterprisePersonalInput | None = strawberry.field(default=None, description="Personal data.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="An enterprise leaves its cluster address.")
class MoveOutEnterpriseInput:
    enterprise_id: strawberry.ID = strawberry.field(description="The enterprise.")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)
    moved_out_on: dt.date | None = strawberry.field(default=None, description="The date; today by default.")


@strawberry.input(description="An enterprise is deregistered.")
class DeregisterEnterpriseInput:
    enterprise_id: strawberry.ID = strawberry.field(description="The enterprise.")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)
    deregistered_on: dt.date | None = strawberry.field(default=None, description="The date; today by default.")


@strawberry.input(description="Record an annual report (年度报告).")
class RecordAnnualReportInput:
    enterprise_id: strawberry.ID = strawberry.field(description="The enterprise.")
    year: int = strawberry.field(description="The year reported.")
    filed_on: dt.date | None = strawberry.field(default=None, description="When it was filed; today by default.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="Put an enterprise on the abnormal list (WX Art.27 ¶2, TZ §五(三)9(2)).")
class ListAbnormalInput:
    enterprise_id: strawberry.ID = strawberry.field(description="The enterprise.")
    reason: AbnormalReason = strawberry.field(description="Why.")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)
    on: dt.date | None = strawberry.field(default=None, description="Listed on; today by default.")


@strawberry.input(description="A change of an enterprise.")
class EnterpriseChangeInput:
    enterprise_id: strawberry.ID = strawberry.field(description="The enterprise.")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)


@strawberry.input(description="Record a finding about an enterprise (TZ §五(三)8(3)(5), WX Art.26(3)(7)).")
class RecordEnterpriseFindingInput:
    enterprise_id: strawberry.ID = strawberry.field(description="The enterprise.")
    kind: FindingKind = strawberry.field(description="What was found.")
    found_on: dt.date | None = strawberry.field(default=None, description="When; today by default.")
    description: str | None = strawberry.field(default=None, description="Details (no personal data).")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)
    agency_involved: bool = strawberry.field(
        default=False,
        description="False materials only: verified that the hosting agency supplied them (WX Art.26(7) acts on that).",
    )
    hazard_severity: HazardSeverity | None = strawberry.field(
        default=None,
        description="Safety hazards only: the severity the reporting department set (DX Art.13(1) acts on MAJOR).",
    )
    reported_by: str | None = strawberry.field(default=None, description="The department that reported it.")


@strawberry.input(description="Record the latest tax filing date (BJ L508).")
class RecordTaxFilingInput:
    enterprise_id: strawberry.ID = strawberry.field(description="The enterprise.")
    filed_on: dt.date = strawberry.field(description="The filing date.")


def _enterprise(enterprise_id: str) -> Target:
    return Target("Enterprise", enterprise_id, "enterpriseId", enterprise_scope)


async def _change(
    ctx: Context, operation: str, what: str, roles: Any, enterprise_id: str, command: Any
) -> EnterprisePayload:
    async def work(uow: UnitOfWork, pk: int) -> dict[str, Any]:
        return {"enterprise": (await command(uow, pk)).id}

    outcome = await act(ctx, operation=operation, roles=roles, what=what, target=_enterprise(enterprise_id), work=work)
    return await EnterprisePayload.build(ctx, outcome)


@strawberry.type(description="Enterprise mutations.")
class EnterpriseMutations:
    @strawberry.mutation(
        description="Register an enterprise at a published address (enterprise intake). The address's agency or "
        "its regulators."
    )
    async def register_enterprise(
        self,
        info: Info[Context, None],
        input: Annotated[RegisterEnterpriseInput, strawberry.argument(description="The enterprise.")],
    ) -> EnterprisePayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, pk: int) -> dict[str, Any]:
            p = input.personal
            enterprise = await commands.register_enterprise(
                uow,
                uscc=input.uscc,
                name=input.name,
                kind=input.kind.value,
                industry_code=input.industry_code,
                address_id=pk,
                permit_items=input.permit_items,
                business_scope=input.business_scope,
                has_branch_with_fixed_premises=input.has_branch_with_fixed_premises,
                actual_address=input.actual_address,
                registered_on=input.registered_on,
                personal=DomainEnterprisePersonal(
                    legal_representative_name=p.legal_representative_name,
                    legal_representative_id_number=p.legal_representative_id_number,
                    contact_person=p.contact_person,
                    contact_phone=p.contact_phone,
                    liaison_name=p.liaison_name,
                    liaison_phone=p.liaison_phone,
                )
                if p
                else None,
            )
            return {"enterprise": enterprise.id}

        outcome = await act(
            ctx,
            operation="registerEnterprise",
            roles=AGENCY_OR_REGULATOR,
            what="register enterprises at this address",
            target=Target("Address", input.address_id, "addressId", address_scope),
            work=work,
            idempotency_key=input.idempotency_key,
            data=input,
        )
        return await EnterprisePayload.build(ctx, outcome)

    @strawberry.mutation(description="An enterprise moves out. Its hosting agency or its regulators.")
    async def move_out_enterprise(
        self,
        info: Info[Context, None],
        input: Annotated[MoveOutEnterpriseInput, strawberry.argument(description="The change.")],
    ) -> EnterprisePayload | None:
        return await _change(
            info.context,
            "moveOutEnterprise",
            "move this enterprise out",
            AGENCY_OR_REGULATOR,
            input.enterprise_id,
            lambda uow, pk: commands.move_out_enterprise(
                uow, pk, expected_version=input.expected_version, moved_out_on=input.moved_out_on
            ),
        )

    @strawberry.mutation(description="An enterprise is deregistered. Its regulators.")
    async def deregister_enterprise(
        self,
        info: Info[Context, None],
        input: Annotated[DeregisterEnterpriseInput, strawberry.argument(description="The change.")],
    ) -> EnterprisePayload | None:
        return await _change(
            info.context,
            "deregisterEnterprise",
            "deregister this enterprise",
            REGULATOR,
            input.enterprise_id,
            lambda uow, pk: commands.deregister_enterprise(
                uow, pk, expected_version=input.expected_version, deregistered_on=input.deregistered_on
            ),
        )

    @strawberry.mutation(description="Put an enterprise on the abnormal list. Its regulators.")
    async def list_enterprise_abnormal(
        self,
        info: Info[Context, None],
        input: Annotated[ListAbnormalInput, strawberry.argument(description="The change.")],
    ) -> EnterprisePayload | None:
        return await _change(
            info.context,
            "listEnterpriseAbnormal",
            "list this enterprise as abnormal",
            REGULATOR,
            input.enterprise_id,
            lambda uow, pk: commands.list_abnormal(
                uow, pk, reason=input.reason.value, expected_version=input.expected_version, on=input.on
            ),
        )

    @strawberry.mutation(description="Take an enterprise off the abnormal list. Its regulators.")
    async def remove_enterprise_abnormal(
        self,
        info: Info[Context, None],
        input: Annotated[EnterpriseChangeInput, strawberry.argument(description="The change.")],
    ) -> EnterprisePayload | None:
        return await _change(
            info.context,
            "removeEnterpriseAbnormal",
            "take this enterprise off the abnormal list",
            REGULATOR,
            input.enterprise_id,
            lambda uow, pk: commands.remove_abnormal(uow, pk, expected_version=input.expected_version),
        )

    @strawberry.mutation(description="Record the latest tax filing date. Its regulators.")
    async def record_tax_filing(
        self,
        info: Info[Context, None],
        input: Annotated[RecordTaxFilingInput, strawberry.argument(description="The filing.")],
    ) -> EnterprisePayload | None:
        return await _change(
            info.context,
            "recordTaxFiling",
            "record this enterprise's tax filings",
            REGULATOR,
            input.enterprise_id,
            lambda uow, pk: commands.record_tax_filing(uow, pk, filed_on=input.filed_on),
        )

    @strawberry.mutation(description="Record an annual report. Its regulators.")
    async def record_annual_report(
        self,
        info: Info[Context, None],
        input: Annotated[RecordAnnualReportInput, strawberry.argument(description="The report.")],
    ) -> AnnualReportPayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, pk: int) -> dict[str, Any]:
            row = await commands.record_annual_report(uow, pk, year=input.year, filed_on=input.filed_on)
            await uow.session.flush()
            return {"enterprise": pk, "annualReport": row.id}

        outcome = await act(
            ctx,
            operation="recordAnnualReport",
            roles=REGULATOR,
            what="record this enterprise's annual reports",
            target=_enterprise(input.enterprise_id),
            work=work,
            idempotency_key=input.idempotency_key,
            data=input,
        )
        return await AnnualReportPayload.build(ctx, outcome)

    @strawberry.mutation(description="Record a finding about an enterprise. Its regulators.")
    async def record_enterprise_finding(
        self,
        info: Info[Context, None],
        input: Annotated[RecordEnterpriseFindingInput, strawberry.argument(description="The finding.")],
    ) -> EnterpriseFindingPayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, pk: int) -> dict[str, Any]:
            row = await commands.record_finding(
                uow,
                pk,
                kind=input.kind.value,
                found_on=input.found_on,
                description=input.description,
                agency_involved=input.agency_involved,
                hazard_severity=input.hazard_severity.value if input.hazard_severity else None,
                reported_by=input.reported_by,
            )
            await uow.session.flush()
            return {"enterprise": pk, "finding": row.id}

        outcome = await act(
            ctx,
            operation="recordEnterpriseFinding",
            roles=REGULATOR,
            what="record findings about this enterprise",
            target=_enterprise(input.enterprise_id),
            work=work,
            idempotency_key=input.idempotency_key,
            data=input,
        )
        return await EnterpriseFindingPayload.build(ctx, outcome)
