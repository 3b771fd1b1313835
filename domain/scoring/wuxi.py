"""The Wuxi yearly credit rating of a hosting agency (WX Art.21–24, 26).

The measures fix the start (100 points), the split (30 static + 70 dynamic), the deduction (one point per
non-compliant entity under Art.26) and the bands (A ≥ 75, B ≥ 50, C ≥ 25, else D), but not how they
combine (rules-from-seeds §9.5). jiqun reads them as:

- static points = 30 × the share of hosted entities in good standing (not on the abnormal list, no
  finding of the ``wx_static_adverse_finding_kinds`` in the year); 30 when the agency hosts none. The
  SAMR general credit evaluation the text names is not in the registry; this is its stand-in.
- dynamic points = 70 − the Art.26 deductions of the year, never below 0 (the text sets no floor, and a
  negative part would let deductions eat the static points).
- score = static + dynamic, so an agency with nothing against it keeps its 100 points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.facts import EnterpriseRow, Records
from domain.rules.framework import Finding
from domain.rules.wx import DYNAMIC_POINTS, GRADE_BANDS, INITIAL_SCORE, STATIC_POINTS, grade_for


@dataclass(frozen=True)
class WuxiRating:
    year: int
    score: float
    grade: str
    breakdown: dict[str, Any]


def adverse_entities(
    hosted: Sequence[EnterpriseRow], records: Records, since: dt.date, kinds: Sequence[str]
) -> list[int]:
    """Hosted entities not in good standing: on the abnormal list, or with a finding of ``kinds`` since
    ``since``."""
    hosted_ids = {e.id for e in hosted}
    with_findings = {
        f.enterprise_id
        for f in records.findings
        if f.kind in kinds and f.found_on >= since and f.enterprise_id in hosted_ids
    }
    return sorted({e.id for e in hosted if e.abnormal_on(records.as_of)} | with_findings)


def static_points(hosted: int, adverse: int) -> float:
    return round(STATIC_POINTS * (1 - adverse / hosted), 2) if hosted else float(STATIC_POINTS)


def rate(year: int, hosted: int, adverse: Sequence[int], findings: Sequence[Finding]) -> WuxiRating:
    """The rating of the year from the static inputs and the Art.26 findings (each carries its
    ``deduction``)."""
    deductions: list[dict[str, Any]] = [
        {
            "rule": f.rule,
            "article": f.article,
            "points": int(f.facts["deduction"]),
            "message_zh": f.message_zh,
            "message_en": f.message_en,
        }
        for f in findings
        if "deduction" in f.facts
    ]
    deducted = sum(d["points"] for d in deductions)
    static = static_points(hosted, len(adverse))
    dynamic = float(max(0, DYNAMIC_POINTS - deducted))
    score = round(static + dynamic, 2)
    grade = grade_for(score)
    return WuxiRating(
        year=year,
        score=score,
        grade=grade,
        breakdown={
            "initial": INITIAL_SCORE,
            "static": {
                "max": STATIC_POINTS,
                "points": static,
                "hosted": hosted,
                "adverse": len(adverse),
                "adverse_entities": list(adverse),
                "basis": "30 × share of hosted entities in good standing (WX Art.24)",
            },
            "dynamic": {
                "max": DYNAMIC_POINTS,
                "deducted": deducted,
                "points": dynamic,
                "deductions": deductions,
                "basis": "70 − one point per non-compliant entity under Art.26, not below 0",
            },
            "score": score,
            "grade": grade,
            "bands": dict(GRADE_BANDS),
        },
    )
