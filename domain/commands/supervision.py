"""Supervision runs: every address, agency and abnormal enterprise of a jurisdiction checked against its
rule packs as of a date, the findings stored with their recommended actions.

A run records recommendations and changes no status: suspending an address or agency, cancelling an
address, disqualifying an agency or removing an enterprise stays a regulator's decision, taken through
the lifecycle commands (which publish the notices the seeds require). Most consequences in the seeds are
discretionary (可, 视情况) or need a department's determination, so a person decides. Tongzhou's
escalation reads the previous run that covered the address (TZ §五(三)8).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.commands.agencies import REGISTERED_ADDRESS_STATUSES
from domain.commands.common import get_jurisdiction, packs_for
from domain.enums import AgencyStatus
from domain.errors import InvalidInput
from domain.facts import (
    EnterpriseRow,
    Records,
    address_facts,
    addresses_of,
    agency_facts,
    enterprise_facts,
    load_records,
    report_year_as_of,
)
from domain.findings import finding_record
from domain.model import Agency, Jurisdiction, RuleFindingRecord, SupervisionRun
from domain.parameters import Parameters
from domain.rules.facts import PriorStage
from domain.rules.framework import Finding, evaluate, not_in_force
from domain.unit_of_work import UnitOfWork

SUPERVISED_ADDRESS_STATUSES = REGISTERED_ADDRESS_STATUSES
SUPERVISED_AGENCY_STATUSES = (AgencyStatus.ACTIVE, AgencyStatus.SUSPENDED, AgencyStatus.TERMINATING)
ESCALATING_RULES = "TZ-5.3.8."


@dataclass(frozen=True)
class SupervisionOutcome:
    run: SupervisionRun
    findings: list[RuleFindingRecord]


async def jurisdiction_scope(session: AsyncSession, code: str) -> dict[str, Jurisdiction]:
    """The jurisdiction and the districts directly under it."""
    j = await get_jurisdiction(session, code)
    children = (
        await session.execute(
            select(Jurisdiction).where(Jurisdiction.parent_code == j.code).order_by(Jurisdiction.code)
        )
    ).scalars()
    return {j.code: j, **{c.code: c for c in children}}


async def citywide_annual_report_rates(
    session: AsyncSession, pack: str, as_of: dt.date, params: Parameters
) -> dict[str, Any]:
    """WX Art.26(4)'s city-wide rate for the report year: the published figure the parameter gives, with
    where and when it was published. Without it the rate is missing (``source`` None): the registry holds
    only cluster-registered entities, whose rate is not the city's, so it is not used in its place."""
    year = report_year_as_of(as_of)
    published = params.wx_citywide_annual_report_rates.get(year)
    if published:
        cited = params.wx_citywide_annual_report_rate_sources.get(year)
        return {"year": year, "source": "parameter", "published_in": cited, **published}
    return {"year": year, "source": None}


async def _previous_stages(session: AsyncSession, codes: Iterable[str], as_of: dt.date) -> dict[int, PriorStage]:
    """For each address, the Tongzhou escalation stage its findings reached in the latest earlier run
    that covered its jurisdiction (none when that run found nothing: the trigger had gone)."""
    runs = (
        (
            await session.execute(
                select(SupervisionRun)
                .where(SupervisionRun.as_of < as_of)
                .order_by(SupervisionRun.as_of.desc(), SupervisionRun.id.desc())
            )
        )
        .scalars()
        .all()
    )
    previous = {code: next((r.id for r in runs if code in r.summary.get("jurisdictions", ())), None) for code in codes}
    run_ids = {rid for rid in previous.values() if rid is not None}
    if not run_ids:
        return {}
    stages: dict[int, PriorStage] = {}
    rows = (
        await session.execute(
            select(RuleFindingRecord)
            .where(
                RuleFindingRecord.run_id.in_(run_ids),
                RuleFindingRecord.subject_kind == "Address",
                RuleFindingRecord.rule_id.startswith(ESCALATING_RULES),
            )
            .order_by(RuleFindingRecord.id)
        )
    ).scalars()
    for row in rows:
        escalation = row.facts.get("escalation") or {}
        if previous.get(row.jurisdiction_code) == row.run_id and "stage" in escalation:
            stages[row.subject_id] = {"stage": escalation["stage"], "since": escalation["stage_since"]}
    return stages


