"""Patterns of personal data that must never leave through a public channel (invariant 4, docs/architecture.md).

Used to refuse notice texts that carry them, by the publisher before it writes a release, and by the
tests that scan every public output. Resident identity numbers are matched with their GB 11643 check
digit, so a unified social credit code is not mistaken for one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from domain.ids import is_decimal

_ID_RE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
_MOBILE_RE = re.compile(r"(?<![\d.])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![\d])")
_LANDLINE_RE = re.compile(r"(?<![\d.])0\d{2,3}-\d{7,8}(?!\d)")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number_check_character(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of a resident identity number."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def id_number_valid(value: str) -> bool:
    """GB 11643-1999 check digit of an 18-character resident identity number."""
    if len(value) != 18 or not is_decimal(value[:17]):
        return False
    return id_number_check_character(value[:17]) == value[17].upper()


def find_personal_data(text: str) -> Iterator[tuple[str, str]]:
    """Yield ``(kind, match)`` for each identity number or phone number in ``text``."""
    for m in _ID_RE.finditer(text):
        if id_number_valid(m.group()):
            yield "id_number", m.group()
    for m in _MOBILE_RE.finditer(text):
        yield "phone", m.group()
    for m in _LANDLINE_RE.finditer(text):
        yield "phone", m.group()


def contains_personal_data(text: str) -> bool:
    return next(find_personal_data(text), None) is not None
