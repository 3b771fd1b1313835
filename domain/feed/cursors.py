"""The opaque cursors the feed hands out, and the errors that refuse a cursor.

A cursor names a ``seq``: "everything up to and including this change". Clients store it with their data
and send it back, so its form is ours alone: base64 of a prefixed text, URL-safe, that only this module
writes and reads. The snapshot's positions use the same encoding (:mod:`domain.feed.snapshots`). The
errors live here because each one names the cursor a client should act on, in the same encoding.
"""

from __future__ import annotations

import base64
import binascii

from domain.errors import DomainError
from domain.ids import is_decimal

_CHANGE_PREFIX = "seq:"


class CursorInvalid(DomainError):
    def __init__(self, field: str, value: str) -> None:
        super().__init__(
            "CURSOR_INVALID",
            f"{value!r} is not a cursor this server issued",
            f"“{value}”不是本服务签发的游标",
            field=field,
        )


class CursorExpired(DomainError):
    """The changes right after the cursor are no longer kept: the client must reload the snapshot."""

    def __init__(self, cursor: int, retention_days: float | None) -> None:
        super().__init__(
            "CURSOR_EXPIRED",
            "the changes after this cursor are older than the change log keeps; reload the snapshot "
            "(query `snapshot`) and follow `changes` after the cursor it states",
            "该游标之后的变更已超出变更日志的保留期限；请重新获取快照（查询 snapshot），再从其给出的游标继续订阅",
            field="after",
            details={"cursor": encode_cursor(cursor), "retentionDays": retention_days},
        )


class CursorUnknown(DomainError):
    """A cursor beyond the newest change: from another server or from before a database restore."""

    def __init__(self, cursor: int, head: int) -> None:
        super().__init__(
            "CURSOR_UNKNOWN",
            "this cursor is newer than the newest change on this server; it belongs to another deployment or "
            "to a database since restored — reload the snapshot",
            "该游标比本服务最新的变更还新，可能来自其他部署或数据库已被恢复；请重新获取快照",
            field="after",
            details={"cursor": encode_cursor(cursor), "headCursor": encode_cursor(head)},
        )


def encode_token(text: str) -> str:
    """``text`` as an opaque, URL-safe token (unpadded base64)."""
    return base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")


def decode_token(value: str) -> str | None:
    """The text of a token :func:`encode_token` made, or ``None`` for anything else."""
    if not value or len(value) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None


def encode_cursor(seq: int) -> str:
    """The opaque change cursor for ``seq``; URL-safe, so partners may also put it in a query string."""
    return encode_token(f"{_CHANGE_PREFIX}{seq}")


def decode_cursor(value: str | None, field: str = "after") -> int:
    """``None`` means the beginning of the log (seq 0)."""
    if value is None:
        return 0
    text = decode_token(value)
    number = text[len(_CHANGE_PREFIX) :] if text and text.startswith(_CHANGE_PREFIX) else ""
    if not is_decimal(number) or len(number) > 18:
        raise CursorInvalid(field, value)
    return int(number)
