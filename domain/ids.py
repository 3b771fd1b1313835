"""Relay global ids: ``base64("Kind:pk")``. The change log and the API share them."""

from __future__ import annotations

import base64
import binascii

from domain.errors import InvalidInput

KINDS = ("Jurisdiction", "Agency", "Address", "Enterprise", "Notice", "ApiKey", "Score", "SupervisionRun")


def is_decimal(value: str) -> bool:
    """Whether ``value`` is made of the digits 0-9 only.

    ``str.isdigit`` also accepts superscripts and other Unicode digits, which ``int()`` then refuses
    (``"¹"``) or which name no key of ours; every key and code typed by a client is checked with this."""
    return value.isascii() and value.isdigit()


def to_global_id(kind: str, pk: int | str) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode("ascii")


def from_global_id(value: str, expected_kind: str | None = None, field: str = "id") -> tuple[str, str]:
    """Decode a global id into ``(kind, pk)``; a malformed id or one of another kind is refused."""
    try:
        kind, _, pk = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeError, ValueError):
        kind, pk = "", ""
    if kind not in KINDS or not pk:
        raise InvalidInput(field, f"{value!r} is not a valid global id", f"“{value}”不是有效的全局 ID")
    if expected_kind is not None and kind != expected_kind:
        raise InvalidInput(
            field,
            f"{value!r} is a {kind} id, not a {expected_kind} id",
            f"“{value}”是 {kind} 的 ID，不是 {expected_kind}",
        )
    return kind, pk


def int_pk(value: str, expected_kind: str, field: str = "id") -> int:
    _, pk = from_global_id(value, expected_kind, field)
    if not is_decimal(pk):
        raise InvalidInput(field, f"{value!r} is not a valid global id", f"“{value}”不是有效的全局 ID")
    return int(pk)
