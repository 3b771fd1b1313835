"""Wuxi (WX): thresholds at their boundaries, the dates of force, the Art.6(2) activity mapping, and
refusals through the commands."""

from __future__ import annotations

import datetime as dt

import pytest

from domain import commands
from domain.errors import DomainError, RuleRefusal
from domain.parameters import PARAMETERS
from domain.rules import evaluate
from domain.rules.framework import Severity
from domain.rules.wx import grade_for
from tests import factories
from tests.rule_support import ON, check
from tests.wuxi_case import WX_ADDRESS, WX_AGENCY

D = dt.timedelta(days=1)
APPLIED = dt.date(2026, 3, 2)


@pytest.mark.parametrize("checkpoint", ["agency.register", "address.file"])
@pytest.mark.parametrize(
    ("lease_end", "refused"),
    [(dt.date(2028, 3, 2) - D, True), (dt.date(2028, 3, 2), False), (dt.date(2028, 3, 2) + D, False)],
)
def test_contract_runs_two_years_from_the_application(checkpoint, lease_end, refused):
    for tenure in ("leased", "entrusted"):
        facts = {"tenure": tenure, "lease_end": lease_end, "application_date": APPLIED}
        assert bool(check("WX-8.3", facts, checkpoint=checkpoint)) is refused


def test_owner_consent_for_leased_or_entrusted_premises():
    assert check("WX-9.3", {"tenure": "entrusted", "owner_consent": None})[0].field == "ownerConsent"
    assert check("WX-9.3", {"tenure": "leased", "owner_consent": False})
    assert not check("WX-9.3", {"tenure": "leased", "owner_consent": True})
    assert not check("WX-9.3", {"tenure": "owned", "owner_consent": None})


def listing(subject: str, kind: str, listed: dt.date, removed: dt.date | None) -> dict[str, object]:
    return {"subject": subject, "kind": kind, "listed_on": listed, "removed_on": removed}


@pytest.mark.parametrize(
    ("removed_on", "refused"),
    [(dt.date(2024, 3, 2) - D, False), (dt.date(2024, 3, 2), True), (dt.date(2024, 3, 2) + D, True)],
)
def test_credit_window_is_two_years(removed_on, refused):
    facts = {
        "application_date": APPLIED,
        "credit_facts": [listing("investor", "major_illegal_case", dt.date(2023, 1, 1), removed_on)],
    }
    assert bool(check("WX-8.4", facts)) is refused


def test_credit_rule_ignores_key_personnel_not_named_in_art_8_4():
    facts = {
        "application_date": APPLIED,
        "credit_facts": [listing("key_personnel", "abnormal_list", dt.date(2025, 1, 1), None)],
    }
    assert not check("WX-8.4", facts)


@pytest.mark.parametrize(
    "kind",
    [
        "park_operator",
        "incubator",
        "maker_space",
        "business_secretary",
        "bookkeeping_agency",
        "accounting_firm",
        "law_firm",
        "tax_agent_firm",
        "platform_enterprise",
    ],
)
def test_accepted_agency_kinds(kind):
    assert not check("WX-8.1", {"kind": kind})


@pytest.mark.parametrize(
    "kind", ["township_government", "park_committee", "foreign_investment_taskforce", "other_enterprise"]
)
def test_other_agency_kinds_are_refused(kind):
    assert check("WX-8.1", {"kind": kind})[0].field == "kind"


def test_platforms_are_told_whom_they_may_host():
    assert check("WX-30", {"kind": "platform_enterprise"})[0].severity == Severity.INFO
    assert not check("WX-30", {"kind": "maker_space"})


def test_permit_items_by_flag_or_by_the_licensed_section_of_the_scope():
    assert check("WX-6.1", {"permit_items": True, "business_scope": ""})
    assert check(
        "WX-6.1", {"permit_items": False, "business_scope": "许可项目：第二类增值电信业务。一般项目：技术服务"}
    )
    standard_tail = "一般项目：技术服务（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
    assert not check("WX-6.1", {"permit_items": False, "business_scope": standard_tail})


