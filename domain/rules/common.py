"""Helpers several packs share: calendar arithmetic, credit-record windows, industry and scope matching."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain import labels


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def as_date(value: Any) -> dt.date | None:
    """A date fact, given as a date or an ISO string, or None."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def date_of(value: Any) -> dt.date:
    """A date fact the rule cannot do without."""
    day = as_date(value)
    if day is None:
        raise ValueError("a required date fact is missing")
    return day


def listings_in_window(
    credit_facts: Iterable[Mapping[str, Any]],
    *,
    subjects: Sequence[str],
    kinds: Sequence[str],
    start: dt.date,
    end: dt.date,
) -> list[dict[str, Any]]:
    """Credit listings of the given subjects and kinds that were in effect at any time in
    ``[start, end]``: listed on or before ``end`` and not removed before ``start``."""
    hits = []
    for fact in credit_facts:
        listed, removed = as_date(fact["listed_on"]), as_date(fact.get("removed_on"))
        if fact["subject"] not in subjects or fact["kind"] not in kinds or listed is None:
            continue
        if listed <= end and (removed is None or removed >= start):
            hits.append({"subject": fact["subject"], "kind": fact["kind"], "listed_on": listed, "removed_on": removed})
    return hits


def describe_listings(hits: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """The listings found by :func:`listings_in_window`, in Chinese and in English, for a finding's message."""
    return (
        "；".join(f"{labels.zh(h['subject'])}自 {h['listed_on']} 列入{labels.zh(h['kind'])}" for h in hits),
        "; ".join(f"{labels.en(h['subject'])} on the {labels.en(h['kind'])} since {h['listed_on']}" for h in hits),
    )


@dataclass(frozen=True)
class IndustryCategory:
    """Activities identified by GB/T 4754-2017 code prefixes and by keywords in a business scope."""

    key: str
    name_zh: str
    name_en: str
    code_prefixes: tuple[str, ...]
    keywords: tuple[str, ...]


# A scope item that sells know-how about an activity (咨询, 技术服务, 设计, ...) is not the activity: an
# item such as "智能制造技术服务" or "物流信息咨询" does not make its holder a manufacturer or a carrier.
SERVICE_QUALIFIERS: tuple[str, ...] = (
    "技术服务",
    "技术开发",
    "技术咨询",
    "技术推广",
    "技术转让",
    "技术交流",
    "咨询",
    "设计",
    "软件",
    "研发",
    "信息服务",
    "策划",
    "安全生产",
)

_SCOPE_SEPARATORS = re.compile(r"[；;、，,。\n]|许可项目[：:]|一般项目[：:]")


def scope_items(scope: str) -> list[str]:
    """A business scope split into its items (经营范围 lists items separated by 、；，)."""
    return [item.strip(" （）()") for item in _SCOPE_SEPARATORS.split(scope or "") if item.strip(" （）()")]


def match_categories(
    industry_code: str, scope: str, categories: Iterable[IndustryCategory], *, skip_service_items: bool = False
) -> list[dict[str, Any]]:
    """Each category the enterprise falls in, with the evidence: the matching industry code prefix
    and/or the scope items that name the activity. With ``skip_service_items``, items that only offer
    services about an activity (:data:`SERVICE_QUALIFIERS`) do not count as the activity."""
    items = scope_items(scope)
    if skip_service_items:
        items = [i for i in items if not any(q in i for q in SERVICE_QUALIFIERS)]
    matches = []
    for category in categories:
        prefix = next((p for p in category.code_prefixes if industry_code.startswith(p)), None)
        named = [i for i in items if any(k.lower() in i.lower() for k in category.keywords)]
        if prefix or named:
            matches.append(
                {"category": category.key, "name_zh": category.name_zh, "code_prefix": prefix, "scope_items": named}
            )
    return matches


def has_permit_items(permit_items: bool, scope: str) -> bool:
    """Whether the scope contains licensed items: the declared flag, or a "许可项目：" section (the
    standard scope format lists licensed items under that heading)."""
    return bool(permit_items) or bool(re.search(r"许可项目[：:]", scope or ""))


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


_FULL_WIDTH = str.maketrans("０１２３４５６７８９－（）", "0123456789-()")
_BUILDING = re.compile(r"号楼|院|栋|幢|座")  # "3楼" alone is a floor


def same_premises(registered: str, actual: str) -> bool:
    """Whether ``actual`` names the premises at ``registered`` (DX Art.9(3), TZ §五(一)2): equal after
    normalising spaces and full-width characters, or the registered address with only a floor or room
    added. A longer number ("3号" → "31号") or another building or compound part ("3号" → "3号2号楼")
    is other premises: a prefix test would take both for the registered one."""
    reg = "".join(registered.split()).translate(_FULL_WIDTH)
    act = "".join(actual.split()).translate(_FULL_WIDTH)
    if act == reg:
        return True
    if not reg or not act.startswith(reg):
        return False
    rest = act[len(reg) :]
    continues_number = reg[-1].isdigit() and rest[0].isdigit()
    return not continues_number and _BUILDING.search(rest) is None
