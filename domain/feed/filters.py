"""Which changes a client asked for and which it may see, in SQL and in memory alike.

A client's arguments (entity kinds, event types, jurisdictions) are checked and resolved here once, into
a :class:`FeedFilter`. The filter and the viewer's visibility (domain/access.py) are then applied in two
renderings that must select the same changes: :func:`apply_filter` adds them to a query over the change
log (a read from the database), :func:`matches` tests a change already in memory (a page from the shared
tail, domain/feed/tail.py). They stand side by side so that a change to one is seen next to the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import ChangeColumns, ChangeProjection, Viewer, change_visible, jurisdiction_and_below
from domain.db import AnySelect
from domain.errors import InvalidInput, NotFound
from domain.feed.changes import FEED_KINDS, Change
from domain.model import ChangeLogEntry
from domain.validators import validate_division_code

MAX_FILTER_VALUES = 50
_TYPE_RE = re.compile(r"^[a-z][a-z_]{0,30}\.[a-z][a-z_]{0,30}$")


@dataclass(frozen=True)
class FeedFilter:
    """Which changes a client asked for; an empty set means "all"."""

    entity_kinds: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    jurisdiction_codes: frozenset[str] = frozenset()


EVERYTHING = FeedFilter()


def _values(values: Iterable[str] | None, field: str) -> list[str]:
    items = list(dict.fromkeys(values or ()))
    if len(items) > MAX_FILTER_VALUES:
        raise InvalidInput(field, f"at most {MAX_FILTER_VALUES} values", f"最多 {MAX_FILTER_VALUES} 个取值")
    return items


async def expand_jurisdictions(
    session: AsyncSession, codes: Iterable[str] | None, field: str = "jurisdictionCodes"
) -> frozenset[str]:
    """The codes and, for a city, its districts; an unknown code is refused, not silently ignored."""
    wanted = [validate_division_code(c, field) for c in _values(codes, field)]
    found = await jurisdiction_and_below(session, wanted)
    missing = set(wanted) - found
    if missing:
        raise NotFound("Jurisdiction", ", ".join(sorted(missing)), field)
    return found


async def resolve_filter(
    session: AsyncSession,
    *,
    entity_kinds: Iterable[str] | None = None,
    types: Iterable[str] | None = None,
    jurisdiction_codes: Iterable[str] | None = None,
) -> FeedFilter:
    kinds = _values(entity_kinds, "entityKinds")
    unknown = sorted(set(kinds) - set(FEED_KINDS))
    if unknown:
        allowed = ", ".join(FEED_KINDS)
        raise InvalidInput(
            "entityKinds",
            f"unknown entity kinds {unknown}; allowed: {allowed}",
            f"未知的实体类型 {unknown}；可选：{allowed}",
        )
    type_values = _values(types, "types")
    bad = [t for t in type_values if not _TYPE_RE.match(t)]
    if bad:
        raise InvalidInput(
            "types",
            f"{bad[0]!r} is not an event type such as 'address.published'",
            f"“{bad[0]}”不是事件类型（例如 address.published）",
        )
    return FeedFilter(frozenset(kinds), frozenset(type_values), await expand_jurisdictions(session, jurisdiction_codes))


def apply_filter(query: AnySelect, wanted: FeedFilter, viewer: Viewer) -> AnySelect:
    """``query`` (over the change log) narrowed to what ``wanted`` selects and ``viewer`` may see."""
    if wanted.entity_kinds:
        query = query.where(ChangeLogEntry.entity_kind.in_(sorted(wanted.entity_kinds)))
    if wanted.types:
        query = query.where(ChangeLogEntry.type.in_(sorted(wanted.types)))
    if wanted.jurisdiction_codes:
        query = query.where(ChangeLogEntry.jurisdiction_code.in_(sorted(wanted.jurisdiction_codes)))
    return query.where(change_visible(viewer, ChangeColumns()))


def matches(change: Change, wanted: FeedFilter, viewer: Viewer) -> bool:
    """:func:`apply_filter` for a change already in memory: the same filter and the same visibility."""
    if wanted.entity_kinds and change.entity_kind not in wanted.entity_kinds:
        return False
    if wanted.types and change.type not in wanted.types:
        return False
    if wanted.jurisdiction_codes and change.jurisdiction_code not in wanted.jurisdiction_codes:
        return False
    return change_visible(
        viewer, ChangeProjection(change.entity_kind, change.jurisdiction_code, change.projection or {})
    )
