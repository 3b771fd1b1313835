"""Daxing (DX): every threshold at its boundary, and refusals through the commands citing their article."""

from __future__ import annotations

import datetime as dt

import pytest

from domain import commands
from domain.commands.agencies import CreditFactInput
from domain.errors import RuleRefusal
from domain.rules.common import same_premises
from domain.rules.framework import Severity
from tests import factories
from tests.rule_support import ON, check

D = dt.timedelta(days=1)
APPLIED = dt.date(2026, 3, 2)


def lease(tenure: str, lease_end: dt.date | None) -> dict[str, object]:
    return {"tenure": tenure, "lease_end": lease_end, "application_date": APPLIED}


@pytest.mark.parametrize("checkpoint", ["agency.register", "address.file"])
@pytest.mark.parametrize(
    ("lease_end", "refused"),
    [(dt.date(2031, 3, 2) - D, True), (dt.date(2031, 3, 2), False), (dt.date(2031, 3, 2) + D, False)],
)
def test_lease_needs_five_years_left(checkpoint, lease_end, refused):
    found = check("DX-4.1", lease("leased", lease_end), checkpoint=checkpoint)
    assert bool(found) is refused
    if refused:
        assert found[0].severity == Severity.BLOCK and found[0].field == "leaseEnd"
        assert found[0].facts["required_until"] == "2031-03-02"


def test_lease_rule_needs_the_end_date_and_ignores_owned_premises():
    assert check("DX-4.1", lease("leased", None))[0].field == "leaseEnd"
    assert check("DX-4.1", lease("owned", None)) == []


def listing(subject: str, kind: str, listed: dt.date, removed: dt.date | None) -> dict[str, object]:
    return {"subject": subject, "kind": kind, "listed_on": listed, "removed_on": removed}


@pytest.mark.parametrize(
    ("removed_on", "refused"),
    [(dt.date(2023, 3, 2) - D, False), (dt.date(2023, 3, 2), True), (dt.date(2023, 3, 2) + D, True)],
)
def test_credit_window_is_three_years_before_application(removed_on, refused):
    facts = {
        "application_date": APPLIED,
        "credit_facts": [listing("legal_representative", "dishonest_debtor", dt.date(2020, 1, 1), removed_on)],
    }
    assert bool(check("DX-4.2", facts)) is refused


def test_credit_rule_counts_key_personnel_but_not_investors_or_major_cases():
    listed = dt.date(2025, 1, 1)
    assert check(
        "DX-4.2",
        {"application_date": APPLIED, "credit_facts": [listing("key_personnel", "abnormal_list", listed, None)]},
    )
    assert not check(
        "DX-4.2", {"application_date": APPLIED, "credit_facts": [listing("investor", "abnormal_list", listed, None)]}
    )
    assert not check(
        "DX-4.2", {"application_date": APPLIED, "credit_facts": [listing("agency", "major_illegal_case", listed, None)]}
    )


def premises(**changes: object) -> dict[str, object]:
    return {"residential": False, "lawful_and_safe": True, "planning_approved": True, "standardised": True, **changes}


def test_premises_conditions():
    assert not check("DX-5.1", premises())
    assert [f.field for f in check("DX-5.1", premises(residential=True, lawful_and_safe=False))] == [
        "residential",
        "lawfulAndSafe",
    ]
    assert check("DX-5.5", premises(planning_approved=False))[0].field == "planningApproved"
    assert check("DX-5.6", premises(standardised=False))[0].field == "standardised"


@pytest.mark.parametrize(("capacity", "warned"), [(99, False), (100, False), (101, True)])
def test_total_control_plan_against_floor_area(capacity, warned):
    found = check("DX-7.2", {"floor_area_m2": 100.0, "capacity": capacity})
    assert bool(found) is warned
    if warned:
        assert found[0].severity == Severity.WARN


def test_total_control_plan_needs_the_floor_area_and_follows_the_parameter():
    assert check("DX-7.2", {"floor_area_m2": None, "capacity": 5})[0].severity == Severity.BLOCK
    assert check("DX-7.2", {"floor_area_m2": 100.0, "capacity": 30}, dx_min_floor_area_per_enterprise_m2=4.0)


@pytest.mark.parametrize(
    ("lease_end", "refused"),
    [(dt.date(2026, 9, 2) - D, True), (dt.date(2026, 9, 2), False), (dt.date(2026, 9, 2) + D, False)],
)
def test_lawful_use_of_six_months_at_filing(lease_end, refused):
    found = check("DX-13.6", lease("entrusted", lease_end), checkpoint="address.file")
    assert bool(found) is refused
    if refused:
        assert found[0].severity == Severity.BLOCK and found[0].action == "refuse"


