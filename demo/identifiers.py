"""Unified social credit codes (GB 32100-2015) for demo organisations, unique by construction.

Positions 9-17 of a USCC are the organisation code (GB 11714), whose last character is its own check
character; new registrations use bodies beginning ``MA``. A serial number is spread over the code space
by multiplying with a constant prime to the space's size, so codes look random, never repeat, and do not
depend on how the generator is chunked.
"""

from __future__ import annotations

from domain.validators import USCC_ALPHABET, uscc_check_character

_GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ALPHANUMERIC_SPACE = len(USCC_ALPHABET) ** 6
_NUMERIC_SPACE = 10**8
_SPREAD = 387_420_489  # 3**18: coprime with 31**6 and with 10**8


def _gb11714_check(body: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(body, _GB11714_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def organisation_code(serial: int, *, numeric: bool = False) -> str:
    """The 9-character organisation code for ``serial``: ``MA`` plus six characters (enterprises and
    social organisations), or eight digits (state organs, whose codes predate the ``MA`` series)."""
    if numeric:
        body = f"{(serial * _SPREAD + 12_345_678) % _NUMERIC_SPACE:08d}"
    else:
        n = (serial * _SPREAD + 7_777) % _ALPHANUMERIC_SPACE
        chars = []
        for _ in range(6):
            n, r = divmod(n, len(USCC_ALPHABET))
            chars.append(USCC_ALPHABET[r])
        body = "MA" + "".join(reversed(chars))
    return body + _gb11714_check(body)


def uscc(department_and_kind: str, area: str, serial: int) -> str:
    """A valid USCC: registration department and organisation kind (``91`` enterprise, ``92`` individual
    business, ``11`` state organ, ``31`` law firm), the registering area, the organisation code."""
    numeric = department_and_kind[0] == "1"
    first17 = f"{department_and_kind}{area}{organisation_code(serial, numeric=numeric)}"
    return first17 + uscc_check_character(first17)
