"""Numbers from the address bar: ASCII digits only (``"²".isdigit()`` is true, ``int("²")`` fails)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,9}")


def positive_int(raw: str) -> int | None:
    """``raw`` as a number from 1 to 999,999,999, or None."""
    return int(raw) if _DIGITS.fullmatch(raw) and int(raw) > 0 else None