def test_lawful_use_under_six_months_in_supervision_recommends_suspension():
    found = check(
        "DX-13.6", {"tenure": "leased", "lease_end": ON + dt.timedelta(days=100)}, checkpoint="supervision.address"
    )
    assert found[0].severity == Severity.WARN and found[0].action == "suspend"
    assert not check("DX-13.6", {"tenure": "owned", "lease_end": None}, checkpoint="supervision.address")


@pytest.mark.parametrize(("days", "refused"), [(29, True), (30, False), (31, False)])
def test_exit_notice_thirty_days(days, refused):
    facts = {"notice_on": ON, "planned_exit_on": ON + dt.timedelta(days=days), "occupied": 3}
    assert bool(check("DX-14", facts)) is refused


def test_exit_notice_not_needed_without_hosted_enterprises():
    assert not check("DX-14", {"notice_on": ON, "planned_exit_on": ON + D, "occupied": 0})


def test_enterprise_rules():
    assert check("DX-11", {"kind": "individual_business"})[0].field == "kind"
    assert not check("DX-11", {"kind": "company"})
    assert check("DX-9.5", {"permit_items": True})[0].severity == Severity.INFO
    moved = check(
        "DX-9.3", {"actual_address": "北京市朝阳区某路1号", "registered_address": "北京市大兴区兴华大街二段3号"}
    )
    assert moved[0].action == "publicise_actual_premises"
    assert not check(
        "DX-9.3",
        {"actual_address": "北京市大兴区兴华大街二段3号3层301室", "registered_address": "北京市大兴区兴华大街二段3号"},
    )


@pytest.mark.parametrize(
    ("actual", "same"),
    [
        ("北京市大兴区兴华大街二段3号院1号楼", True),
        ("北京市大兴区兴华大街二段3号院 1号楼", True),
        ("北京市大兴区兴华大街二段３号院１号楼", True),
        ("北京市大兴区兴华大街二段3号院1号楼5层502室", True),
        ("北京市大兴区兴华大街二段3号院1号楼3楼", True),
        ("北京市大兴区兴华大街二段3号院2号楼", False),  # another building of the same compound
        ("北京市大兴区兴华大街二段3号院1号楼B座", False),
        ("北京市大兴区兴华大街二段3号院11号楼", False),  # a prefix, but another building
        ("北京市大兴区兴华大街二段3号院", False),
        ("北京市朝阳区建国路1号", False),
    ],
)
def test_actual_premises_compare_building_by_building(actual, same):
    facts = {"actual_address": actual, "registered_address": "北京市大兴区兴华大街二段3号院1号楼"}
    assert same_premises(facts["registered_address"], actual) is same
    assert bool(check("DX-9.3", facts)) is not same


@pytest.mark.parametrize(
    ("listed_on", "suspended"),
    [(dt.date(2023, 3, 2) - D, False), (dt.date(2023, 3, 2), True), (ON, True)],
)
def test_agency_no_longer_eligible_when_listed_in_the_last_three_years(listed_on, suspended):
    removed = listed_on if listed_on < dt.date(2023, 3, 2) else None
    facts = {"status": "active", "credit_facts": [listing("agency", "abnormal_list", listed_on, removed)]}
    found = check("DX-13.7", facts)
    assert bool(found) is suspended
    if suspended:
        assert found[0].action == "suspend"


# --- through the commands -------------------------------------------------------------------------------


async def test_short_lease_refuses_the_agency_citing_art_4_1_in_both_languages(uow):
    with pytest.raises(RuleRefusal) as refused:
        await factories.agency(uow, tenure="leased", lease_end=dt.date(2030, 1, 1), owner_consent=True)
    err = refused.value
    assert (err.code, err.rule, err.article, err.field) == ("RULE_REFUSED", "DX-4.1", "DX Art.4(1)", "leaseEnd")
    assert "[DX-4.1]" in err.message_en and "less than 5 years" in err.message_en
    assert "[DX-4.1]" in err.message_zh and "不足5年" in err.message_zh


async def test_credit_record_refuses_the_agency(uow):
    fact = CreditFactInput(subject="legal_representative", kind="serious_dishonest", listed_on=dt.date(2024, 5, 1))
    with pytest.raises(RuleRefusal) as refused:
        await factories.agency(uow, credit_facts=[fact])
    assert refused.value.rule == "DX-4.2" and "不良信用记录" in refused.value.message_zh


async def test_individual_business_is_refused_at_a_daxing_address(uow):
    agency = await factories.agency(uow)
    address = await factories.published_address(uow, agency.id)
    with pytest.raises(RuleRefusal) as refused:
        await factories.enterprise(uow, address.id, kind="individual_business")
    assert (refused.value.rule, refused.value.article) == ("DX-11", "DX Art.11")
    assert "个体工商户" in refused.value.message_zh and "individual business" in refused.value.message_en


