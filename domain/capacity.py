"""Free places (空余席位) and whether an address takes registrations, stated once.

Registrations open when an address is published (公示; DX Art.7, TZ §五(一)3, WX Art.10) and only while
it stays so: an address applied for or filed is not yet open, and a suspended, cancelled, exiting or
exited one is closed. A closed address has no free places, whatever its capacity: reporting its
capacity minus occupancy would offer places nobody can register at. The Python and SQL renderings
below say the same thing, so a search and the page that shows its result agree.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, case

from domain.enums import AddressStatus
from domain.model import Address

ACCEPTING_STATUSES: frozenset[str] = frozenset({AddressStatus.PUBLISHED})
"""The states in which an address accepts new registrations."""


def accepts_registrations(status: str) -> bool:
    return status in ACCEPTING_STATUSES


def free_places(status: str, capacity: int, occupied: int) -> int:
    """Places an enterprise could still register at: 0 unless the address accepts registrations."""
    return max(capacity - occupied, 0) if accepts_registrations(status) else 0


def accepting_sql() -> ColumnElement[bool]:
    """:func:`accepts_registrations` as SQL over the ``addresses`` table."""
    return Address.status.in_(sorted(ACCEPTING_STATUSES))


def free_places_sql() -> ColumnElement[int]:
    """:func:`free_places` as SQL over the ``addresses`` table."""
    return case(
        (accepting_sql() & (Address.capacity > Address.occupied), Address.capacity - Address.occupied),
        else_=0,
    )
