"""The facts each rule checkpoint hands to the rule packs, one ``TypedDict`` per checkpoint.

A rule reads its facts by name (``ctx.facts["lease_end"]``) and a command builds them by name, so a name
spelt differently on the two sides would give a rule the default of a missing fact and let it pass in
silence. Declaring the facts here makes both sides name the same keys: a rule takes the ``Context`` of its
checkpoint (``Context[AddressFilingFacts]``), a builder returns or constructs the checkpoint's
``TypedDict``, and mypy refuses a key the checkpoint does not declare, when read or when built (for
``.get`` too, through tools/mypy_typeddict_get.py). A key is required where every builder supplies it and
``NotRequired`` where some do not; keys a builder supplies that no rule reads yet are declared all the
same, since a builder builds the whole ``TypedDict``.

:data:`CHECKPOINT_FACTS` names the ``TypedDict`` of every checkpoint; tests/test_rules_facts.py checks
that each rule's ``Context`` reads only what its checkpoints declare.
"""

# No ``from __future__ import annotations`` here: Python 3.11 then sees every key as required at run time
# (``__required_keys__``), and tests/test_rules_facts.py reads that.
import datetime as dt
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

# --- records inside the facts ---------------------------------------------------------------------------


class CreditListing(TypedDict):
    """A credit listing of an agency or its people (WX Art.8(4), DX Art.4(2), BJ L2533)."""

    subject: str
    kind: str
    listed_on: dt.date
    removed_on: dt.date | None


class DatedFinding(TypedDict):
    """A recorded finding about a hosted enterprise (a safety hazard, false materials)."""

    enterprise_id: int
    found_on: dt.date
    # WX Art.26(7): verified that the agency itself supplied the false materials.
    agency_involved: NotRequired[bool]
    # DX Art.13(1): a hazard's severity as the reporting department set it ("major", "general"; None unset).
    severity: NotRequired[str | None]


class AnnualReportStats(TypedDict):
    """Annual reports of a report year: enterprises due, those on time, the rate and who is missing
    (``year`` is None for a host unit with no addresses to add up)."""

    year: int | None
    due: int
    on_time: int
    rate: float | None
    missing: list[int]


class PriorStage(TypedDict):
    """The Tongzhou escalation stage an address reached in the previous run (``since`` as stored: an ISO
    date string)."""

    stage: str
    since: dt.date | str


class QuarterlyReportDue(TypedDict):
    """A WX Art.15 quarterly report falling due in the evaluated period."""

    year: int
    quarter: int
    quarter_end: dt.date
    due_on: dt.date
    due_estimated: bool
    submitted_on: dt.date | None


class ContactGap(TypedDict):
    """A quarter in which a hosted enterprise had no recorded contact (WX Art.13(3))."""

    enterprise_id: int
    year: int
    quarter: int
    quarter_start: dt.date


class PenaltyFact(TypedDict):
    """A penalty or serious-dishonesty finding of a demonstration-base operator (SB Art.6(2))."""

    kind: str
    on: dt.date


# --- registration and filing ----------------------------------------------------------------------------


class PremisesFacts(TypedDict):
    """The premises an agency registers with or files as an address: what ``agency.register`` and
    ``address.file`` share, for the rules on both (WX-8.3, WX-9.3, DX-4.1)."""

    tenure: str | None
    lease_end: dt.date | None
    owner_consent: bool | None
    application_date: dt.date


class AgencyRegistrationFacts(PremisesFacts):
    """``agency.register``: an agency applies to host (premises optional at this stage)."""

    jurisdiction_code: str
    role: str
    kind: str
    established_on: dt.date | None
    credit_facts: list[CreditListing]


class AddressFilingFacts(PremisesFacts):
    """``address.file``: premises filed as a cluster address (``kind`` is the address's kind)."""

    jurisdiction_code: str
    kind: str
    premises_basis: str
    residential: bool
    planning_approved: bool
    lawful_and_safe: bool
    standardised: bool
    capacity: int
    floor_area_m2: float | None
    same_kind_addresses_of_unit: int
    agency_kind: str
    agency_role: str


class EnterpriseRegistrationFacts(TypedDict):
    """``enterprise.register``: an enterprise registers at a published address."""

    jurisdiction_code: str
    kind: str
    industry_code: str
    permit_items: bool
    business_scope: str
    has_branch_with_fixed_premises: bool
    address_kind: str
    address_key_industries: list[str]
    enterprise_key_industries: list[str]
    actual_address: str | None
    registered_address: str
    # DX Art.9(1): the credit listings the enterprise declares at intake (the registry keeps none of its own).
    credit_facts: NotRequired[list[CreditListing]]


