"""Named parameters for what the seeds leave open, in one versioned configuration.

Each has a documented default, the article that leaves it open and the reason for the default (the
field metadata, which the rule catalogue prints); none is a silent guess in code. Numbers the seeds do
state are constants of the rule that cites them, not parameters. The rule packs receive these values as
a plain mapping (:meth:`Parameters.as_mapping`), so they stay free of any import; the unit of work
passes :data:`PARAMETERS` unless it is given another configuration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any


def _doc(source: str, reason: str) -> dict[str, str]:
    """Field metadata: the article that leaves the value open, and why the default is what it is."""
    return {"source": source, "reason": reason}


@dataclass(frozen=True)
class Parameters:
    version: str = "2026.1"
    notice_objection_working_days: int = field(
        default=5,
        metadata=_doc(
            "rules-from-seeds §9.10",
            "No seed sets an objection period for address notices; 5 working days follows the Beijing publicity "
            "pattern (BJ L2407, L3682).",
        ),
    )
    working_day_overrides: dict[dt.date, bool] = field(
        default_factory=dict,
        metadata=_doc(
            "State Council holiday schedule",
            "Dates the schedule makes working days (True) or holidays (False), for years the calendar library "
            "does not know yet; empty until a schedule is published.",
        ),
    )
    supervision_lookback_days: int = field(
        default=365,
        metadata=_doc(
            "DX Art.13(1)(3); TZ §五(三)8(6)(7); WX Art.26(3)(7)",
            "The triggers name events (hazards, false materials, complaints, findings) without a period; a "
            "supervision run counts those of the year before its date, the span of one yearly review.",
        ),
    )
    dx_min_floor_area_per_enterprise_m2: float = field(
        default=1.0,
        metadata=_doc(
            "DX Art.7(2)",
            "The total-control plan must fit the site's area but the measures give no ratio; a plan of more "
            "enterprises than square metres is flagged (a warning, not a refusal).",
        ),
    )
    tz_cluster_addresses_per_host_unit: int | None = field(
        default=None,
        metadata=_doc(
            "TZ §五(一)1; rules-from-seeds §9.2",
            "The draft allows '多个' (several) cluster-registration addresses per host unit without a number; "
            "no cap is invented. Set it when the district publishes one.",
        ),
    )
    tz_actual_business_addresses_per_host_unit: int = field(
        default=1,
        metadata=_doc(
            "TZ §五(一)1",
            "The text says one actual-business address per host unit in principle (原则上…一个实际经营地址); "
            "more go to the district government.",
        ),
    )
    tz_cautious_intake_codes: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "TZ §五(二)6; rules-from-seeds §8.5",
            "GB/T 4754-2017 code prefixes of the cautious-intake list. Neither that list nor the Beijing "
            "catalogue it builds on is in the seeds, so the default is empty.",
        ),
    )
    tz_cautious_intake_keywords: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "TZ §五(二)6",
            "Business-scope keywords of the cautious-intake list; empty for the same reason.",
        ),
    )
    tz_problem_rate_high: float = field(
        default=0.2,
        metadata=_doc(
            "TZ §五(三)8(6); rules-from-seeds §9.3",
            "'问题发现率…占比较高' has no number. One hosted enterprise in five with a recorded finding in the "
            "look-back period is jiqun's threshold, high enough that only outliers are interviewed.",
        ),
    )
    tz_problem_rate_min_hosted: int = field(
        default=10,
        metadata=_doc(
            "TZ §五(三)8(6)",
            "A share of a handful of enterprises says little; below 10 hosted enterprises the rate is not judged.",
        ),
    )
    tz_complaint_burst_count: int = field(
        default=5,
        metadata=_doc(
            "TZ §五(三)8(7)",
            "'短期内…集中爆发' has no number; five complaints within the window is read as a burst.",
        ),
    )
    tz_complaint_burst_days: int = field(
        default=30,
        metadata=_doc(
            "TZ §五(三)8(7)",
            "The 'short time' of a complaint burst: one month.",
        ),
    )
    tz_rectification_days: int = field(
        default=30,
        metadata=_doc(
            "TZ §五(三)8",
            "'限期改正' sets no period; a supervision run escalates (interview → suspension → cancellation) only "
            "when the trigger is still present 30 days after the previous stage began.",
        ),
    )
    wx_uncontactable_share_max: float = field(
        default=0.1,
        metadata=_doc(
            "WX Art.26(3); rules-from-seeds §9.3",
            "'超过总数一定比例' has no number; more than one hosted entity in ten that cannot be contacted is the "
            "default share.",
        ),
    )
    wx_citywide_annual_report_rates: dict[int, dict[str, float]] = field(
        default_factory=dict,
        metadata=_doc(
            "WX Art.26(4); rules-from-seeds §9.4",
            "The published city-wide annual-report rate per report year, for 'individual_business' and "
            "'enterprise' (“低于全市年报率”: the rate of all Wuxi entities, which the registry, holding only "
            "cluster-registered ones, cannot compute). Where a year is missing, WX-26.4 makes no comparison "
            "and says the rate is missing.",
        ),
    )
    wx_citywide_annual_report_rate_sources: dict[int, str] = field(
        default_factory=dict,
        metadata=_doc(
            "WX Art.26(4)",
            "Where each year's city-wide rate was published and when (e.g. the bureau's notice and its date), "
            "quoted in the finding beside the rate.",
        ),
    )
    wx_agency_circumstance_deduction: int = field(
        default=1,
        metadata=_doc(
            "WX Art.26; rules-from-seeds §9.5",
            "'每存在一个主体违规的，扣一分' counts non-compliant entities. For circumstances about the agency "
            "itself (concealed records, missing quarterly reports or contacts) the agency is the one entity.",
        ),
    )
    wx_static_adverse_finding_kinds: tuple[str, ...] = field(
        default=("false_material", "lost_contact"),
        metadata=_doc(
            "WX Art.24; rules-from-seeds §2.8, §9.5",
            "The 30 static points follow the SAMR general credit evaluation of the hosted entities, which the "
            "registry does not hold. jiqun awards 30 × the share of hosted entities in good standing: not on the "
            "abnormal list and without a finding of these kinds in the year.",
        ),
    )
    sb_staff_counting: str = field(
        default="either",
        metadata=_doc(
            "SB Art.6(8)",
            "'本科及以上学历和中级及以上技术职称人员不少于8人' is read as people with either qualification "
            "(the two groups counted together); 'both' counts only people with both.",
        ),
    )

    def __post_init__(self) -> None:
        shares = ("tz_problem_rate_high", "wx_uncontactable_share_max")
        for name in shares:
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be a share between 0 and 1")
        if self.sb_staff_counting not in ("either", "both"):
            raise ValueError("sb_staff_counting must be 'either' or 'both'")
        for year, rates in self.wx_citywide_annual_report_rates.items():
            if set(rates) - {"individual_business", "enterprise"} or not all(0 <= r <= 1 for r in rates.values()):
                raise ValueError(f"wx_citywide_annual_report_rates[{year}]: rates for individual_business, enterprise")

    def as_mapping(self) -> dict[str, Any]:
        """The values by name, for the rule packs."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @staticmethod
    def documented() -> list[tuple[str, Any, str, str]]:
        """``(name, default, source, reason)`` of every parameter, for the catalogue."""
        defaults = Parameters()
        return [
            (f.name, getattr(defaults, f.name), f.metadata["source"], f.metadata["reason"])
            for f in fields(Parameters)
            if f.metadata
        ]


PARAMETERS = Parameters()
