"""Tongzhou (TZ): thresholds at their boundaries, the escalation ladder, and refusals through the commands."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.errors import RuleRefusal
from domain.key_industries import KEY_INDUSTRIES
from domain.rules import tz
from domain.rules.framework import Severity
from tests import factories
from tests.rule_support import ON, check

D = dt.timedelta(days=1)


def address_facts(**changes: object) -> dict[str, object]:
    facts: dict[str, object] = {
        "code": "110112-000001",
        "host_unit_id": 1,
        "hosted": 100,
        "lookback_start": ON - dt.timedelta(days=365),
        "uncontactable_abnormal": [],
        "annual_report": {"year": 2024, "due": 0, "on_time": 0, "rate": None, "missing": []},
        "false_materials_total": 0,
        "enterprises_with_findings": 0,
        "complaints": [],
        "prior_stage": None,
    }
    return {**facts, **changes}


def report(on_time: int, due: int) -> dict[str, object]:
    return {"year": 2024, "due": due, "on_time": on_time, "rate": on_time / due, "missing": []}


@pytest.mark.parametrize(("on_time", "triggered"), [(9499, True), (9500, False), (9501, False)])
def test_annual_report_rate_below_95_percent(on_time, triggered):
    found = check("TZ-5.3.8.4", address_facts(annual_report=report(on_time, 10000)))
    assert bool(found) is triggered
    if triggered:
        assert found[0].action == "interview" and found[0].severity == Severity.WARN


def test_no_rate_without_enterprises_due():
    assert not check("TZ-5.3.8.4", address_facts())


@pytest.mark.parametrize(("count", "triggered"), [(4, False), (5, True), (6, True)])
def test_five_false_material_registrations_in_all(count, triggered):
    assert bool(check("TZ-5.3.8.5", address_facts(false_materials_total=count))) is triggered


def test_lost_contact_on_the_abnormal_list():
    assert not check("TZ-5.3.8.3", address_facts())
    assert check("TZ-5.3.8.3", address_facts(uncontactable_abnormal=[7]))[0].facts["enterprises"] == [7]


@pytest.mark.parametrize(("with_findings", "triggered"), [(19, False), (20, True), (21, True)])
def test_problem_rate_at_the_parameter(with_findings, triggered):
    assert bool(check("TZ-5.3.8.6", address_facts(enterprises_with_findings=with_findings))) is triggered


@pytest.mark.parametrize(("hosted", "triggered"), [(9, False), (10, True), (11, True)])
def test_problem_rate_needs_a_minimum_population(hosted, triggered):
    assert bool(check("TZ-5.3.8.6", address_facts(hosted=hosted, enterprises_with_findings=hosted))) is triggered


def test_problem_rate_follows_its_parameter():
    assert check("TZ-5.3.8.6", address_facts(enterprises_with_findings=10), tz_problem_rate_high=0.1)


@pytest.mark.parametrize(("count", "triggered"), [(4, False), (5, True), (6, True)])
def test_complaint_burst_count(count, triggered):
    assert bool(check("TZ-5.3.8.7", address_facts(complaints=[ON] * count))) is triggered


def test_complaint_burst_window_is_thirty_days_including_today():
    first_day = ON - dt.timedelta(days=29)
    assert check("TZ-5.3.8.7", address_facts(complaints=[first_day] + [ON] * 4))
    assert not check("TZ-5.3.8.7", address_facts(complaints=[first_day - D] + [ON] * 4))


@pytest.mark.parametrize(
    ("prior", "action", "stage"),
    [
        (None, "interview", "interview"),
        ({"stage": "interview", "since": ON - dt.timedelta(days=29)}, "await_rectification", "interview"),
        ({"stage": "interview", "since": ON - dt.timedelta(days=30)}, "suspend", "suspend"),
        ({"stage": "suspend", "since": ON - dt.timedelta(days=29)}, "await_rectification", "suspend"),
        ({"stage": "suspend", "since": ON - dt.timedelta(days=30)}, "cancel", "cancel"),
        ({"stage": "cancel", "since": ON - D}, "cancel", "cancel"),
    ],
)
def test_escalation_interview_then_suspension_then_cancellation(prior, action, stage):
    found = check("TZ-5.3.8.5", address_facts(false_materials_total=5, prior_stage=prior))
    assert found[0].action == action
    assert found[0].facts["escalation"]["stage"] == stage


def test_escalation_waits_the_rectification_parameter():
    prior = {"stage": "interview", "since": ON - dt.timedelta(days=30)}
    found = check("TZ-5.3.8.5", address_facts(false_materials_total=5, prior_stage=prior), tz_rectification_days=60)
    assert found[0].action == "await_rectification"
    assert found[0].facts["escalation"]["rectify_by"] == (ON + dt.timedelta(days=30)).isoformat()


@pytest.mark.parametrize(("existing", "warned"), [(0, False), (1, True), (2, True)])
def test_one_actual_business_address_per_host_unit(existing, warned):
    found = check("TZ-5.1.1", {"kind": "actual_business", "same_kind_addresses_of_unit": existing})
    assert bool(found) is warned
    if warned:
        assert found[0].action == "refer_to_district_government" and found[0].severity == Severity.WARN


def test_cluster_addresses_have_no_cap_unless_configured():
    assert not check("TZ-5.1.1", {"kind": "cluster_registration", "same_kind_addresses_of_unit": 50})
    facts = {"kind": "cluster_registration", "same_kind_addresses_of_unit": 2}
    assert not check("TZ-5.1.1", {**facts, "same_kind_addresses_of_unit": 1}, tz_cluster_addresses_per_host_unit=2)
    assert check("TZ-5.1.1", facts, tz_cluster_addresses_per_host_unit=2)


def test_premises_conditions():
    base = {"residential": False, "lawful_and_safe": True, "planning_approved": True, "premises_basis": "title_deed"}
    assert not check("TZ-3.1", base) and not check("TZ-5.1.2", base)
    assert check("TZ-3.1", {**base, "residential": True})[0].field == "residential"
    assert check("TZ-3.1", {**base, "lawful_and_safe": False})[0].field == "lawfulAndSafe"
    assert check("TZ-5.1.2", {**base, "planning_approved": False})[0].severity == Severity.BLOCK
    assert check("TZ-5.1.2", {**base, "premises_basis": "other"})[0].severity == Severity.INFO


def enterprise(**changes: object) -> dict[str, object]:
    facts: dict[str, object] = {
        "kind": "company",
        "industry_code": "7212",
        "business_scope": "企业管理咨询；市场营销策划",
        "enterprise_key_industries": ["business_services"],
        "address_kind": "cluster_registration",
        "actual_address": None,
        "registered_address": "北京市通州区新华西街1号",
    }
    return {**facts, **changes}


def test_cautious_intake_list_is_empty_by_default_and_configurable():
    assert not check("TZ-5.2.6", enterprise())
    by_code = check("TZ-5.2.6", enterprise(), tz_cautious_intake_codes=("721",))
    assert by_code[0].action == "vet" and by_code[0].facts["matches"][0]["code_prefix"] == "721"
    by_keyword = check("TZ-5.2.6", enterprise(industry_code="6510"), tz_cautious_intake_keywords=("营销",))
    assert by_keyword[0].facts["matches"][0]["scope_items"] == ["市场营销策划"]


def test_priority_industries_are_flagged_as_info():
    assert check("TZ-5.2.5", enterprise())[0].severity == Severity.INFO
    assert check("TZ-5.2.5", enterprise(enterprise_key_industries=[], kind="foreign_invested"))
    assert not check("TZ-5.2.5", enterprise(enterprise_key_industries=["medicine_health"]))


def test_priority_industries_match_the_key_industries_from_the_same_article():
    assert set(tz.PRIORITY_INDUSTRIES) == {k for k, v in KEY_INDUSTRIES.items() if v.source == "TZ §五(二)5"}


def test_actual_business_address_premises_must_match():
    moved = enterprise(address_kind="actual_business", actual_address="北京市朝阳区建国路1号")
    assert check("TZ-5.1.2-A1", moved)[0].action == "publicise_actual_premises"
    assert not check("TZ-5.1.2-A1", {**moved, "address_kind": "cluster_registration"})
    assert not check(
        "TZ-5.1.2-A1", enterprise(address_kind="actual_business", actual_address="北京市通州区新华西街1号3层")
    )


# --- through the commands -------------------------------------------------------------------------------

HOST_UNIT = {
    "name": "北京市通州区永顺镇人民政府",
    "role": "host_unit",
    "kind": "township_government",
    "jurisdiction_code": "110112",
}
TZ_ADDRESS = {"jurisdiction_code": "110112", "address_text": "北京市通州区新华西街1号"}


async def test_residential_premises_are_refused_citing_tz_3_1(uow):
    unit = await factories.agency(uow, **HOST_UNIT)
    with pytest.raises(RuleRefusal) as refused:
        await factories.published_address(uow, unit.id, residential=True, **TZ_ADDRESS)
    err = refused.value
    assert (err.rule, err.article, err.field) == ("TZ-3.1", "TZ §三(一)", "residential")
    assert "居住用途" in err.message_zh and "residential" in err.message_en


async def test_second_actual_business_address_goes_to_the_district_government(uow):
    unit = await factories.agency(uow, **HOST_UNIT)
    await factories.published_address(uow, unit.id, kind="actual_business", **TZ_ADDRESS)
    async with uow() as u:
        from domain import commands

        second = await commands.file_address(
            u, agency_id=unit.id, **{**factories.ADDRESS_DEFAULTS, **TZ_ADDRESS, "kind": "actual_business"}
        )
        await u.commit()
    assert second.status == "applied"
    assert [(w.rule, w.action) for w in u.warnings] == [("TZ-5.1.1", "refer_to_district_government")]