async def run_supervision(uow: UnitOfWork, jurisdiction_code: str, as_of: dt.date | None = None) -> SupervisionOutcome:
    """Evaluate, as of ``as_of`` (default: today), every published, suspended or exiting address, every
    serving agency registered there and every abnormal enterprise of the jurisdiction and the districts
    under it, each against its own jurisdiction's packs; store the run with its findings."""
    session = uow.session
    as_of = as_of or uow.today
    if as_of > uow.today:
        raise InvalidInput("asOf", f"{as_of} is in the future", f"{as_of} 晚于今天", asOf=as_of.isoformat())
    scope = await jurisdiction_scope(session, jurisdiction_code)
    params = uow.parameters
    mapping = params.as_mapping()
    lookback_start = as_of - dt.timedelta(days=params.supervision_lookback_days)
    all_addresses = await addresses_of(session, jurisdiction_codes=list(scope))
    agencies = (
        (
            await session.execute(
                select(Agency)
                .where(
                    Agency.jurisdiction_code.in_(list(scope)),
                    Agency.status.in_(SUPERVISED_AGENCY_STATUSES),
                    Agency.registered_on <= as_of,
                )
                .order_by(Agency.id)
            )
        )
        .scalars()
        .all()
    )
    records = await load_records(session, all_addresses, [a.id for a in agencies], as_of)
    stages = await _previous_stages(session, scope, as_of)
    citywide: dict[str, dict[str, Any]] = {}
    for pack in {j.rule_pack for j in scope.values()} & {"WX"}:
        citywide[pack] = await citywide_annual_report_rates(session, pack, as_of, params)

    results: list[tuple[str, int, str, str | None, list[Finding]]] = []
    for address in all_addresses:
        if address.status not in SUPERVISED_ADDRESS_STATUSES:
            continue
        packs = packs_for(scope[address.jurisdiction_code])
        facts = address_facts(records, address, lookback_start, stages.get(address.id))
        found = evaluate("supervision.address", packs, facts, as_of, mapping)
        results.append(("Address", address.id, address.jurisdiction_code, address.status, found))
    for agency in agencies:
        packs = packs_for(scope[agency.jurisdiction_code])
        of_agency = agency_facts(records, agency, lookback_start, citywide.get(packs[0]), params.working_day_overrides)
        found = evaluate("supervision.agency", packs, of_agency, as_of, mapping)
        results.append(("Agency", agency.id, agency.jurisdiction_code, agency.status, found))
    for e in _abnormal(records, as_of):
        packs = packs_for(scope[e.jurisdiction_code])
        found = evaluate("supervision.enterprise", packs, enterprise_facts(records, e), as_of, mapping)
        results.append(("Enterprise", e.id, e.jurisdiction_code, e.status, found))

    run = SupervisionRun(jurisdiction_code=jurisdiction_code, as_of=as_of, actor=uow.actor.id, summary={})
    session.add(run)
    await session.flush()
    rows: list[RuleFindingRecord] = []
    skipped: dict[str, set[str]] = defaultdict(set)
    for kind, subject_id, code, status, found in results:
        for f in found:
            if f.rule.endswith("-IN-FORCE"):  # once per run, not once per subject
                skipped[f.pack].update(f.facts["rules"])
            else:
                rows.append(
                    finding_record(
                        f,
                        jurisdiction_code=code,
                        subject_kind=kind,
                        subject_id=subject_id,
                        run_id=run.id,
                        subject_status=status,
                    )
                )
    rows += [
        finding_record(
            not_in_force(p, ids, as_of),
            jurisdiction_code=jurisdiction_code,
            subject_kind="Jurisdiction",
            subject_id=int(jurisdiction_code),
            run_id=run.id,
        )
        for p, ids in sorted(skipped.items())
    ]
    session.add_all(rows)
    run.summary = _summary(scope, as_of, params, results, rows)
    await session.flush()
    return SupervisionOutcome(run, rows)


def _abnormal(records: Records, as_of: dt.date) -> list[EnterpriseRow]:
    return [e for e in records.enterprises if e.hosted_on(as_of) and e.abnormal_on(as_of)]


def _summary(
    scope: dict[str, Jurisdiction],
    as_of: dt.date,
    params: Parameters,
    results: list[tuple[str, int, str, str | None, list[Finding]]],
    rows: list[RuleFindingRecord],
) -> dict[str, Any]:
    subjects = Counter(kind for kind, *_ in results)
    return {
        "as_of": as_of.isoformat(),
        "jurisdictions": sorted(scope),
        "parameters_version": params.version,
        "subjects": dict(sorted(subjects.items())),
        "findings": len(rows),
        "by_rule": dict(sorted(Counter(r.rule_id for r in rows).items())),
        "by_action": dict(sorted(Counter(r.action or "none" for r in rows).items())),
        "not_in_force": sorted(r.rule_id for r in rows if r.rule_id.endswith("-IN-FORCE")),
        "changes_status": False,
    }