class AddressExitFacts(TypedDict):
    """``address.begin_exit``: an address announces its exit (DX Art.14)."""

    notice_on: dt.date
    planned_exit_on: dt.date
    occupied: int


class AgencyTerminationFacts(TypedDict):
    """``agency.terminate``: an agency ends its service (WX Art.12)."""

    hosted_enterprises_remaining: int
    agency_id: int


# --- supervision ----------------------------------------------------------------------------------------


class AddressSupervisionFacts(TypedDict):
    """``supervision.address``: one address as of a date, or a Tongzhou host unit's addresses added up
    (``addresses`` lists them; the keys of a single address are then absent)."""

    code: str
    host_unit_id: int
    capacity: int
    hosted: int
    lookback_start: dt.date
    false_materials_total: int
    complaints: list[dt.date]
    enterprises_with_findings: int
    uncontactable_abnormal: list[int]
    abnormal: int
    annual_report: AnnualReportStats
    prior_stage: PriorStage | None
    address_id: NotRequired[int]
    status: NotRequired[str]
    kind: NotRequired[str]
    tenure: NotRequired[str]
    lease_end: NotRequired[dt.date | None]
    occupied: NotRequired[int]
    agency_id: NotRequired[int]
    safety_hazards: NotRequired[list[DatedFinding]]
    false_materials_recent: NotRequired[list[DatedFinding]]
    addresses: NotRequired[list[int]]


class AgencySupervisionFacts(TypedDict):
    """``supervision.agency``: an agency over the enterprises at the addresses it runs, as of a date."""

    agency_id: int
    status: str
    kind: str
    role: str
    registered_on: dt.date
    credit_facts: list[CreditListing]
    window_start: dt.date
    hosted: int
    hosted_by_group: dict[str, int]
    uncontactable: list[int]
    annual_report_by_kind: dict[str, AnnualReportStats]
    # "year" and "source", and the rate of each group that has one (keyed like annual_report_by_kind).
    citywide_annual_report_rates: Mapping[str, Any]
    false_materials: list[DatedFinding]
    quarterly_reports: list[QuarterlyReportDue]
    contact_gaps: list[ContactGap]


class EnterpriseSupervisionFacts(TypedDict):
    """``supervision.enterprise``: an abnormal enterprise as of a date (BJ L508, L2533)."""

    enterprise_id: int
    kind: str
    status: str
    abnormal_since: dt.date | None
    abnormal_reason: str | None
    last_tax_filing_on: dt.date | None
    # Report years due (30 June of the next year) before the mark and not filed by then: what it was set for.
    missing_report_years: list[int]
    reports_filed_since_abnormal: list[int]


# --- scores ---------------------------------------------------------------------------------------------


class WuxiRatingFacts(TypedDict):
    """``score.wx_rating``: the year's rating of a Wuxi agency and the grade of the year before."""

    year: int
    score: float
    grade: str
    previous_grade: str | None


class DemonstrationBaseEvaluationFacts(TypedDict):
    """``demonstration_base.evaluate``: an application, as
    :meth:`domain.scoring.demonstration_base.DemonstrationBaseFacts.as_facts` gives it; here by the
    condition that reads them."""

    # SB Art.6(1): the operator
    application_deadline: dt.date
    established_on: dt.date
    independent_legal_person: bool
    registered_in_beijing: bool
    rolling_incubation: bool
    # SB Art.6(2), 15: its record
    penalties: list[PenaltyFact]
    revoked_for_cause_on: dt.date | None
    # SB Art.6(3), (4): approvals and areas
    project_approvals_complete: bool
    fits_industrial_policy: bool
    total_floor_area_m2: float
    public_service_area_m2: float
    # SB Art.6(5): resident small and micro enterprises
    high_end_manufacturing: bool
    resident_small_micro_enterprises: int
    leading_industry_enterprises: int
    # SB Art.6(6)-(10), 7: running the base
    governance_sound: bool
    management_rules_complete: bool
    staff_with_degree_or_title: int
    staff_with_degree_and_title: int
    satisfaction: float
    free_public_services: bool
    service_station: bool
    service_functions: list[str]


CHECKPOINT_FACTS: Mapping[str, type[Mapping[str, Any]]] = {
    "agency.register": AgencyRegistrationFacts,
    "address.file": AddressFilingFacts,
    "enterprise.register": EnterpriseRegistrationFacts,
    "address.begin_exit": AddressExitFacts,
    "agency.terminate": AgencyTerminationFacts,
    "supervision.address": AddressSupervisionFacts,
    "supervision.agency": AgencySupervisionFacts,
    "supervision.enterprise": EnterpriseSupervisionFacts,
    "score.wx_rating": WuxiRatingFacts,
    "demonstration_base.evaluate": DemonstrationBaseEvaluationFacts,
}
