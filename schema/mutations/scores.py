"""Scores: the Wuxi yearly credit rating (WX Art.21–26), Tongzhou's indicators (TZ §五(三)8) and the
Beijing demonstration-base evaluation (SB Art.6–7, 15). Computing a score again for its period
replaces it, so these mutations are idempotent by nature."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.access import Scope, agency_scope
from domain.commands import scores
from domain.scoring.demonstration_base import DemonstrationBaseFacts, Penalty
from domain.unit_of_work import UnitOfWork
from schema.context import Context
from schema.mutations.base import REGULATOR, Target, act
from schema.mutations.payloads import ScorePayload, ScoresPayload


@strawberry.input(description="Rate one Wuxi agency for a year.")
class RateAgencyInput:
    agency_id: strawberry.ID = strawberry.field(description="The agency.")
    year: int = strawberry.field(description="The year rated.")
    as_of: dt.date | None = strawberry.field(default=None, description="Facts as of; 31 December by default.")


@strawberry.input(description="Rate every Wuxi agency of a jurisdiction for a year.")
class RateAgenciesInput:
    jurisdiction_code: str = strawberry.field(description="The jurisdiction (a city covers its districts).")
    year: int = strawberry.field(description="The year rated.")
    as_of: dt.date | None = strawberry.field(default=None, description="Facts as of; 31 December by default.")


@strawberry.input(description="Compute Tongzhou's address and host-unit indicators.")
class IndicatorsInput:
    jurisdiction_code: str = strawberry.field(default="110112", description="The jurisdiction; Tongzhou by default.")
    as_of: dt.date | None = strawberry.field(default=None, description="Facts as of; today by default.")


@strawberry.input(description="A penalty or dishonesty finding against a base operator (SB Art.6(2)).")
class PenaltyInput:
    kind: str = strawberry.field(description="criminal, serious_administrative or serious_dishonesty.")
    on: dt.date = strawberry.field(description="When.")


@strawberry.input(description="The facts of a demonstration-base application (SB Art.6–7).")
class DemonstrationBaseInput:
    agency_id: strawberry.ID = strawberry.field(description="The base operator.")
    application_deadline: dt.date = strawberry.field(description="The application deadline.")
    established_on: dt.date = strawberry.field(description="When the base was established.")
    total_floor_area_m2: float = strawberry.field(description="Total floor area, m².")
    public_service_area_m2: float = strawberry.field(description="Public service space, m².")
    resident_small_micro_enterprises: int = strawberry.field(description="Resident small and micro enterprises.")
    leading_industry_enterprises: int = strawberry.field(description="Of which in the leading industry.")
    staff_with_degree_or_title: int = strawberry.field(description="Service staff with a degree or a title.")
    staff_with_degree_and_title: int = strawberry.field(description="Service staff with both.")
    satisfaction: float = strawberry.field(description="Resident-enterprise satisfaction, 0–1.")
    service_functions: list[str] = strawberry.field(description="Service functions offered (SB Art.6(7)).")
    high_end_manufacturing: bool = strawberry.field(default=False, description="A high-end manufacturing base.")
    independent_legal_person: bool = strawberry.field(default=True, description="An independent legal person.")
    registered_in_beijing: bool = strawberry.field(default=True, description="Registered in Beijing.")
    rolling_incubation: bool = strawberry.field(default=True, description="Rolling incubation in place.")
    project_approvals_complete: bool = strawberry.field(default=True, description="Project approvals complete.")
    fits_industrial_policy: bool = strawberry.field(default=True, description="Fits Beijing's industrial policy.")
    governance_sound: bool = strawberry.field(default=True, description="Sound governance.")
    management_rules_complete: bool = strawberry.field(default=True, description="Complete management rules.")
    free_public_services: bool = strawberry.field(default=True, description="Offers free public services.")
    service_station: bool = strawberry.field(default=True, description="Has a service station.")
    penalties: list[PenaltyInput] | None = strawberry.field(default=None, description="Penalties, if any.")
    revoked_for_cause_on: dt.date | None = strawberry.field(default=None, description="A past revocation, if any.")


def _facts(i: DemonstrationBaseInput) -> DemonstrationBaseFacts:
    return DemonstrationBaseFacts(
        application_deadline=i.application_deadline,
        established_on=i.established_on,
        total_floor_area_m2=i.total_floor_area_m2,
        public_service_area_m2=i.public_service_area_m2,
        resident_small_micro_enterprises=i.resident_small_micro_enterprises,
        leading_industry_enterprises=i.leading_industry_enterprises,
        staff_with_degree_or_title=i.staff_with_degree_or_title,
        staff_with_degree_and_title=i.staff_with_degree_and_title,
        satisfaction=i.satisfaction,
        service_functions=frozenset(i.service_functions),
        high_end_manufacturing=i.high_end_manufacturing,
        independent_legal_person=i.independent_legal_person,
        registered_in_beijing=i.registered_in_beijing,
        rolling_incubation=i.rolling_incubation,
        project_approvals_complete=i.project_approvals_complete,
        fits_industrial_policy=i.fits_industrial_policy,
        governance_sound=i.governance_sound,
        management_rules_complete=i.management_rules_complete,
        free_public_services=i.free_public_services,
        service_station=i.service_station,
        penalties=tuple(Penalty(kind=p.kind, on=p.on) for p in i.penalties or ()),
        revoked_for_cause_on=i.revoked_for_cause_on,
    )


@strawberry.type(description="Score mutations. Regulators of the jurisdiction.")
class ScoreMutations:
    @strawberry.mutation(description="Rate a Wuxi agency for a year (WX Art.21–26); updates its latest grade.")
    async def rate_wuxi_agency(
        self, info: Info[Context, None], input: Annotated[RateAgencyInput, strawberry.argument(description="What.")]
    ) -> ScorePayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, pk: int) -> dict[str, Any]:
            score = await scores.rate_wuxi_agency(uow, pk, year=input.year, as_of=input.as_of)
            await uow.session.flush()
            return {"score": score.id}

        target = Target("Agency", input.agency_id, "agencyId", agency_scope)
        outcome = await act(
            ctx, operation="rateWuxiAgency", roles=REGULATOR, what="rate this agency", target=target, work=work
        )
        return await ScorePayload.build(ctx, outcome)

    @strawberry.mutation(description="Rate every Wuxi agency of a jurisdiction for a year (WX Art.21–26).")
    async def rate_wuxi_agencies(
        self, info: Info[Context, None], input: Annotated[RateAgenciesInput, strawberry.argument(description="What.")]
    ) -> ScoresPayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, _: int) -> dict[str, Any]:
            rated = await scores.rate_wuxi_agencies(uow, input.jurisdiction_code, year=input.year, as_of=input.as_of)
            await uow.session.flush()
            return {"scores": [s.id for s in rated]}

        outcome = await act(
            ctx,
            operation="rateWuxiAgencies",
            roles=REGULATOR,
            what="rate agencies here",
            scope=Scope(input.jurisdiction_code.strip()),
            work=work,
        )
        return await ScoresPayload.build(ctx, outcome)

    @strawberry.mutation(description="Compute Tongzhou's address and host-unit indicators (TZ §五(三)8).")
    async def compute_tongzhou_indicators(
        self, info: Info[Context, None], input: Annotated[IndicatorsInput, strawberry.argument(description="What.")]
    ) -> ScoresPayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, _: int) -> dict[str, Any]:
            computed = await scores.tongzhou_indicators(uow, input.jurisdiction_code, as_of=input.as_of)
            await uow.session.flush()
            return {"scores": [s.id for s in computed]}

        outcome = await act(
            ctx,
            operation="computeTongzhouIndicators",
            roles=REGULATOR,
            what="compute indicators here",
            scope=Scope(input.jurisdiction_code.strip()),
            work=work,
        )
        return await ScoresPayload.build(ctx, outcome)

    @strawberry.mutation(description="Evaluate a demonstration-base application (SB Art.6–7, 15).")
    async def evaluate_demonstration_base(
        self,
        info: Info[Context, None],
        input: Annotated[DemonstrationBaseInput, strawberry.argument(description="The application.")],
    ) -> ScorePayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, pk: int) -> dict[str, Any]:
            score = await scores.evaluate_demonstration_base(uow, pk, _facts(input))
            await uow.session.flush()
            return {"score": score.id}

        target = Target("Agency", input.agency_id, "agencyId", agency_scope)
        outcome = await act(
            ctx,
            operation="evaluateDemonstrationBase",
            roles=REGULATOR,
            what="evaluate this base",
            target=target,
            work=work,
        )
        return await ScorePayload.build(ctx, outcome)