@pytest.mark.parametrize(
    ("code", "scope", "category"),
    [
        ("1310", "", "production_processing"),
        ("4390", "", "production_processing"),
        ("6510", "软件开发；服装加工", "production_processing"),
        ("5127", "", "food_business"),
        ("6210", "", "food_business"),
        ("7212", "企业管理咨询；食品销售（仅销售预包装食品）", "food_business"),
        ("5920", "", "warehousing_logistics"),
        ("5431", "", "warehousing_logistics"),
        ("7212", "普通货物仓储服务", "warehousing_logistics"),
        ("4210", "", "recycling"),
        ("5191", "", "recycling"),
        ("7212", "再生资源回收（除生产性废旧金属）", "recycling"),
        ("8020", "", "after_school_care"),
        ("8394", "中小学生校外托管服务", "after_school_care"),
        ("6130", "", "homestay"),
        ("7212", "民宿服务", "homestay"),
        ("9011", "", "entertainment_venue"),
        ("9020", "", "entertainment_venue"),
        ("7212", "网吧活动", "entertainment_venue"),
    ],
)
def test_unsuitable_activities_by_code_or_scope(code, scope, category):
    found = check("WX-6.2", {"industry_code": code, "business_scope": scope})
    assert category in [m["category"] for m in found[0].facts["matches"]]


@pytest.mark.parametrize(
    ("code", "scope"),
    [
        ("6510", "软件开发；信息技术咨询服务"),
        ("6510", "智能制造技术服务；物流信息咨询；食品技术研发"),
        ("7212", "企业管理咨询；安全生产技术服务"),
        ("5128", "技术开发"),
        ("9053", "文化娱乐经纪人服务"),
        ("7299", "住所托管服务"),
    ],
)
def test_services_about_an_activity_are_not_the_activity(code, scope):
    assert not check("WX-6.2", {"industry_code": code, "business_scope": scope})


def test_branch_with_fixed_premises():
    assert check("WX-6.3", {"has_branch_with_fixed_premises": True})[0].field == "hasBranchWithFixedPremises"
    assert not check("WX-6.3", {"has_branch_with_fixed_premises": False})


@pytest.mark.parametrize(("remaining", "refused"), [(0, False), (1, True)])
def test_termination_only_after_every_entity_has_left(remaining, refused):
    assert bool(check("WX-12", {"hosted_enterprises_remaining": remaining})) is refused


@pytest.mark.parametrize(
    ("on", "in_force"),
    [
        (dt.date(2024, 7, 18), False),
        (dt.date(2024, 7, 19), True),
        (dt.date(2026, 7, 18), True),
        (dt.date(2026, 7, 19), False),
    ],
)
def test_measures_in_force_from_2024_07_19_to_2026_07_18(on, in_force):
    found = evaluate(
        "agency.register",
        ("WX",),
        {"kind": "other_enterprise", "tenure": None, "application_date": on},
        on,
        PARAMETERS.as_mapping(),
    )
    if in_force:
        assert [f.rule for f in found] == ["WX-8.1"]
    else:
        assert [(f.rule, f.severity, f.article) for f in found] == [("WX-IN-FORCE", Severity.INFO, "WX Art.32")]
        assert "WX-8.1" in found[0].facts["rules"]
        assert "不在有效期内" in found[0].message_zh and "it is not" in found[0].message_en


# --- Art.26 and the rating consequences -------------------------------------------------------------------


@pytest.mark.parametrize(("uncontactable", "triggered"), [(9, False), (10, False), (11, True)])
def test_uncontactable_share_above_the_parameter(uncontactable, triggered):
    found = check("WX-26.3", {"hosted": 100, "uncontactable": list(range(uncontactable))})
    assert bool(found) is triggered
    if triggered:
        assert found[0].facts["deduction"] == 11 and found[0].action == "stop_service"


def test_uncontactable_share_follows_its_parameter():
    assert check("WX-26.3", {"hosted": 100, "uncontactable": list(range(6))}, wx_uncontactable_share_max=0.05)


