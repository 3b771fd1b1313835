"""Validators for the identifiers and values the registry accepts.

They raise :class:`~domain.errors.InvalidInput` with a bilingual message naming the field, so a bad value
is refused by the command before it reaches the database (a database error is never the first line of
defence).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal, overload

from domain.errors import InvalidInput
from domain.ids import is_decimal
from domain.industries import DIVISIONS

# GB 32100-2015 §4: the 31 characters of the code, in the order that gives each its value.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
# Position 1: registration-management department code (GB 32100-2015 table 1).
_USCC_DEPARTMENTS = set("123456789ABCDEFGNY")
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
_INDUSTRY_DIGITS_RE = re.compile(r"[0-9]{2,4}")  # ASCII digits only: str.isdigit() also takes "６"
_DIVISION_RE = re.compile(r"[0-9]{6}")

# GB/T 2260 province-level prefixes (including 71 Taiwan, 81 Hong Kong, 82 Macao).
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
    "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
}  # fmt: skip


def uscc_check_character(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a USCC."""
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str, field: str = "uscc") -> str:
    """Normalise (strip, upper-case) and check a 统一社会信用代码; return the normalised code."""
    code = (value or "").strip().upper()
    if not _USCC_RE.match(code):
        raise InvalidInput(
            field,
            f"{code!r} is not a unified social credit code: 18 characters of 0-9 and A-Y except I, O, S, V, Z",
            f"“{code}”不是统一社会信用代码：应为 18 位数字或大写字母（不含 I、O、S、V、Z）",
            value=code,
        )
    if code[0] not in _USCC_DEPARTMENTS:
        raise InvalidInput(
            field,
            f"{code}: the first character (registration department) must be one of 1-9, A-G, N, Y",
            f"{code}：第 1 位（登记管理部门代码）应为 1-9、A-G、N、Y 之一",
            value=code,
        )
    if not is_decimal(code[2:8]):
        raise InvalidInput(
            field,
            f"{code}: characters 3-8 must be the registering authority's administrative-division code",
            f"{code}：第 3-8 位应为登记管理机关行政区划码",
            value=code,
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise InvalidInput(
            field,
            f"{code}: check character is {code[17]}, GB 32100-2015 gives {expected}",
            f"{code}：校验码为 {code[17]}，按 GB 32100-2015 应为 {expected}",
            value=code,
        )
    return code


def validate_division_code(value: str, field: str = "jurisdictionCode") -> str:
    """Check the shape of a GB/T 2260 administrative-division code (six digits, a known province)."""
    code = (value or "").strip()
    if not (_DIVISION_RE.fullmatch(code) and code[:2] in _PROVINCES):
        raise InvalidInput(
            field,
            f"{code!r} is not a GB/T 2260 administrative-division code (six digits, known province prefix)",
            f"“{code}”不是 GB/T 2260 行政区划代码（6 位数字，省级前两位有效）",
            value=code,
        )
    return code


def validate_industry_code(value: str, field: str = "industryCode") -> str:
    """Normalise a GB/T 4754-2017 code: an optional section letter, then a division (2 digits),
    group (3) or class (4). Returns the digits; the section is derived from the division."""
    raw = (value or "").strip().upper()
    digits = raw[1:] if raw[:1].isalpha() else raw
    division = DIVISIONS.get(digits[:2]) if _INDUSTRY_DIGITS_RE.fullmatch(digits) else None
    if division is None or (raw[:1].isalpha() and raw[0] != division.section):
        raise InvalidInput(
            field,
            f"{raw!r} is not a GB/T 4754-2017 industry code (division, group or class of a known division)",
            f"“{raw}”不是 GB/T 4754-2017 国民经济行业代码",
            value=raw,
        )
    return digits


@overload
def validate_text(value: str | None, field: str, *, max_length: int, required: Literal[True] = True) -> str: ...
@overload
def validate_text(value: str | None, field: str, *, max_length: int, required: bool) -> str | None: ...
def validate_text(value: str | None, field: str, *, max_length: int, required: bool = True) -> str | None:
    """Strip surrounding blanks and enforce a length; control characters are refused."""
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(field, f"{field} is required", f"{field} 为必填项")
        return None
    if len(text) > max_length:
        raise InvalidInput(
            field,
            f"{field} is {len(text)} characters long; at most {max_length} are allowed",
            f"{field} 长度为 {len(text)} 个字符，最多允许 {max_length} 个",
            length=len(text),
            maxLength=max_length,
        )
    # Control characters and lone surrogates (which JSON can carry but UTF-8 cannot store) are refused.
    if any((ord(c) < 32 and c not in "\n\t") or 0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise InvalidInput(field, f"{field} contains control or invalid characters", f"{field} 含有控制字符或无效字符")
    return text


def validate_date_order(earlier: dt.date | None, later: dt.date | None, field: str) -> None:
    if earlier is not None and later is not None and later < earlier:
        raise InvalidInput(
            field,
            f"{field} ({later.isoformat()}) is before {earlier.isoformat()}",
            f"{field}（{later.isoformat()}）早于 {earlier.isoformat()}",
        )


def validate_positive(value: int, field: str, *, maximum: int = 1_000_000) -> int:
    if not 0 < value <= maximum:
        raise InvalidInput(
            field,
            f"{field} must be between 1 and {maximum}, not {value}",
            f"{field} 应在 1 到 {maximum} 之间，当前为 {value}",
        )
    return value


def validate_coordinates(lat: float | None, lon: float | None) -> None:
    """WGS-84 latitude and longitude, both or neither."""
    if (lat is None) != (lon is None):
        raise InvalidInput("latitude", "give both latitude and longitude, or neither", "经纬度须同时提供或同时为空")
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(
            "latitude", f"({lat}, {lon}) is not a WGS-84 coordinate", f"（{lat}，{lon}）不是有效的 WGS-84 坐标"
        )


def validate_id_number(value: str | None, field: str) -> str | None:
    """An 18-character resident identity number with its GB 11643 check digit."""
    from domain.privacy import id_number_valid

    if value is None or not value.strip():
        return None
    code = value.strip().upper()
    if not id_number_valid(code):
        raise InvalidInput(field, f"{field} is not a valid resident identity number", f"{field} 不是有效的居民身份号码")
    return code


_PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{6,18}[0-9]$")


def validate_phone(value: str | None, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    phone = value.strip()
    if not _PHONE_RE.match(phone):
        raise InvalidInput(field, f"{field} is not a phone number", f"{field} 不是有效的电话号码")
    return phone
