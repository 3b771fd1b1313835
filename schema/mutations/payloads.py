"""Mutation payloads: the changed object (null when refused), ``userErrors``, and whether the result is
the stored one of an earlier call with the same idempotency key."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry

from domain.model import AnnualReport as AnnualReportRow
from domain.model import ApiKey as ApiKeyRow
from domain.model import ContactLog as ContactLogRow
from domain.model import CreditFact as CreditFactRow
from domain.model import EnterpriseFinding as EnterpriseFindingRow
from domain.model import QuarterlyReport as QuarterlyReportRow
from domain.model import Score as ScoreRow
from domain.model import SupervisionRun as RunRow
from schema.context import Context
from schema.errors import UserError
from schema.loaders import by_id
from schema.mutations.base import Outcome
from schema.types.address import Address, address_by_id
from schema.types.agency import Agency, ContactLog, CreditFact, QuarterlyReport, agency_by_id
from schema.types.api_key import ApiKey
from schema.types.enterprise import AnnualReport, Enterprise, EnterpriseFinding, enterprise_by_id
from schema.types.jurisdiction import Jurisdiction, jurisdiction
from schema.types.notice import Notice, notice_by_id
from schema.types.score import Score, SupervisionRun

USER_ERRORS = "Why the input was refused; empty on success. Nothing was written when any is returned."
REPLAYED = "True when this is the stored result of an earlier call with the same idempotencyKey."


async def _row(ctx: Context, model: type, refs: dict[str, Any] | None, name: str) -> Any:
    if not refs or refs.get(name) is None:
        return None
    return await by_id(ctx, model).load(refs[name])


@strawberry.type(description="The result of an agency mutation.")
class AgencyPayload:
    agency: Agency | None = strawberry.field(description="The agency after the change.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> AgencyPayload:
        agency = await agency_by_id(ctx, o.refs["agency"]) if o.refs else None
        return cls(agency=agency, user_errors=o.errors, replayed=o.replayed)


@strawberry.type(description="The result of an address mutation.")
class AddressPayload:
    address: Address | None = strawberry.field(description="The address after the change.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> AddressPayload:
        address = await address_by_id(ctx, o.refs["address"]) if o.refs else None
        return cls(address=address, user_errors=o.errors, replayed=o.replayed)


@strawberry.type(description="The result of an enterprise mutation.")
class EnterprisePayload:
    enterprise: Enterprise | None = strawberry.field(description="The enterprise after the change.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> EnterprisePayload:
        enterprise = await enterprise_by_id(ctx, o.refs["enterprise"]) if o.refs else None
        return cls(enterprise=enterprise, user_errors=o.errors, replayed=o.replayed)


@strawberry.type(description="The result of a notice mutation.")
class NoticePayload:
    notice: Notice | None = strawberry.field(description="The notice after the change.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> NoticePayload:
        notice = await notice_by_id(ctx, o.refs["notice"]) if o.refs else None
        return cls(notice=notice, user_errors=o.errors, replayed=o.replayed)


@strawberry.type(description="The result of recording a credit listing.")
class CreditFactPayload:
    agency: Agency | None = strawberry.field(description="The agency listed.")
    credit_fact: CreditFact | None = strawberry.field(description="The listing recorded.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> CreditFactPayload:
        row = await _row(ctx, CreditFactRow, o.refs, "creditFact")
        fact = (
            CreditFact(
                subject=row.subject, kind=row.kind, listed_on=row.listed_on, removed_on=row.removed_on, note=row.note
            )
            if row is not None
            else None
        )
        agency = await agency_by_id(ctx, o.refs["agency"]) if o.refs else None
        return cls(agency=agency, credit_fact=fact, user_errors=o.errors, replayed=o.replayed)


@strawberry.type(description="The result of recording a quarterly report.")
class QuarterlyReportPayload:
    agency: Agency | None = strawberry.field(description="The reporting agency.")
    quarterly_report: QuarterlyReport | None = strawberry.field(description="The report recorded.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> QuarterlyReportPayload:
        row = await _row(ctx, QuarterlyReportRow, o.refs, "quarterlyReport")
        report = (
            QuarterlyReport(year=row.year, quarter=row.quarter, submitted_on=row.submitted_on, summary=row.summary)
            if row is not None
            else None
        )
        agency = await agency_by_id(ctx, o.refs["agency"]) if o.refs else None
        return cls(agency=agency, quarterly_report=report, user_errors=o.errors, replayed=o.replayed)


@strawberry.type(description="The result of recording a contact with a hosted enterprise.")
class ContactLogPayload:
    contact_log: ContactLog | None = strawberry.field(description="The contact recorded.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> ContactLogPayload:
        row = await _row(ctx, ContactLogRow, o.refs, "contactLog")
        log = ContactLog.from_row(row) if row is not None else None
        return cls(contact_log=log, user_errors=o.errors, replayed=o.replayed)


@strawberry.type(description="The result of recording an annual report.")
class AnnualReportPayload:
    enterprise: Enterprise | None = strawberry.field(description="The reporting enterprise.")
    annual_report: AnnualReport | None = strawberry.field(description="The report recorded.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> AnnualReportPayload:
        row = await _row(ctx, AnnualReportRow, o.refs, "annualReport")
        report = AnnualReport(year=row.year, filed_on=row.filed_on, on_time=row.on_time) if row is not None else None
        enterprise = await enterprise_by_id(ctx, o.refs["enterprise"]) if o.refs else None
        return cls(enterprise=enterprise, annual_report=report, user_errors=o.errors, replayed=o.replayed)


@strawberry.type(description="The result of recording a finding about an enterprise.")
class EnterpriseFindingPayload:
    enterprise: Enterprise | None = strawberry.field(description="The enterprise.")
    finding: EnterpriseFinding | None = strawberry.field(description="The finding recorded.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> EnterpriseFindingPayload:
        row = await _row(ctx, EnterpriseFindingRow, o.refs, "finding")
        finding = (
            EnterpriseFinding(kind=row.kind, found_on=row.found_on, description=row.description)
            if row is not None
            else None
        )
        enterprise = await enterprise_by_id(ctx, o.refs["enterprise"]) if o.refs else None
        return cls(enterprise=enterprise, finding=finding, user_errors=o.errors, replayed=o.replayed)


@strawberry.type(description="The result of an API key mutation.")
class ApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(description="The key.")
    token: str | None = strawberry.field(
        description="The secret, shown once: on creation only (null on a replay, which cannot show it again)."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> ApiKeyPayload:
        row = await _row(ctx, ApiKeyRow, o.refs, "apiKey")
        key = ApiKey.from_row(row) if row is not None else None
        return cls(api_key=key, token=o.extra.get("token"), user_errors=o.errors, replayed=o.replayed)


@strawberry.type(description="The result of creating a jurisdiction.")
class JurisdictionPayload:
    jurisdiction: Jurisdiction | None = strawberry.field(description="The jurisdiction.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> JurisdictionPayload:
        found = await jurisdiction(ctx, o.refs["jurisdiction"]) if o.refs else None
        return cls(jurisdiction=found, user_errors=o.errors, replayed=o.replayed)


@strawberry.type(description="The result of a supervision run.")
class SupervisionRunPayload:
    run: SupervisionRun | None = strawberry.field(description="The run, with its findings.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> SupervisionRunPayload:
        row = await _row(ctx, RunRow, o.refs, "run")
        return cls(
            run=SupervisionRun.from_row(row) if row is not None else None, user_errors=o.errors, replayed=o.replayed
        )


@strawberry.type(description="The result of computing a score.")
class ScorePayload:
    score: Score | None = strawberry.field(description="The score, with its breakdown and facts.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> ScorePayload:
        row = await _row(ctx, ScoreRow, o.refs, "score")
        return cls(score=Score.from_row(row) if row is not None else None, user_errors=o.errors, replayed=o.replayed)


@strawberry.type(description="The result of computing scores for a jurisdiction.")
class ScoresPayload:
    scores: list[Score] | None = strawberry.field(description="The scores computed.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)
    replayed: bool = strawberry.field(description=REPLAYED)

    @classmethod
    async def build(cls, ctx: Context, o: Outcome) -> ScoresPayload:
        if not o.refs:
            return cls(scores=None, user_errors=o.errors, replayed=o.replayed)
        loader = by_id(ctx, ScoreRow)
        rows = await asyncio.gather(*(loader.load(pk) for pk in o.refs["scores"]))
        return cls(scores=[Score.from_row(r) for r in rows if r is not None], user_errors=o.errors, replayed=o.replayed)