def rates(own: float, city: float | None) -> dict[str, object]:
    return {
        "annual_report_by_kind": {
            "enterprise": {"year": 2024, "due": 10, "on_time": round(own * 10), "rate": own, "missing": [1, 2, 3]},
            "individual_business": {"year": 2024, "due": 0, "on_time": 0, "rate": None, "missing": []},
        },
        "citywide_annual_report_rates": {
            "year": 2024,
            "source": "parameter",
            "enterprise": city,
            "individual_business": 0.5,
        },
    }


@pytest.mark.parametrize(("own", "triggered"), [(0.79, True), (0.8, False), (0.81, False)])
def test_annual_report_rate_below_the_citywide_rate(own, triggered):
    found = check("WX-26.4", rates(own, 0.8))
    assert bool(found) is triggered
    if triggered:
        assert found[0].facts["group"] == "enterprise" and found[0].facts["deduction"] == 3


def test_no_comparison_without_a_citywide_rate():
    assert not check("WX-26.4", rates(0.1, None))


def test_false_materials_deduct_one_point_per_entity_the_agency_supplied_them_for():
    records = [
        {"enterprise_id": 1, "found_on": ON, "agency_involved": True},
        {"enterprise_id": 1, "found_on": ON, "agency_involved": True},
        {"enterprise_id": 2, "found_on": ON, "agency_involved": True},
        {"enterprise_id": 3, "found_on": ON, "agency_involved": False},
    ]
    found = check("WX-26.7", {"false_materials": records})
    assert found[0].facts["deduction"] == 2
    assert "机构为 2 户经营主体提供虚假材料" in found[0].message_zh
    assert "supplied false materials for 2 hosted entities" in found[0].message_en


def test_a_hosted_enterprises_own_false_materials_are_not_the_agencys():
    records = [{"enterprise_id": 1, "found_on": ON}, {"enterprise_id": 2, "found_on": ON, "agency_involved": False}]
    assert not check("WX-26.7", {"false_materials": records})
    one = check("WX-26.7", {"false_materials": [{"enterprise_id": 1, "found_on": ON, "agency_involved": True}]})
    assert "1 hosted entity to register" in one[0].message_en


def test_concealed_credit_records_of_agencies_registered_under_the_measures():
    facts = {
        "registered_on": dt.date(2025, 1, 10),
        "credit_facts": [listing("legal_representative", "dishonest_debtor", dt.date(2024, 6, 1), None)],
    }
    assert check("WX-26.1", facts)[0].facts["deduction"] == 1
    assert not check("WX-26.1", {**facts, "registered_on": dt.date(2024, 7, 18)})


def quarter(
    submitted: dt.date | None, end: dt.date = dt.date(2025, 12, 31), due: dt.date = dt.date(2026, 1, 15)
) -> dict[str, object]:
    return {
        "year": end.year,
        "quarter": (end.month - 1) // 3 + 1,
        "quarter_end": end,
        "due_on": due,
        "due_estimated": False,
        "submitted_on": submitted,
    }


@pytest.mark.parametrize(
    ("submitted", "late"),
    [(dt.date(2026, 1, 14), False), (dt.date(2026, 1, 15), False), (dt.date(2026, 1, 16), True), (None, True)],
)
def test_quarterly_report_within_ten_working_days(submitted, late):
    assert bool(check("WX-15", {"quarterly_reports": [quarter(submitted)]})) is late


def test_quarters_before_the_measures_are_not_counted():
    assert not check("WX-15", {"quarterly_reports": [quarter(None, dt.date(2024, 6, 30), dt.date(2024, 7, 12))]})
    gap = {"enterprise_id": 1, "year": 2024, "quarter": 2, "quarter_start": dt.date(2024, 4, 1)}
    assert not check("WX-13.3", {"contact_gaps": [gap]})
    assert check("WX-13.3", {"contact_gaps": [{**gap, "quarter": 4, "quarter_start": dt.date(2024, 10, 1)}]})


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "A"), (75, "A"), (74.99, "B"), (50, "B"), (49.99, "C"), (25, "C"), (24.99, "D"), (0, "D")],
)
def test_grade_bands(score, grade):
    assert grade_for(score) == grade


