"""The Beijing demonstration-base evaluation (SB Art.6–7, 15): the facts of an application, checked
condition by condition by the SB rule pack.

The facts come from the application (the registry does not hold floor areas, staff or satisfaction
surveys), so they are an input, validated here before any rule reads them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, cast

from domain.errors import InvalidInput
from domain.rules.facts import DemonstrationBaseEvaluationFacts
from domain.rules.framework import Finding, Rule
from domain.rules.sb import SERVICE_FUNCTIONS

PENALTY_KINDS = ("criminal", "serious_administrative", "serious_dishonesty")


@dataclass(frozen=True)
class Penalty:
    """A criminal or serious administrative penalty, or a serious-dishonesty finding (SB Art.6(2))."""

    kind: str
    on: dt.date


@dataclass(frozen=True)
class DemonstrationBaseFacts:
    application_deadline: dt.date
    established_on: dt.date
    total_floor_area_m2: float
    public_service_area_m2: float
    resident_small_micro_enterprises: int
    leading_industry_enterprises: int
    staff_with_degree_or_title: int
    staff_with_degree_and_title: int
    satisfaction: float
    service_functions: frozenset[str]
    high_end_manufacturing: bool = False
    independent_legal_person: bool = True
    registered_in_beijing: bool = True
    rolling_incubation: bool = True
    project_approvals_complete: bool = True
    fits_industrial_policy: bool = True
    governance_sound: bool = True
    management_rules_complete: bool = True
    free_public_services: bool = True
    service_station: bool = True
    penalties: tuple[Penalty, ...] = ()
    revoked_for_cause_on: dt.date | None = None

    def validate(self) -> None:
        """Refuse facts that cannot be true, naming the field."""
        counts = {
            "totalFloorAreaM2": self.total_floor_area_m2,
            "publicServiceAreaM2": self.public_service_area_m2,
            "residentSmallMicroEnterprises": self.resident_small_micro_enterprises,
            "leadingIndustryEnterprises": self.leading_industry_enterprises,
            "staffWithDegreeOrTitle": self.staff_with_degree_or_title,
            "staffWithDegreeAndTitle": self.staff_with_degree_and_title,
        }
        for name, value in counts.items():
            if value < 0:
                raise InvalidInput(name, f"{name} cannot be negative", f"{name} 不能为负数")
        if self.public_service_area_m2 > self.total_floor_area_m2:
            raise InvalidInput(
                "publicServiceAreaM2",
                "the public service space exceeds the total floor area",
                "公共服务空间大于建筑总面积",
            )
        if self.leading_industry_enterprises > self.resident_small_micro_enterprises:
            raise InvalidInput(
                "leadingIndustryEnterprises",
                "more enterprises in the leading industries than resident enterprises",
                "主导产业企业数大于入驻企业总数",
            )
        if self.staff_with_degree_and_title > self.staff_with_degree_or_title:
            raise InvalidInput(
                "staffWithDegreeAndTitle",
                "staff with both qualifications cannot outnumber staff with either",
                "同时具备学历和职称的人数不能多于具备其一的人数",
            )
        if not 0 <= self.satisfaction <= 1:
            raise InvalidInput(
                "satisfaction", "satisfaction is a share between 0 and 1", "满意度应为 0 到 1 之间的比例"
            )
        unknown = sorted(set(self.service_functions) - SERVICE_FUNCTIONS.keys())
        if unknown:
            allowed = ", ".join(SERVICE_FUNCTIONS)
            raise InvalidInput(
                "serviceFunctions",
                f"unknown service functions {unknown}; allowed: {allowed}",
                f"未知的服务功能 {unknown}",
            )
        bad = sorted({p.kind for p in self.penalties} - set(PENALTY_KINDS))
        if bad:
            raise InvalidInput("penalties", f"unknown penalty kinds {bad}", f"未知的处罚类型 {bad}")
        if self.established_on > self.application_deadline:
            raise InvalidInput(
                "establishedOn", "established after the application deadline", "成立日期晚于申请截止日期"
            )

    def as_facts(self) -> DemonstrationBaseEvaluationFacts:
        """The facts the SB rules read (tests/test_rules_facts.py checks they are the declared keys)."""
        facts = asdict(self)
        facts["service_functions"] = sorted(self.service_functions)
        facts["penalties"] = [{"kind": p.kind, "on": p.on} for p in self.penalties]
        return cast(DemonstrationBaseEvaluationFacts, facts)


def evaluation(rules: Sequence[Rule], findings: Sequence[Finding]) -> dict[str, Any]:
    """Condition by condition: met unless its rule found something."""
    conditions = []
    for r in rules:
        own = [f for f in findings if f.rule == r.id]
        conditions.append(
            {
                "rule": r.id,
                "article": r.article,
                "title_zh": r.title_zh,
                "title_en": r.title_en,
                "met": not own,
                "unmet": [{"message_zh": f.message_zh, "message_en": f.message_en, "facts": f.facts} for f in own],
            }
        )
    met = sum(1 for c in conditions if c["met"])
    return {"conditions": conditions, "met": met, "total": len(conditions), "eligible": met == len(conditions)}
