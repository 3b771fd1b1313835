"""Score commands: compute a score from the stored facts (or, for demonstration bases, the application's
facts), store it in ``scores`` with its breakdown and the facts behind it, and record the findings its
rules produce. Computing the same score again for the same period replaces it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.commands.common import get_jurisdiction, load
from domain.commands.supervision import (
    SUPERVISED_ADDRESS_STATUSES,
    citywide_annual_report_rates,
    jurisdiction_scope,
)
from domain.errors import DomainError, InvalidInput
from domain.facts import Records, address_facts, addresses_of, agency_facts, load_records
from domain.findings import finding_record
from domain.model import Address, Agency, RuleFindingRecord, Score
from domain.rules.facts import AddressSupervisionFacts, WuxiRatingFacts
from domain.rules.framework import Finding, evaluate, json_safe, rules_at
from domain.scoring import tongzhou
from domain.scoring.demonstration_base import DemonstrationBaseFacts, evaluation
from domain.scoring.wuxi import adverse_entities, rate
from domain.unit_of_work import UnitOfWork

WX_RATING = "wx_credit_rating"
TZ_ADDRESS = "tz_address_indicators"
TZ_HOST_UNIT = "tz_host_unit_indicators"
SB_EVALUATION = "sb_demonstration_base"
RATING_RULES = ("WX-22", "WX-23.A", "WX-23.C", "WX-23.D")


async def _store(
    session: AsyncSession,
    *,
    subject_kind: str,
    subject_id: int,
    jurisdiction_code: str,
    scheme: str,
    period: str,
    as_of: dt.date,
    score: float | None,
    grade: str | None,
    breakdown: dict[str, Any],
    facts: Mapping[str, Any],
) -> Score:
    row = (
        await session.execute(
            select(Score).where(
                Score.subject_kind == subject_kind,
                Score.subject_id == subject_id,
                Score.scheme == scheme,
                Score.period == period,
            )
        )
    ).scalar_one_or_none()
    if row is None:
        row = Score(subject_kind=subject_kind, subject_id=subject_id, scheme=scheme, period=period)
        session.add(row)
    row.jurisdiction_code = jurisdiction_code
    row.as_of = as_of
    row.score = score
    row.grade = grade
    row.breakdown = json_safe(breakdown)
    row.facts = json_safe(facts)
    return row


def _refuse_if_not_in_force(findings: Sequence[Finding], field: str) -> None:
    for f in findings:
        if f.rule.endswith("-IN-FORCE"):
            raise DomainError(
                "RULES_NOT_IN_FORCE", f.message_en, f.message_zh, field=field, rule=f.rule, article=f.article
            )


# --- Wuxi yearly rating ---------------------------------------------------------------------------------


def _rating_date(uow: UnitOfWork, year: int, as_of: dt.date | None) -> dt.date:
    last = min(uow.today, dt.date(year, 12, 31)) if 1990 <= year <= uow.today.year else None
    if last is None:
        raise InvalidInput("year", f"{year} cannot be rated on {uow.today}", f"{uow.today} 不能评定 {year} 年度")
    day = as_of or last
    if not dt.date(year, 1, 1) <= day <= last:
        raise InvalidInput(
            "asOf", f"asOf must lie in {year} and not after {last}", f"评定日期应在 {year} 年内且不晚于 {last}"
        )
    return day


async def _rate(
    uow: UnitOfWork, agency: Agency, records: Records, year: int, as_of: dt.date, citywide: dict[str, Any]
) -> Score:
    session, params = uow.session, uow.parameters
    start = dt.date(year, 1, 1)
    facts = agency_facts(records, agency, start, citywide, params.working_day_overrides)
    findings = evaluate("supervision.agency", ("WX",), facts, as_of, params.as_mapping())
    _refuse_if_not_in_force(findings, "asOf")
    own = [a for a, agency_id in records.address_agency.items() if agency_id == agency.id]
    hosted = [e for e in records.of_addresses(own) if e.hosted_on(as_of)]
    adverse = adverse_entities(hosted, records, start, params.wx_static_adverse_finding_kinds)
    rating = rate(year, len(hosted), adverse, findings)
    previous = (
        await session.execute(
            select(Score.grade).where(
                Score.subject_kind == "Agency",
                Score.subject_id == agency.id,
                Score.scheme == WX_RATING,
                Score.period == str(year - 1),
            )
        )
    ).scalar_one_or_none()
    outcome = WuxiRatingFacts(year=year, score=rating.score, grade=rating.grade, previous_grade=previous)
    consequences = evaluate("score.wx_rating", ("WX",), outcome, as_of, params.as_mapping())
    stale = (
        await session.execute(
            select(RuleFindingRecord).where(
                RuleFindingRecord.run_id.is_(None),
                RuleFindingRecord.subject_kind == "Agency",
                RuleFindingRecord.subject_id == agency.id,
                RuleFindingRecord.rule_id.in_(RATING_RULES),
            )
        )
    ).scalars()
    for row in stale:
        if row.facts.get("year") == year:
            await session.delete(row)
    session.add_all(
        finding_record(f, jurisdiction_code=agency.jurisdiction_code, subject_kind="Agency", subject_id=agency.id)
        for f in consequences
    )
    score = await _store(
        session,
        subject_kind="Agency",
        subject_id=agency.id,
        jurisdiction_code=agency.jurisdiction_code,
        scheme=WX_RATING,
        period=str(year),
        as_of=as_of,
        score=rating.score,
        grade=rating.grade,
        breakdown={
            **rating.breakdown,
            "previous_grade": previous,
            "consequences": [{"rule": f.rule, "action": f.action, "message_en": f.message_en} for f in consequences],
            "parameters_version": params.version,
        },
        facts=facts,
    )
    newest = agency.latest_grade_year is None or year >= agency.latest_grade_year
    if newest and (agency.latest_grade, agency.latest_grade_year) != (rating.grade, year):
        agency.latest_grade, agency.latest_grade_year = rating.grade, year
        uow.record("agency.rated", agency, ["latestGrade", "latestGradeYear"])
    return score


async def _wuxi_agency(uow: UnitOfWork, agency_id: int) -> Agency:
    agency = await load(uow.session, Agency, agency_id, "agencyId")
    j = await get_jurisdiction(uow.session, agency.jurisdiction_code)
    if j.rule_pack != "WX":
        raise InvalidInput(
            "agencyId",
            f"agency {agency.uscc} is in {j.code}; the yearly rating is Wuxi's (WX Art.21)",
            f"机构 {agency.uscc} 登记于 {j.code}，年度信用评级仅适用于无锡（第二十一条）",
        )
    return agency


async def rate_wuxi_agency(uow: UnitOfWork, agency_id: int, *, year: int, as_of: dt.date | None = None) -> Score:
    """WX Art.21–26: rate one Wuxi agency for ``year`` as of ``as_of`` (default: 31 December of the
    year, or today while the year runs). Updates the agency's latest grade and records the Art.23
    consequences (interview for C or D, disqualification after two D years) as findings."""
    day = _rating_date(uow, year, as_of)
    agency = await _wuxi_agency(uow, agency_id)
    if agency.registered_on > day:
        raise InvalidInput(
            "asOf", f"agency {agency.uscc} was registered after {day}", f"机构 {agency.uscc} 晚于 {day} 登记"
        )
    addresses = await addresses_of(uow.session, agency_ids=[agency.id])
    records = await load_records(uow.session, addresses, [agency.id], day)
    citywide = await citywide_annual_report_rates(uow.session, "WX", day, uow.parameters)
    return await _rate(uow, agency, records, year, day, citywide)


async def rate_wuxi_agencies(
    uow: UnitOfWork, jurisdiction_code: str, *, year: int, as_of: dt.date | None = None
) -> list[Score]:
    """Rate every Wuxi agency of the jurisdiction (and the districts under it) that served in ``year``."""
    day = _rating_date(uow, year, as_of)
    scope = await jurisdiction_scope(uow.session, jurisdiction_code)
    codes = [c for c, j in scope.items() if j.rule_pack == "WX"]
    agencies = (
        (
            await uow.session.execute(
                select(Agency)
                .where(Agency.jurisdiction_code.in_(codes), Agency.registered_on <= day)
                .order_by(Agency.id)
            )
        )
        .scalars()
        .all()
    )
    agencies = [a for a in agencies if a.service_ended_on is None or a.service_ended_on >= dt.date(year, 1, 1)]
    if not agencies:
        return []
    addresses = await addresses_of(uow.session, agency_ids=[a.id for a in agencies])
    records = await load_records(uow.session, addresses, [a.id for a in agencies], day)
    citywide = await citywide_annual_report_rates(uow.session, "WX", day, uow.parameters)
    return [await _rate(uow, agency, records, year, day, citywide) for agency in agencies]


# --- Tongzhou indicators -----------------------------------------------------------------------------


async def _tongzhou(uow: UnitOfWork, addresses: Sequence[Address], as_of: dt.date) -> list[Score]:
    session, params = uow.session, uow.parameters
    mapping = params.as_mapping()
    lookback_start = as_of - dt.timedelta(days=params.supervision_lookback_days)
    records = await load_records(session, addresses, [], as_of)
    scores: list[Score] = []
    per_unit: dict[int, list[AddressSupervisionFacts]] = defaultdict(list)
    unit_jurisdiction: dict[int, str] = {}
    for address in addresses:
        facts = address_facts(records, address, lookback_start, None)
        triggers = _triggers(evaluate("supervision.address", ("TZ",), facts, as_of, mapping))
        scores.append(
            await _store_indicators(
                session, "Address", address.id, address.jurisdiction_code, TZ_ADDRESS, as_of, facts, triggers
            )
        )
        unit = address.host_unit_id or address.agency_id
        per_unit[unit].append(facts)
        unit_jurisdiction[unit] = address.jurisdiction_code
    for unit, facts_list in per_unit.items():
        host = await session.get(Agency, unit)
        code = host.uscc if host else str(unit)
        facts = tongzhou.combine(facts_list, code, unit, lookback_start)
        triggers = _triggers(evaluate("supervision.address", ("TZ",), facts, as_of, mapping))
        jurisdiction = host.jurisdiction_code if host else unit_jurisdiction[unit]
        scores.append(
            await _store_indicators(session, "Agency", unit, jurisdiction, TZ_HOST_UNIT, as_of, facts, triggers)
        )
    return scores


def _triggers(findings: Sequence[Finding]) -> list[str]:
    return sorted({f.rule for f in findings if f.rule.startswith("TZ-5.3.8.")})


async def _store_indicators(
    session: AsyncSession,
    kind: str,
    subject_id: int,
    jurisdiction_code: str,
    scheme: str,
    as_of: dt.date,
    facts: AddressSupervisionFacts,
    triggers: list[str],
) -> Score:
    return await _store(
        session,
        subject_kind=kind,
        subject_id=subject_id,
        jurisdiction_code=jurisdiction_code,
        scheme=scheme,
        period=as_of.isoformat(),
        as_of=as_of,
        score=tongzhou.headline(facts),
        grade="alert" if triggers else "ok",
        breakdown=tongzhou.indicators(facts, triggers),
        facts=facts,
    )


async def tongzhou_indicators(
    uow: UnitOfWork, jurisdiction_code: str = "110112", *, as_of: dt.date | None = None
) -> list[Score]:
    """TZ §五(三)8 indicators of every supervised Tongzhou address and of every host unit, as of
    ``as_of`` (default: today): annual-report rate, false-material count, lost-contact and abnormal
    counts, complaints, occupancy, and which triggers they meet ("alert") or not ("ok")."""
    day = as_of or uow.today
    if day > uow.today:
        raise InvalidInput("asOf", f"{day} is in the future", f"{day} 晚于今天")
    scope = await jurisdiction_scope(uow.session, jurisdiction_code)
    codes = [c for c, j in scope.items() if j.rule_pack == "TZ"]
    addresses = [
        a for a in await addresses_of(uow.session, jurisdiction_codes=codes) if a.status in SUPERVISED_ADDRESS_STATUSES
    ]
    return await _tongzhou(uow, addresses, day)


# --- Beijing demonstration bases ---------------------------------------------------------------------


async def evaluate_demonstration_base(uow: UnitOfWork, agency_id: int, facts: DemonstrationBaseFacts) -> Score:
    """SB Art.6–7, 15: check a Beijing base operator's application condition by condition, as of the
    application deadline. Stored under the deadline's year; ``grade`` is "pass" when every condition
    is met."""
    facts.validate()
    agency = await load(uow.session, Agency, agency_id, "agencyId")
    if not agency.jurisdiction_code.startswith("11"):
        raise InvalidInput(
            "agencyId",
            f"agency {agency.uscc} is not in Beijing; demonstration bases are Beijing's (SB Art.2)",
            f"机构 {agency.uscc} 不在北京市，示范基地认定仅适用于北京（第二条）",
        )
    params = uow.parameters
    on = facts.application_deadline
    findings = evaluate("demonstration_base.evaluate", ("SB",), facts.as_facts(), on, params.as_mapping())
    _refuse_if_not_in_force(findings, "applicationDeadline")
    result = evaluation(rules_at("demonstration_base.evaluate", ("SB",)), findings)
    return await _store(
        uow.session,
        subject_kind="Agency",
        subject_id=agency.id,
        jurisdiction_code=agency.jurisdiction_code,
        scheme=SB_EVALUATION,
        period=str(on.year),
        as_of=on,
        score=float(result["met"]),
        grade="pass" if result["eligible"] else "fail",
        breakdown={**result, "parameters_version": params.version},
        facts=facts.as_facts(),
    )