@pytest.mark.parametrize(
    ("grade", "previous", "rules"),
    [
        ("A", None, ["WX-23.A"]),
        ("B", "D", []),
        ("C", None, ["WX-23.C"]),
        ("D", "C", ["WX-23.C"]),
        ("D", "D", ["WX-23.C", "WX-23.D"]),
    ],
)
def test_rating_consequences(grade, previous, rules):
    facts = {"year": 2025, "score": 10.0, "grade": grade, "previous_grade": previous}
    found = [f for r in ("WX-23.A", "WX-23.C", "WX-23.D") for f in check(r, facts, on=dt.date(2025, 12, 31))]
    assert [f.rule for f in found] == rules
    assert {f.rule: f.action for f in found}.get("WX-23.D", "disqualify") == "disqualify"


# --- through the commands -------------------------------------------------------------------------------


async def test_unlisted_organisation_kind_is_refused_citing_art_8_1(uow):
    with pytest.raises(RuleRefusal) as refused:
        await factories.agency(uow, **{**WX_AGENCY, "kind": "other_enterprise"})
    err = refused.value
    assert (err.rule, err.article, err.field) == ("WX-8.1", "WX Art.8(1), Art.30", "kind")
    assert "托管机构类型" in err.message_zh and "Art.8(1)" in err.message_en


async def test_food_business_is_refused_at_a_wuxi_address(uow):
    agency = await factories.agency(uow, **WX_AGENCY)
    address = await factories.published_address(uow, agency.id, **WX_ADDRESS)
    with pytest.raises(RuleRefusal) as refused:
        await factories.enterprise(uow, address.id, industry_code="5225", business_scope="预包装食品零售")
    err = refused.value
    assert (err.rule, err.article) == ("WX-6.2", "WX Art.6(2)")
    assert "食品经营" in err.message_zh and "food business" in err.message_en
    ok = await factories.enterprise(uow, address.id, industry_code="6510", business_scope="软件开发；信息技术咨询服务")
    assert ok.registered_address.endswith("（集群登记）")


async def test_termination_is_refused_while_entities_remain(uow):
    agency = await factories.agency(uow, **WX_AGENCY)
    address = await factories.published_address(uow, agency.id, **WX_ADDRESS)
    await factories.enterprise(uow, address.id)
    async with uow() as u:
        await commands.begin_agency_termination(u, agency.id, expected_version=None)
        await u.commit()
    async with uow() as u:
        with pytest.raises(RuleRefusal) as refused:
            await commands.terminate_agency(u, agency.id, expected_version=None)
    assert refused.value.rule == "WX-12" and "歇业备案" in refused.value.message_zh


async def test_a_business_suspension_filing_counts_as_completed_for_termination(uow, sessionmaker):
    from domain.model import Address, Enterprise

    agency = await factories.agency(uow, **WX_AGENCY)
    address = await factories.published_address(uow, agency.id, **WX_ADDRESS)
    resting = await factories.enterprise(uow, address.id)
    trading = await factories.enterprise(uow, address.id)
    async with uow() as u:
        await commands.file_business_suspension(u, resting.id, expected_version=None)
        await commands.begin_agency_termination(u, agency.id, expected_version=None)
        await u.commit()
    async with uow() as u:
        with pytest.raises(RuleRefusal) as refused:
            await commands.terminate_agency(u, agency.id, expected_version=None)
    assert refused.value.findings[0].facts["remaining"] == 1  # the one still trading, not the one at rest
    async with uow() as u:
        await commands.deregister_enterprise(u, trading.id, expected_version=None)
        await u.commit()
    async with uow() as u:
        with pytest.raises(DomainError) as refused_again:
            await commands.terminate_agency(u, agency.id, expected_version=None)
    # WX-12 is satisfied; what remains is the address itself, which the 歇业 enterprise still occupies.
    assert refused_again.value.code == "ADDRESSES_REMAIN"
    async with sessionmaker() as s:
        rested = await s.get(Enterprise, resting.id)
        assert (rested.status, rested.business_suspended_on) == ("suspended", ON)
        assert (await s.get(Address, address.id)).occupied == 1


