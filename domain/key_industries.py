"""Key industries an address can be set up to attract, and the GB/T 4754-2017 divisions behind each.

The names come from the seeds (Tongzhou §五(二)5; the Beijing 高精尖 plan for Daxing, BJ L1220). The
division lists are jiqun's own mapping, used only to match an enterprise's industry to an address's key
industries; the seeds give names, not codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyIndustry:
    key: str
    name_zh: str
    name_en: str
    divisions: frozenset[str]
    source: str


def _k(key: str, zh: str, en: str, divisions: str, source: str) -> KeyIndustry:
    return KeyIndustry(key, zh, en, frozenset(divisions.split()), source)


KEY_INDUSTRIES: dict[str, KeyIndustry] = {
    k.key: k
    for k in (
        _k("digital_economy", "数字经济", "Digital economy", "63 64 65", "TZ §五(二)5"),
        _k("modern_finance", "现代金融", "Modern finance", "66 67 68 69", "TZ §五(二)5"),
        _k("advanced_manufacturing", "先进制造", "Advanced manufacturing", "34 35 36 37 38 39 40", "TZ §五(二)5"),
        _k("business_services", "商务服务", "Business services", "71 72", "TZ §五(二)5"),
        _k("culture_tourism", "文化旅游", "Culture and tourism", "86 87 88 89 90", "TZ §五(二)5"),
        _k("modern_seed", "现代种业", "Modern seed industry", "01 05", "TZ §五(二)5"),
        _k("medicine_health", "医药健康", "Medicine and health", "27 73 84", "BJ L1220"),
        _k("hydrogen_energy", "氢能", "Hydrogen energy", "44 45", "BJ L1220"),
        _k("commercial_aerospace", "商业航天", "Commercial aerospace", "37", "BJ L1220"),
        _k("technology_services", "科技服务", "Technology services", "73 74 75", "BJ L1062-1190"),
    )
}


def key_industries_of(industry_code: str) -> list[str]:
    """The key industries an enterprise with this GB/T 4754 code belongs to."""
    division = industry_code[:2]
    return sorted(k for k, v in KEY_INDUSTRIES.items() if division in v.divisions)
