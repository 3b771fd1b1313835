"""Findings and refusals name coded values by their bilingual labels, never by the code itself."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import pytest

from domain import enums, labels
from domain.errors import IllegalTransition
from domain.key_industries import KEY_INDUSTRIES
from domain.lifecycle import MACHINES
from tests.rule_support import check, raw_codes


def _enums() -> list[type[StrEnum]]:
    return [e for e in vars(enums).values() if isinstance(e, type) and issubclass(e, StrEnum) and e is not StrEnum]


@pytest.mark.parametrize("enum", _enums(), ids=lambda e: e.__name__)
def test_every_enum_value_has_a_label(enum):
    assert [m.value for m in enum if not labels.has_label(m.value)] == []


def test_every_key_industry_and_lifecycle_action_has_a_label():
    codes = set(KEY_INDUSTRIES) | {action for machine in MACHINES.values() for action in machine}
    assert sorted(c for c in codes if not labels.has_label(c)) == []


def test_the_detector_catches_the_codes_it_is_for():
    assert raw_codes("legal_representative/dishonest_debtor 自 2024-06-01", chinese=True)
    assert raw_codes("地址当前状态为 suspended", chinese=True)
    assert raw_codes("kind other_enterprise is not listed", chinese=False)
    assert not raw_codes("the address is suspended", chinese=False)


def test_credit_listings_are_named_in_words():
    facts = {
        "application_date": dt.date(2026, 3, 2),
        "credit_facts": [
            {
                "subject": "legal_representative",
                "kind": "dishonest_debtor",
                "listed_on": dt.date(2024, 6, 1),
                "removed_on": None,
            }
        ],
    }
    found = check("DX-4.2", facts)[0]
    assert "法定代表人" in found.message_zh and "失信被执行人名单" in found.message_zh
    assert "legal representative on the list of dishonest judgment debtors" in found.message_en


def test_an_unlisted_agency_kind_is_named_in_words():
    found = check("WX-8.1", {"kind": "other_enterprise"})[0]
    assert "“其他企业”" in found.message_zh and "“other enterprise”" in found.message_en


def test_priority_intake_names_industries_and_foreign_investment_in_words():
    facts = {
        "kind": "foreign_invested",
        "industry_code": "6510",
        "business_scope": "软件开发",
        "enterprise_key_industries": ["digital_economy"],
        "address_kind": "cluster_registration",
        "actual_address": None,
        "registered_address": "北京市通州区新华西街1号",
    }
    found = check("TZ-5.2.5", facts, checkpoint="enterprise.register")[0]
    assert "数字经济、外商投资企业和外资代表机构" in found.message_zh
    assert "digital economy, foreign-invested enterprises" in found.message_en


def test_individual_business_rate_reads_in_english():
    facts = {
        "annual_report_by_kind": {
            "individual_business": {"year": 2024, "due": 10, "on_time": 5, "rate": 0.5, "missing": [1, 2, 3, 4, 5]},
        },
        "citywide_annual_report_rates": {"year": 2024, "source": "parameter", "individual_business": 0.8},
    }
    found = check("WX-26.4", facts)[0]
    assert "hosted individual businesses filed 2024" in found.message_en and "托管的个体工商户" in found.message_zh


def test_an_illegal_transition_names_states_and_actions_in_words():
    err = IllegalTransition("Address", "suspend", "exited", {"published"})
    assert err.message_zh == "地址当前状态为“已退出”，不能暂停；仅在以下状态可以：已公示"
    assert err.message_en == "cannot suspend an Address that is exited; allowed only when: published"
    assert not raw_codes(err.message_zh, chinese=True)
