"""Tongzhou indicators of an address and of a host unit (TZ §五(三)8): the numbers behind the triggers,
and which triggers they meet.

A host unit's indicators add up those of its addresses; whether a trigger is met is decided by the same
TZ rules the supervision run evaluates, so an indicator and a supervision finding never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from domain.rules.facts import AddressSupervisionFacts


def combine(
    facts: Sequence[AddressSupervisionFacts], code: str, host_unit_id: int, lookback_start: dt.date
) -> AddressSupervisionFacts:
    """The ``supervision.address`` facts of a host unit: its addresses' facts added up."""
    reports = [f["annual_report"] for f in facts]
    year = reports[0]["year"] if reports else None
    due, on_time = sum(r["due"] for r in reports), sum(r["on_time"] for r in reports)
    return {
        "code": code,
        "host_unit_id": host_unit_id,
        "addresses": [f["address_id"] for f in facts],
        "capacity": sum(f["capacity"] for f in facts),
        "hosted": sum(f["hosted"] for f in facts),
        "lookback_start": lookback_start,
        "false_materials_total": sum(f["false_materials_total"] for f in facts),
        "complaints": sorted(d for f in facts for d in f["complaints"]),
        "enterprises_with_findings": sum(f["enterprises_with_findings"] for f in facts),
        "uncontactable_abnormal": sorted(i for f in facts for i in f["uncontactable_abnormal"]),
        "abnormal": sum(f["abnormal"] for f in facts),
        "annual_report": {
            "year": year,
            "due": due,
            "on_time": on_time,
            "rate": on_time / due if due else None,
            "missing": sorted(i for r in reports for i in r["missing"]),
        },
        "prior_stage": None,
    }


def indicators(facts: AddressSupervisionFacts, triggers: Sequence[str]) -> dict[str, Any]:
    """The indicator breakdown stored with the score."""
    report = facts["annual_report"]
    capacity, hosted = int(facts["capacity"]), int(facts["hosted"])
    return {
        "annual_report": {k: report[k] for k in ("year", "due", "on_time", "rate")},
        "false_materials_total": facts["false_materials_total"],
        "lost_contact_abnormal": len(facts["uncontactable_abnormal"]),
        "abnormal": facts["abnormal"],
        "complaints_since": {"since": facts["lookback_start"], "count": len(facts["complaints"])},
        "enterprises_with_findings": facts["enterprises_with_findings"],
        "occupancy": {"hosted": hosted, "capacity": capacity, "rate": hosted / capacity if capacity else None},
        "triggers": sorted(triggers),
    }


def headline(facts: AddressSupervisionFacts) -> float | None:
    """The annual-report rate in percent, the indicator TZ §五(三)8(4) sets a number for."""
    rate = facts["annual_report"]["rate"]
    return round(rate * 100, 2) if rate is not None else None
