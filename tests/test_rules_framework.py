"""The rule framework: dates of force, parameter isolation, JSON-safe facts, stable ids."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import pytest

from domain.parameters import PARAMETERS
from domain.rules import PACKS, REGISTRY, evaluate
from domain.rules.framework import Context, Finding, Pack, Rule, Severity, json_safe, register, rule

ID = re.compile(r"^(DX|TZ|WX|SB|BJ)-[0-9A-Z][0-9A-Za-z.\-]*$")


def test_rule_ids_are_stable_and_cite_their_pack():
    for rule_id, r in REGISTRY.items():
        assert ID.match(rule_id), rule_id
        assert rule_id.startswith(r.pack + "-") and r.article.startswith(r.pack)
        assert r.title_zh and r.title_en and r.quote and r.checkpoints


def test_every_rule_declares_only_existing_parameters():
    names = set(PARAMETERS.as_mapping())
    for r in REGISTRY.values():
        assert set(r.parameters) <= names, r.id


@pytest.fixture
def probe():
    """A rule of a test pack, registered for one test."""
    pack = PACKS.setdefault(
        "ZZ", Pack("ZZ", "测试", "Test", "test", dt.date(2025, 1, 1), dt.date(2025, 12, 31), "ZZ Art.1")
    )
    seen: list[Context] = []

    def evaluate_probe(ctx: Context) -> list[Finding]:
        seen.append(ctx)
        return [ctx.finding("发现", "found", used={"on": ctx.on, "ids": {3, 1}, "pair": (1, 2)})]

    r = rule(
        pack,
        "ZZ-1",
        "ZZ Art.1",
        ("probe",),
        "测试",
        "probe",
        severity=Severity.WARN,
        action="rectify",
        parameters=("tz_rectification_days",),
    )(evaluate_probe)
    yield r, seen
    del REGISTRY["ZZ-1"], PACKS["ZZ"]


def test_rules_see_only_the_parameters_they_declare(probe):
    _, seen = probe
    evaluate("probe", ("ZZ",), {}, dt.date(2025, 6, 1), PARAMETERS.as_mapping())
    assert dict(seen[0].params) == {"tz_rectification_days": 30}


def test_findings_carry_the_rule_article_action_and_json_facts(probe):
    (found,) = evaluate("probe", ("ZZ",), {}, dt.date(2025, 6, 1), PARAMETERS.as_mapping())
    assert (found.rule, found.pack, found.article, found.severity, found.action) == (
        "ZZ-1",
        "ZZ",
        "ZZ Art.1",
        "warn",
        "rectify",
    )
    assert found.facts == {"on": "2025-06-01", "ids": [1, 3], "pair": [1, 2]}
    json.dumps(found.facts)


@pytest.mark.parametrize(
    ("on", "evaluated"),
    [
        (dt.date(2024, 12, 31), False),
        (dt.date(2025, 1, 1), True),
        (dt.date(2025, 12, 31), True),
        (dt.date(2026, 1, 1), False),
    ],
)
def test_a_rule_out_of_force_is_not_evaluated_and_the_caller_is_told(probe, on, evaluated):
    _, seen = probe
    found = evaluate("probe", ("ZZ",), {}, on, PARAMETERS.as_mapping())
    assert bool(seen) is evaluated
    if not evaluated:
        assert [(f.rule, f.severity, f.article, f.facts["rules"]) for f in found] == [
            ("ZZ-IN-FORCE", "info", "ZZ Art.1", ["ZZ-1"])
        ]


def test_packs_other_than_the_requested_ones_are_not_evaluated(probe):
    assert evaluate("probe", ("DX",), {}, dt.date(2025, 6, 1), PARAMETERS.as_mapping()) == []


def test_duplicate_ids_are_refused(probe):
    r, _ = probe
    with pytest.raises(ValueError, match="duplicate"):
        register(Rule("ZZ-1", "ZZ", "ZZ Art.1", ("probe",), "x", "x", r.evaluate))


def test_json_safe_nested():
    assert json_safe({"a": [dt.date(2026, 1, 2), frozenset({"b", "a"})], 1: None}) == {
        "a": ["2026-01-02", ["a", "b"]],
        "1": None,
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"tz_problem_rate_high": 1.5},
        {"wx_uncontactable_share_max": -0.1},
        {"sb_staff_counting": "anyone"},
        {"wx_citywide_annual_report_rates": {2024: {"companies": 0.9}}},
    ],
)
def test_a_parameter_out_of_range_is_refused(changes):
    with pytest.raises(ValueError):
        dataclasses.replace(PARAMETERS, **changes)


async def test_an_enterprise_cannot_be_registered_before_its_address_was_published(uow):
    import datetime as dt

    from domain.errors import InvalidInput
    from tests import factories

    agency = await factories.agency(uow, today=dt.date(2025, 1, 10))
    address = await factories.published_address(uow, agency.id, today=dt.date(2025, 3, 1))
    with pytest.raises(InvalidInput) as refused:
        await factories.enterprise(uow, address.id, registered_on=dt.date(2025, 2, 28))
    assert refused.value.field == "registeredOn" and "2025-03-01" in refused.value.message_zh
    ok = await factories.enterprise(uow, address.id, registered_on=dt.date(2025, 3, 1))
    assert ok.registered_on == dt.date(2025, 3, 1)
