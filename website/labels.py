"""Bilingual names of every code the website shows, so no page ever shows a raw enum value.

The open-data Table Schemas already name each published category as ``"中文 / English"``
(opendata/schemas/); the website reads those, so a label is written once for both channels. The few
codes the public schemas leave out (states an address passes through before publication, which still
appear in its status history) are named here.
"""

from __future__ import annotations

from functools import cache

from domain.commands.scores import SB_EVALUATION, TZ_ADDRESS, TZ_HOST_UNIT, WX_RATING
from opendata.packages import load_schema

# (resource, field) of each Table Schema category the site shows.
_SOURCES: dict[str, tuple[str, str]] = {
    "address_status": ("addresses", "status"),
    "address_kind": ("addresses", "kind"),
    "agency_status": ("agencies", "status"),
    "agency_role": ("agencies", "role"),
    "agency_kind": ("agencies", "kind"),
    "grade": ("agencies", "latest_grade"),
    "notice_kind": ("notices", "kind"),
    "notice_status": ("notices", "status"),
    "subject_kind": ("notices", "subject_kind"),
    "industry": ("address_key_industries", "industry"),
}

# Codes absent from the public categories: an address's status before publication (its history shows
# them), the severities of rule findings, the scoring schemes and the grades they give.
_EXTRA: dict[str, dict[str, tuple[str, str]]] = {
    "address_status": {"applied": ("已申请", "Applied"), "filed": ("已备案", "Filed")},
    "severity": {"block": ("阻止", "Blocking"), "warn": ("警告", "Warning"), "info": ("提示", "Information")},
    "scheme": {
        WX_RATING: ("无锡市托管机构信用等级评价", "Wuxi agency credit rating"),
        TZ_ADDRESS: ("通州区集群注册地址监测指标", "Tongzhou address indicators"),
        TZ_HOST_UNIT: ("通州区主办单位监测指标", "Tongzhou host-unit indicators"),
        SB_EVALUATION: ("北京市小微企业创业创新示范基地认定", "Beijing demonstration-base evaluation"),
    },
    "score_grade": {
        **{g: (f"{g}级", f"Grade {g}") for g in "ABCD"},
        "ok": ("正常", "No trigger met"),
        "alert": ("预警", "Alert"),
        "pass": ("符合条件", "Eligible"),
        "fail": ("不符合条件", "Not eligible"),
    },
}


@cache
def table(name: str) -> dict[str, tuple[str, str]]:
    """``code -> (Chinese, English)`` for one kind of code."""
    labels = dict(_EXTRA.get(name, {}))
    if name in _SOURCES:
        resource, field_name = _SOURCES[name]
        field = next(f for f in load_schema(resource)["fields"] if f["name"] == field_name)
        for category in field["categories"]:
            zh, _, en = str(category["label"]).partition(" / ")
            labels[str(category["value"])] = (zh.strip(), en.strip() or zh.strip())
    return labels


class UnknownCode(LookupError):
    """A code with no label: a new enum value must be named before a page can show it."""


def label(name: str, code: str | None, lang: str) -> str:
    """The name of ``code`` in ``lang`` (``zh`` or ``en``); ``""`` for no code."""
    if code is None or code == "":
        return ""
    try:
        zh, en = table(name)[code]
    except KeyError:
        raise UnknownCode(f"no label for {name} {code!r}") from None
    return en if lang == "en" else zh
