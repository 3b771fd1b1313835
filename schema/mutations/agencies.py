"""Agency mutations: filing and lifecycle (regulators), and the records an agency keeps (WX Art.13, 15)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain import commands
from domain.access import Scope, agency_scope
from domain.commands.agencies import AgencyPersonalInput as DomainAgencyPersonal
from domain.commands.agencies import CreditFactInput as DomainCreditFact
from domain.unit_of_work import UnitOfWork
from schema.context import Context
from schema.enums import AgencyKind, AgencyRole, CreditFactKind, CreditSubject, Tenure
from schema.mutations.base import AGENCY_OR_REGULATOR, EXPECTED_VERSION, IDEMPOTENCY, REGULATOR, Target, act, ref
from schema.mutations.payloads import AgencyPayload, ContactLogPayload, CreditFactPayload, QuarterlyReportPayload


@strawberry.input(description="Personal data of an agency's people (kept apart, never public).")
class AgencyPersonalInput:
    legal_representative_name: str | None = strawberry.field(default=None, description="法定代表人姓名.")
    legal_representative_id_number: str | None = strawberry.field(default=None, description="法定代表人身份证号码.")
    liaison_name: str | None = strawberry.field(default=None, description="联络员姓名.")
    liaison_phone: str | None = strawberry.field(default=None, description="联络员电话.")


@strawberry.input(description="A credit listing of the agency or one of its people.")
class CreditFactInput:
    subject: CreditSubject = strawberry.field(description="Whom the listing concerns.")
    kind: CreditFactKind = strawberry.field(description="The list.")
    listed_on: dt.date = strawberry.field(description="Listed on.")
    removed_on: dt.date | None = strawberry.field(default=None, description="Removed on, if removed.")
    note: str | None = strawberry.field(default=None, description="A note (no personal data).")


def _credit_fact(f: CreditFactInput) -> DomainCreditFact:
    return DomainCreditFact(
        subject=f.subject.value, kind=f.kind.value, listed_on=f.listed_on, removed_on=f.removed_on, note=f.note
    )


@strawberry.input(description="File an agency (WX Art.9-10, DX Art.4/7, TZ §二).")
class RegisterAgencyInput:
    uscc: str = strawberry.field(description="Unified social credit code.")
    name: str = strawberry.field(description="Registered name.")
    role: AgencyRole = strawberry.field(description="Hosting agency, host unit or operator.")
    kind: AgencyKind = strawberry.field(description="Kind of organisation.")
    jurisdiction_code: str = strawberry.field(description="The GB/T 2260 code it is filed in.")
    established_on: dt.date | None = strawberry.field(default=None, description="When it was established.")
    tenure: Tenure | None = strawberry.field(default=None, description="How it holds its premises.")
    lease_end: dt.date | None = strawberry.field(default=None, description="When its lease ends.")
    owner_consent: bool | None = strawberry.field(default=None, description="Whether the owner consented.")
    personal: AgencyPersonalInput | None = strawberry.field(default=None, description="Personal data.")
    credit_facts: list[CreditFactInput] | None = strawberry.field(default=None, description="Credit listings.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="A lifecycle change of an agency that needs a reason (it appears in the notice).")
class AgencyReasonInput:
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    reason: str = strawberry.field(description="The reason, published in the notice (no personal data).")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)


@strawberry.input(description="A lifecycle change of an agency.")
class AgencyChangeInput:
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)


@strawberry.input(description="Record a credit listing of an agency.")
class RecordCreditFactInput:
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    fact: CreditFactInput = strawberry.field(description="The listing.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="Record a quarterly report (WX Art.15: within 10 working days after the quarter).")
class RecordQuarterlyReportInput:
    agency_id: strawberry.ID = strawberry.field(description="The reporting agency.")
    year: int = strawberry.field(description="The year.")
    quarter: int = strawberry.field(description="The quarter, 1–4.")
    submitted_on: dt.date | None = strawberry.field(
        default=None, description="When it was submitted; today by default."
    )
    summary: str | None = strawberry.field(default=None, description="The report's summary.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="Record a contact with a hosted enterprise (WX Art.13(3): at least once a quarter).")
class RecordContactLogInput:
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    enterprise_id: strawberry.ID = strawberry.field(description="The hosted enterprise.")
    contacted_on: dt.date = strawberry.field(description="When.")
    method: str = strawberry.field(description="How (phone, visit, ...).")
    reached: bool = strawberry.field(description="Whether the enterprise was reached.")
    note: str | None = strawberry.field(default=None, description="A note.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


def _agency(agency_id: str, field: str = "agencyId") -> Target:
    return Target("Agency", agency_id, field, agency_scope)


async def _transition(
    ctx: Context, operation: str, what: str, roles: Any, agency_id: str, command: Any
) -> AgencyPayload:
    async def work(uow: UnitOfWork, pk: int) -> dict[str, Any]:
        return {"agency": (await command(uow, pk)).id}

    outcome = await act(ctx, operation=operation, roles=roles, what=what, target=_agency(agency_id), work=work)
    return await AgencyPayload.build(ctx, outcome)


@strawberry.type(description="Agency mutations.")
class AgencyMutations:
    @strawberry.mutation(description="File an agency in a jurisdiction. Regulators of that jurisdiction.")
    async def register_agency(
        self,
        info: Info[Context, None],
        input: Annotated[RegisterAgencyInput, strawberry.argument(description="The agency.")],
    ) -> AgencyPayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, _: int) -> dict[str, Any]:
            p = input.personal
            agency = await commands.register_agency(
                uow,
                uscc=input.uscc,
                name=input.name,
                role=input.role.value,
                kind=input.kind.value,
                jurisdiction_code=input.jurisdiction_code,
                established_on=input.established_on,
                tenure=input.tenure.value if input.tenure else None,
                lease_end=input.lease_end,
                owner_consent=input.owner_consent,
                personal=DomainAgencyPersonal(
                    legal_representative_name=p.legal_representative_name,
                    legal_representative_id_number=p.legal_representative_id_number,
                    liaison_name=p.liaison_name,
                    liaison_phone=p.liaison_phone,
                )
                if p
                else None,
                credit_facts=[_credit_fact(f) for f in input.credit_facts or []],
            )
            return {"agency": agency.id}

        outcome = await act(
            ctx,
            operation="registerAgency",
            roles=REGULATOR,
            what="file agencies",
            scope=Scope(input.jurisdiction_code.strip()),
            work=work,
            idempotency_key=input.idempotency_key,
            data=input,
        )
        return await AgencyPayload.build(ctx, outcome)

    @strawberry.mutation(description="Suspend an agency's service (暂停); publishes a notice. Its regulators.")
    async def suspend_agency(
        self,
        info: Info[Context, None],
        input: Annotated[AgencyReasonInput, strawberry.argument(description="The change.")],
    ) -> AgencyPayload | None:
        return await _transition(
            info.context,
            "suspendAgency",
            "suspend this agency",
            REGULATOR,
            input.agency_id,
            lambda uow, pk: commands.suspend_agency(
                uow, pk, reason=input.reason, expected_version=input.expected_version
            ),
        )

    @strawberry.mutation(description="Reinstate a suspended agency. Its regulators.")
    async def reinstate_agency(
        self,
        info: Info[Context, None],
        input: Annotated[AgencyChangeInput, strawberry.argument(description="The change.")],
    ) -> AgencyPayload | None:
        return await _transition(
            info.context,
            "reinstateAgency",
            "reinstate this agency",
            REGULATOR,
            input.agency_id,
            lambda uow, pk: commands.reinstate_agency(uow, pk, expected_version=input.expected_version),
        )

    @strawberry.mutation(description="Disqualify an agency (取消资格); publishes a notice. Its regulators.")
    async def disqualify_agency(
        self,
        info: Info[Context, None],
        input: Annotated[AgencyReasonInput, strawberry.argument(description="The change.")],
    ) -> AgencyPayload | None:
        return await _transition(
            info.context,
            "disqualifyAgency",
            "disqualify this agency",
            REGULATOR,
            input.agency_id,
            lambda uow, pk: commands.disqualify_agency(
                uow, pk, reason=input.reason, expected_version=input.expected_version
            ),
        )

    @strawberry.mutation(description="Announce the end of service (WX Art.12). The agency itself or its regulators.")
    async def begin_agency_termination(
        self,
        info: Info[Context, None],
        input: Annotated[AgencyChangeInput, strawberry.argument(description="The change.")],
    ) -> AgencyPayload | None:
        return await _transition(
            info.context,
            "beginAgencyTermination",
            "end this agency's service",
            AGENCY_OR_REGULATOR,
            input.agency_id,
            lambda uow, pk: commands.begin_agency_termination(uow, pk, expected_version=input.expected_version),
        )

    @strawberry.mutation(description="End the service once no enterprise remains (WX Art.12). Its regulators.")
    async def terminate_agency(
        self,
        info: Info[Context, None],
        input: Annotated[AgencyChangeInput, strawberry.argument(description="The change.")],
    ) -> AgencyPayload | None:
        return await _transition(
            info.context,
            "terminateAgency",
            "terminate this agency",
            REGULATOR,
            input.agency_id,
            lambda uow, pk: commands.terminate_agency(uow, pk, expected_version=input.expected_version),
        )

    @strawberry.mutation(description="Record a credit listing of an agency. Its regulators.")
    async def record_credit_fact(
        self,
        info: Info[Context, None],
        input: Annotated[RecordCreditFactInput, strawberry.argument(description="The listing.")],
    ) -> CreditFactPayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, pk: int) -> dict[str, Any]:
            row = await commands.record_credit_fact(uow, pk, _credit_fact(input.fact))
            await uow.session.flush()
            return {"agency": pk, "creditFact": row.id}

        outcome = await act(
            ctx,
            operation="recordCreditFact",
            roles=REGULATOR,
            what="record credit listings of this agency",
            target=_agency(input.agency_id),
            work=work,
            idempotency_key=input.idempotency_key,
            data=input,
        )
        return await CreditFactPayload.build(ctx, outcome)

    @strawberry.mutation(description="Record a quarterly report. The agency itself or its regulators.")
    async def record_quarterly_report(
        self,
        info: Info[Context, None],
        input: Annotated[RecordQuarterlyReportInput, strawberry.argument(description="The report.")],
    ) -> QuarterlyReportPayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, pk: int) -> dict[str, Any]:
            row = await commands.record_quarterly_report(
                uow, pk, year=input.year, quarter=input.quarter, submitted_on=input.submitted_on, summary=input.summary
            )
            await uow.session.flush()
            return {"agency": pk, "quarterlyReport": row.id}

        outcome = await act(
            ctx,
            operation="recordQuarterlyReport",
            roles=AGENCY_OR_REGULATOR,
            what="record this agency's quarterly reports",
            target=_agency(input.agency_id),
            work=work,
            idempotency_key=input.idempotency_key,
            data=input,
        )
        return await QuarterlyReportPayload.build(ctx, outcome)

    @strawberry.mutation(
        description="Record a contact with an enterprise the agency hosts. The agency itself or its regulators."
    )
    async def record_contact_log(
        self,
        info: Info[Context, None],
        input: Annotated[RecordContactLogInput, strawberry.argument(description="The contact.")],
    ) -> ContactLogPayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, pk: int) -> dict[str, Any]:
            enterprise_id = ref(input.enterprise_id, "Enterprise", "enterpriseId")
            row = await commands.record_contact_log(
                uow,
                pk,
                enterprise_id,
                contacted_on=input.contacted_on,
                method=input.method,
                reached=input.reached,
                note=input.note,
            )
            await uow.session.flush()
            return {"contactLog": row.id}

        outcome = await act(
            ctx,
            operation="recordContactLog",
            roles=AGENCY_OR_REGULATOR,
            what="record this agency's contacts",
            target=_agency(input.agency_id),
            work=work,
            idempotency_key=input.idempotency_key,
            data=input,
        )
        return await ContactLogPayload.build(ctx, outcome)
