"""Scores (ratings, indicators, evaluations), supervision runs and rule findings, each with its facts."""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON
from strawberry.types import Info

from domain.model import RuleFindingRecord
from domain.model import Score as ScoreRow
from domain.model import SupervisionRun as RunRow
from schema.context import Context
from schema.loaders import ChildRelation, by_id, child_connection, grouped
from schema.pagination import After, Before, Connection, First, Last, Ordering, SortKey, connection_args
from schema.permissions import in_jurisdiction, require
from schema.types.jurisdiction import Jurisdiction, jurisdiction
from schema.types.node import Node, gid


@strawberry.type(
    description="A computed score — a Wuxi credit rating, a Tongzhou host-unit indicator, a demonstration-base "
    "evaluation — with its breakdown and the facts it was computed from, so anyone can recompute it."
)
class Score(Node):
    subject_kind: str = strawberry.field(description="Agency or Address.")
    scheme: str = strawberry.field(description="The scoring scheme, e.g. the Wuxi yearly rating.")
    period: str = strawberry.field(description="The period scored, e.g. 2025.")
    as_of: dt.date = strawberry.field(description="The date the facts were taken.")
    score: float | None = strawberry.field(description="The points, where the scheme gives points.")
    grade: str | None = strawberry.field(description="The grade, where the scheme gives one (A–D).")
    breakdown: JSON = strawberry.field(description="How the score is made up, item by item.")
    facts: JSON = strawberry.field(description="The facts the score was computed from.")
    computed_at: dt.datetime = strawberry.field(description="When it was computed (UTC).")
    row: strawberry.Private[ScoreRow]

    @classmethod
    def from_row(cls, r: ScoreRow) -> Score:
        return cls(
            id=gid("Score", r.id),
            subject_kind=r.subject_kind,
            scheme=r.scheme,
            period=r.period,
            as_of=r.as_of,
            score=r.score,
            grade=r.grade,
            breakdown=JSON(r.breakdown),
            facts=JSON(r.facts),
            computed_at=r.computed_at,
            row=r,
        )

    @strawberry.field(description="The jurisdiction whose scheme it is.")
    async def jurisdiction(self, info: Info[Context, None]) -> Jurisdiction | None:
        return await jurisdiction(info.context, self.row.jurisdiction_code)

    @strawberry.field(description="The scored agency or address, if the caller may see it.")
    async def subject(self, info: Info[Context, None]) -> Node | None:
        from schema.types.resolve import resolve_node

        return await resolve_node(info.context, self.row.subject_kind, str(self.row.subject_id), quiet=True)


async def scores_of(ctx: Context, kind: str, subject_id: int) -> list[Score]:
    """A subject's scores, newest period first."""
    loader = grouped(
        ctx,
        f"scores.{kind}",
        ScoreRow.subject_id,
        lambda keys: (
            select(ScoreRow, ScoreRow.subject_id)
            .where(ScoreRow.subject_kind == kind, ScoreRow.subject_id.in_(keys))
            .order_by(ScoreRow.period.desc(), ScoreRow.scheme, ScoreRow.id)
        ),
    )
    return [Score.from_row(r) for r in await loader.load(subject_id)]


@strawberry.type(description="What a rule found: a warning a command let through, or a supervision run's finding.")
class RuleFinding:
    rule_id: str = strawberry.field(description="The rule's stable id, e.g. WX-26.3.")
    article: str = strawberry.field(description="The article the rule cites.")
    severity: str = strawberry.field(description="block, warn or info.")
    action: str | None = strawberry.field(description="The consequence the rule names (interview, suspension, ...).")
    message_zh: str = strawberry.field(description="The finding in Chinese.")
    message_en: str = strawberry.field(description="The finding in English.")
    facts: JSON = strawberry.field(description="The facts the rule looked at.")
    recorded_at: dt.datetime = strawberry.field(description="When it was recorded (UTC).")
    row: strawberry.Private[RuleFindingRecord]

    @classmethod
    def from_row(cls, r: RuleFindingRecord) -> RuleFinding:
        return cls(
            rule_id=r.rule_id,
            article=r.article,
            severity=r.severity,
            action=r.action,
            message_zh=r.message_zh,
            message_en=r.message_en,
            facts=JSON(r.facts),
            recorded_at=r.recorded_at,
            row=r,
        )

    @strawberry.field(description="The supervision run that found it; null for a warning recorded by a command.")
    async def run(self, info: Info[Context, None]) -> SupervisionRun | None:
        if self.row.run_id is None:
            return None
        row = await by_id(info.context, RunRow).load(self.row.run_id)
        return SupervisionRun.from_row(row) if row is not None else None


FINDING_ORDERING = Ordering("finding:newest", (SortKey(RuleFindingRecord.id, True, int),))


def findings_relation(kind: str) -> ChildRelation:
    """The findings recorded against subjects of ``kind``; callers check access before using it."""
    return ChildRelation(
        name=f"findings.{kind}",
        entity=RuleFindingRecord,
        parent=RuleFindingRecord.subject_id,
        statement=lambda _ctx, _filters: select(RuleFindingRecord).where(RuleFindingRecord.subject_kind == kind),
    )


AGENCY_FINDINGS = findings_relation("Agency")
ADDRESS_FINDINGS = findings_relation("Address")
RUN_FINDINGS = ChildRelation(
    name="findings.run",
    entity=RuleFindingRecord,
    parent=RuleFindingRecord.run_id,
    statement=lambda _ctx, _filters: select(RuleFindingRecord),
)


async def findings_connection(
    ctx: Context, relation: ChildRelation, parent_id: int, args: tuple[int | None, str | None, int | None, str | None]
) -> Connection[RuleFinding]:
    return await child_connection(
        ctx, relation, parent_id, FINDING_ORDERING, connection_args(*args), RuleFinding.from_row
    )


@strawberry.type(description="A supervision run: a jurisdiction's rules applied to its agencies and addresses.")
class SupervisionRun(Node):
    as_of: dt.date = strawberry.field(description="The date the run evaluated the rules for.")
    actor: str = strawberry.field(description="Who started the run (an API key's prefix, or system).")
    summary: JSON = strawberry.field(description="Counts of what the run found, by rule and severity.")
    created_at: dt.datetime = strawberry.field(description="When the run was made (UTC).")
    row: strawberry.Private[RunRow]

    @classmethod
    def from_row(cls, r: RunRow) -> SupervisionRun:
        return cls(
            id=gid("SupervisionRun", r.id),
            as_of=r.as_of,
            actor=r.actor,
            summary=JSON(r.summary),
            created_at=r.created_at,
            row=r,
        )

    @strawberry.field(description="The jurisdiction supervised.")
    async def jurisdiction(self, info: Info[Context, None]) -> Jurisdiction | None:
        return await jurisdiction(info.context, self.row.jurisdiction_code)

    @strawberry.field(description="The findings of this run, newest first. Regulators of the jurisdiction only.")
    async def findings(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[RuleFinding] | None:
        require(in_jurisdiction(info.context, self.row.jurisdiction_code), "see this run's findings")
        return await findings_connection(info.context, RUN_FINDINGS, self.row.id, (first, after, last, before))
