"""The Relay ``Node`` interface and the global ids of :mod:`domain.ids`."""

from __future__ import annotations

import strawberry

from domain.commands.common import MAX_ID
from domain.errors import DomainError
from domain.ids import from_global_id, is_decimal, to_global_id
from schema.errors import BadUserInput, from_domain


@strawberry.interface(description="An object with a global id (Relay object identification).")
class Node:
    id: strawberry.ID = strawberry.field(
        description="The global id: base64 of “Kind:key”; the change feed and open data use the same ids."
    )


def gid(kind: str, pk: int | str) -> strawberry.ID:
    return strawberry.ID(to_global_id(kind, pk))


def decode(value: str, kind: str | None = None, argument: str = "id") -> tuple[str, str]:
    """``(kind, key)`` of a global id; a malformed id or one of another kind is a BAD_USER_INPUT error."""
    try:
        return from_global_id(value, kind, argument)
    except DomainError as exc:
        raise from_domain(exc) from None


def decode_int(value: str, kind: str, argument: str = "id") -> int:
    _, pk = decode(value, kind, argument)
    if not is_decimal(pk) or not 0 < int(pk) <= MAX_ID:
        raise BadUserInput(f"{value!r} is not a valid {kind} id", messageZh=f"“{value}”不是有效的 {kind} ID")
    return int(pk)
