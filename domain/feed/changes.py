"""A change-log row as the feed hands it out, and a page of them.

These records sit below everything else in the feed: the filters test them in memory, the reads and the
shared tail build them from rows, and a follower passes pages of them on. Keeping them apart from the
code that reads them is what lets each of those modules import them without importing one another.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from domain.feed.cursors import encode_cursor
from domain.model import ChangeLogEntry

FEED_KINDS = ("Jurisdiction", "Agency", "Address", "Enterprise", "Notice")
"""The kinds of entity the feed carries, in the order a snapshot lists them."""


@dataclass(frozen=True)
class Change:
    seq: int
    occurred_at: dt.datetime
    type: str
    entity_kind: str
    entity_id: str
    jurisdiction_code: str | None
    changed_fields: list[str]
    projection: dict[str, Any] | None

    @property
    def cursor(self) -> str:
        return encode_cursor(self.seq)

    @property
    def deleted(self) -> bool:
        return self.projection is None


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    end_seq: int
    """Resume after this: the last change returned when more follow, otherwise the newest ``seq`` read,
    so a client moves past changes it may not see or did not ask for."""
    has_more: bool
    head_seq: int


def change_of(row: ChangeLogEntry) -> Change:
    return Change(
        seq=row.seq,
        occurred_at=row.occurred_at,
        type=row.type,
        entity_kind=row.entity_kind,
        entity_id=row.entity_id,
        jurisdiction_code=row.jurisdiction_code,
        changed_fields=list(row.changed_fields or []),
        projection=row.projection,
    )
