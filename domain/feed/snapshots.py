"""The snapshot: the current public state, page by page, and the change cursor it is at.

A client that starts from nothing, or whose cursor has expired, loads the snapshot and then follows the
changes after the cursor the snapshot states. The snapshot lists each kind of entity in key order and
continues from an opaque position, encoded as the change cursors are (domain/feed/cursors.py); each page
is read in one consistent snapshot with the head of the log, so following the changes from there
converges on the current state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import PUBLIC, AddressTable, Viewer, address_visible
from domain.feed.changes import FEED_KINDS
from domain.feed.cursors import CursorInvalid, decode_token, encode_token
from domain.feed.reading import consistent_read, head_seq, page_size
from domain.ids import is_decimal
from domain.model import Address, Agency, Enterprise, Jurisdiction, Notice
from domain.projections import projection_of

_SNAPSHOT_PREFIX = "snap:"

_SNAPSHOT_MODELS: dict[str, Any] = {
    "Jurisdiction": (Jurisdiction, Jurisdiction.code, Jurisdiction.code),
    "Agency": (Agency, Agency.id, Agency.jurisdiction_code),
    "Address": (Address, Address.id, Address.jurisdiction_code),
    "Enterprise": (Enterprise, Enterprise.id, Enterprise.jurisdiction_code),
    "Notice": (Notice, Notice.id, Notice.jurisdiction_code),
}


@dataclass(frozen=True)
class SnapshotEntity:
    kind: str
    id: str
    jurisdiction_code: str | None
    projection: dict[str, Any]
    position: str


@dataclass(frozen=True)
class SnapshotPage:
    entities: list[SnapshotEntity]
    change_seq: int
    """The newest ``seq`` in the same read: follow ``changes`` after it. Over several pages, follow after
    the first page's value; replaying the changes since then converges on the current state."""
    end: str | None
    """The position to continue from; ``None`` when the snapshot is complete. A page that ends exactly at
    the last entity still names a position, and the page after it is empty."""


def encode_snapshot_position(kind: str, key: object) -> str:
    return encode_token(f"{_SNAPSHOT_PREFIX}{kind}:{key}")


def decode_snapshot_position(value: str | None, field: str = "after") -> tuple[int, str | None]:
    """``(index of the kind in FEED_KINDS, last key read of that kind)``."""
    if value is None:
        return 0, None
    text = decode_token(value) or ""
    kind, _, key = text[len(_SNAPSHOT_PREFIX) :].partition(":")
    if not text.startswith(_SNAPSHOT_PREFIX) or kind not in FEED_KINDS or not key:
        raise CursorInvalid(field, value)
    if kind != "Jurisdiction" and not is_decimal(key):
        raise CursorInvalid(field, value)
    return FEED_KINDS.index(kind), key


def _snapshot_visible(kind: str, viewer: Viewer) -> ColumnElement[bool]:
    return address_visible(viewer, AddressTable()) if kind == "Address" else true()


async def read_snapshot(
    session: AsyncSession,
    *,
    after: str | None,
    first: int,
    kinds: Sequence[str] = (),
    jurisdiction_codes: frozenset[str] = frozenset(),
    viewer: Viewer = PUBLIC,
) -> SnapshotPage:
    """A page of the current public state (kind by kind, in key order) and the change cursor it is at."""
    limit = page_size(first)
    start_kind, last_key = decode_snapshot_position(after)
    wanted = [k for k in FEED_KINDS if not kinds or k in kinds]
    await consistent_read(session)
    change_seq = await head_seq(session)
    entities: list[SnapshotEntity] = []
    end: str | None = None
    for index, kind in enumerate(FEED_KINDS):
        if index < start_kind or kind not in wanted:
            continue
        model, key_col, jurisdiction_col = _SNAPSHOT_MODELS[kind]
        query = select(model).where(_snapshot_visible(kind, viewer)).order_by(key_col)
        if index == start_kind and last_key is not None:
            query = query.where(key_col > (last_key if kind == "Jurisdiction" else int(last_key)))
        if jurisdiction_codes:
            query = query.where(jurisdiction_col.in_(sorted(jurisdiction_codes)))
        rows = (await session.execute(query.limit(limit - len(entities)))).scalars().all()
        for row in rows:
            entity_kind, gid, jurisdiction, projection = projection_of(row)
            position = encode_snapshot_position(kind, row.code if kind == "Jurisdiction" else row.id)
            entities.append(SnapshotEntity(entity_kind, gid, jurisdiction, projection, position))
        if len(entities) == limit:
            end = entities[-1].position
            break
    return SnapshotPage(entities, change_seq, end)
