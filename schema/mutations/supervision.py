"""Supervision: a regulator runs its jurisdiction's rules over every agency and address (findings and
recommended actions; decisions stay with the lifecycle mutations)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.access import Scope
from domain.commands.supervision import run_supervision
from domain.unit_of_work import UnitOfWork
from schema.context import Context
from schema.mutations.base import IDEMPOTENCY, REGULATOR, act
from schema.mutations.payloads import SupervisionRunPayload


@strawberry.input(description="Run the rules of a jurisdiction (and the districts under it) as of a date.")
class RunSupervisionInput:
    jurisdiction_code: str = strawberry.field(description="The jurisdiction to supervise.")
    as_of: dt.date | None = strawberry.field(default=None, description="The date; today by default.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.type(description="Supervision mutations.")
class SupervisionMutations:
    @strawberry.mutation(description="Run supervision and store the findings. Regulators of the jurisdiction.")
    async def run_supervision(
        self,
        info: Info[Context, None],
        input: Annotated[RunSupervisionInput, strawberry.argument(description="The run.")],
    ) -> SupervisionRunPayload | None:
        ctx = info.context

        async def work(uow: UnitOfWork, _: int) -> dict[str, Any]:
            outcome = await run_supervision(uow, input.jurisdiction_code, input.as_of)
            await uow.session.flush()
            return {"run": outcome.run.id}

        outcome = await act(
            ctx,
            operation="runSupervision",
            roles=REGULATOR,
            what="run supervision here",
            scope=Scope(input.jurisdiction_code.strip()),
            work=work,
            idempotency_key=input.idempotency_key,
            data=input,
        )
        return await SupervisionRunPayload.build(ctx, outcome)
