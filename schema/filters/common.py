"""Pieces every list filter uses: jurisdiction scopes, text search, argument checks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select

from domain.errors import DomainError
from domain.model import Jurisdiction
from domain.validators import validate_division_code
from schema.errors import BadUserInput, from_domain

MAX_TEXT_QUERY = 100


def within_jurisdiction(column: Any, code: str, argument: str = "jurisdictionCode") -> ColumnElement[bool]:
    """Rows in ``code`` or, when it is a city, in any district under it (320200 covers 320205, ...)."""
    try:
        code = validate_division_code(code, argument)
    except DomainError as exc:
        raise from_domain(exc) from None
    return column.in_(select(Jurisdiction.code).where(or_(Jurisdiction.code == code, Jurisdiction.parent_code == code)))


def search_text(value: str, argument: str = "text") -> str:
    text = value.strip()
    if not text or len(text) > MAX_TEXT_QUERY:
        raise BadUserInput(
            f"{argument} must be 1 to {MAX_TEXT_QUERY} characters",
            messageZh=f"{argument} 应为 1 到 {MAX_TEXT_QUERY} 个字符",
            argument=argument,
        )
    return text


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match with ``%`` and ``_`` taken literally."""
    return column.icontains(text, autoescape=True)


def values(items: list[Any] | None) -> list[str] | None:
    """Enum members as their stored strings; ``None`` when the filter is absent."""
    if items is None:
        return None
    return [getattr(i, "value", i) for i in items]