async def test_exit_announced_less_than_thirty_days_ahead_is_refused(uow):
    agency = await factories.agency(uow)
    address = await factories.published_address(uow, agency.id)
    await factories.enterprise(uow, address.id)
    async with uow() as u:
        with pytest.raises(RuleRefusal) as refused:
            await commands.begin_address_exit(
                u, address.id, planned_exit_on=dt.date(2026, 3, 31), reason="场地调整", expected_version=None
            )
    assert refused.value.rule == "DX-14"
    async with uow() as u:
        exiting = await commands.begin_address_exit(
            u, address.id, planned_exit_on=dt.date(2026, 4, 1), reason="场地调整", expected_version=None
        )
        await u.commit()
    assert exiting.status == "exiting"


async def test_density_warning_is_recorded_against_the_new_address(uow, sessionmaker):
    from sqlalchemy import select

    from domain.model import RuleFindingRecord

    agency = await factories.agency(uow)
    address = await factories.published_address(uow, agency.id, floor_area_m2=40.0, capacity=50)
    async with sessionmaker() as s:
        rows = (await s.execute(select(RuleFindingRecord).where(RuleFindingRecord.rule_id == "DX-7.2"))).scalars().all()
    assert [(r.subject_kind, r.subject_id, r.severity) for r in rows] == [("Address", address.id, "warn")]
    assert rows[0].facts == {"floor_area_m2": 40.0, "capacity": 50, "m2_per_enterprise": 1.0}


def hazards(*severities: str | None) -> dict[str, object]:
    return {
        "code": "JQ-110115-0001",
        "status": "active",
        "lookback_start": dt.date(2025, 3, 2),
        "safety_hazards": [
            {"enterprise_id": i, "found_on": dt.date(2025, 6, 1), "severity": s} for i, s in enumerate(severities)
        ],
    }


def test_only_a_major_hazard_determined_by_a_department_recommends_suspension():
    assert not check("DX-13.1", hazards("general", None))
    found = check("DX-13.1", hazards("major", "general"))
    assert found[0].action == "suspend"
    assert "重大安全隐患 1 起" in found[0].message_zh
    assert "1 major safety hazard determined by a department since" in found[0].message_en
    assert "2 major safety hazards" in check("DX-13.1", hazards("major", "major"))[0].message_en


def test_one_false_material_registration_reads_in_the_singular():
    facts = {**hazards(), "false_materials_recent": [{"enterprise_id": 1, "found_on": dt.date(2025, 6, 1)}]}
    assert "1 registration obtained with false materials" in check("DX-13.3", facts)[0].message_en


def test_a_longer_number_is_other_premises():
    assert not same_premises("北京市大兴区金星西路5", "北京市大兴区金星西路51号")
    assert same_premises("北京市大兴区金星西路5", "北京市大兴区金星西路5-3层")
    assert not same_premises("北京市大兴区兴华大街二段3号", "北京市大兴区兴华大街二段3号2号楼")


@pytest.mark.parametrize(
    ("removed_on", "refused"),
    [(None, True), (ON + D, True), (ON, False), (ON - D, False)],
)
def test_an_enterprise_with_a_current_listing_cannot_enter(removed_on, refused):
    facts = {"credit_facts": [listing("agency", "serious_dishonest", dt.date(2024, 1, 1), removed_on)]}
    found = check("DX-9.1", facts, checkpoint="enterprise.register")
    assert bool(found) is refused
    if refused:
        assert "严重违法失信名单" in found[0].message_zh and found[0].field == "creditFacts"


def test_a_listing_made_after_the_registration_date_is_not_yet_a_record():
    assert not check("DX-9.1", {"credit_facts": [listing("agency", "dishonest_debtor", ON + D, None)]})


async def test_a_declared_listing_refuses_the_enterprise_at_a_daxing_address(uow):
    agency = await factories.agency(uow)
    address = await factories.published_address(uow, agency.id)
    listed = CreditFactInput(subject="legal_representative", kind="dishonest_debtor", listed_on=dt.date(2025, 9, 1))
    with pytest.raises(RuleRefusal) as refused:
        await factories.enterprise(uow, address.id, credit_facts=[listed])
    assert (refused.value.rule, refused.value.article) == ("DX-9.1", "DX Art.9(1)")
    repaired = CreditFactInput(
        subject="legal_representative", kind="dishonest_debtor", listed_on=dt.date(2025, 9, 1), removed_on=ON
    )
    assert (await factories.enterprise(uow, address.id, credit_facts=[repaired])).id