async def test_business_suspension_resumes_and_is_refused_from_other_states(uow):
    from domain.errors import IllegalTransition

    agency = await factories.agency(uow, **WX_AGENCY)
    address = await factories.published_address(uow, agency.id, **WX_ADDRESS)
    hosted = await factories.enterprise(uow, address.id)
    async with uow() as u:
        with pytest.raises(IllegalTransition):
            await commands.resume_business(u, hosted.id, expected_version=None)
    async with uow() as u:
        await commands.file_business_suspension(u, hosted.id, expected_version=None)
        resumed = await commands.resume_business(u, hosted.id, expected_version=None)
        assert (resumed.status, resumed.business_suspended_on) == ("active", None)
        await u.commit()
    async with uow() as u:
        await commands.list_abnormal(u, hosted.id, reason="uncontactable", expected_version=None)
        with pytest.raises(IllegalTransition):
            await commands.file_business_suspension(u, hosted.id, expected_version=None)


async def test_termination_refused_where_no_pack_checks_it_still_cites_art_12(uow):
    agency = await factories.agency(uow)  # a Daxing agency: the WX pack does not apply
    address = await factories.published_address(uow, agency.id)
    await factories.enterprise(uow, address.id)
    async with uow() as u:
        await commands.begin_agency_termination(u, agency.id, expected_version=None)
        await u.commit()
    async with uow() as u:
        with pytest.raises(DomainError) as refused:
            await commands.terminate_agency(u, agency.id, expected_version=None)
    err = refused.value
    assert (err.code, err.rule, err.article) == ("ENTERPRISES_REMAIN", "WX-12", "WX Art.12")
    assert "1 enterprise is still registered" in err.message_en and "歇业备案" in err.message_zh


async def test_after_the_measures_expire_registration_is_not_checked_and_says_so(uow, sessionmaker):
    from sqlalchemy import select

    from domain.model import RuleFindingRecord

    later = dt.date(2026, 7, 20)
    agency = await factories.agency(uow, today=later, **{**WX_AGENCY, "kind": "other_enterprise"})
    async with sessionmaker() as s:
        rows = (
            (await s.execute(select(RuleFindingRecord).where(RuleFindingRecord.subject_id == agency.id)))
            .scalars()
            .all()
        )
    assert [(r.rule_id, r.severity, r.subject_kind) for r in rows] == [("WX-IN-FORCE", "info", "Agency")]
    assert "2026-07-18" in rows[0].message_en


def test_a_missing_citywide_rate_is_said_and_deducts_nothing():
    facts = {
        "annual_report_by_kind": rates(0.1, None)["annual_report_by_kind"],
        "citywide_annual_report_rates": {"year": 2024, "source": None},
    }
    found = check("WX-26.4", facts)
    assert [(f.severity, f.action) for f in found] == [(Severity.INFO, None)]
    assert "未提供 2024 年度全市年报率" in found[0].message_zh and "deduction" not in found[0].facts
    assert "no comparison was made" in found[0].message_en


def test_the_published_rate_is_quoted_with_its_source():
    facts = rates(0.5, 0.9)
    facts["citywide_annual_report_rates"]["published_in"] = "无锡市市场监管局通报 2025-08-01"  # type: ignore[index]
    found = check("WX-26.4", facts)
    assert found[0].facts["citywide_source"] == "parameter" and found[0].severity == Severity.WARN
    assert found[0].facts["published_in"] == "无锡市市场监管局通报 2025-08-01"


@pytest.mark.parametrize(
    ("window_start", "deducted"),
    [(dt.date(2025, 1, 9), True), (dt.date(2025, 1, 10), True), (dt.date(2025, 1, 11), False)],
)
def test_a_concealment_counts_in_the_window_of_the_registration_only(window_start, deducted):
    facts = {
        "registered_on": dt.date(2025, 1, 10),
        "window_start": window_start,
        "credit_facts": [listing("legal_representative", "dishonest_debtor", dt.date(2024, 6, 1), None)],
    }
    assert bool(check("WX-26.1", facts)) is deducted
