"""The lifecycles as explicit state machines: for each action, the states it may start from and the
state it leads to. An illegal move is refused naming the current state and the allowed ones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from domain.enums import AddressStatus as A
from domain.enums import AgencyStatus as G
from domain.enums import EnterpriseStatus as E
from domain.enums import NoticeStatus as N
from domain.errors import IllegalTransition


class Move(NamedTuple):
    allowed_from: frozenset[str]
    to: str


def _m(to: str, *sources: str) -> Move:
    return Move(frozenset(sources), to)


AGENCY: Mapping[str, Move] = {
    "suspend": _m(G.SUSPENDED, G.ACTIVE),
    "reinstate": _m(G.ACTIVE, G.SUSPENDED),
    "disqualify": _m(G.DISQUALIFIED, G.ACTIVE, G.SUSPENDED, G.TERMINATING),
    "begin_termination": _m(G.TERMINATING, G.ACTIVE, G.SUSPENDED),
    "terminate": _m(G.TERMINATED, G.TERMINATING),
}

# DX Art.7 / TZ §五(一)3 / WX Art.10: applied -> filed (备案) -> published (公示) -> registrations open.
ADDRESS: Mapping[str, Move] = {
    "approve": _m(A.FILED, A.APPLIED),
    "publish": _m(A.PUBLISHED, A.FILED),
    "suspend": _m(A.SUSPENDED, A.PUBLISHED),
    "reinstate": _m(A.PUBLISHED, A.SUSPENDED),
    "cancel": _m(A.CANCELLED, A.APPLIED, A.FILED, A.PUBLISHED, A.SUSPENDED),
    "begin_exit": _m(A.EXITING, A.PUBLISHED, A.SUSPENDED),
    "complete_exit": _m(A.EXITED, A.EXITING),
}

ENTERPRISE: Mapping[str, Move] = {
    "list_abnormal": _m(E.ABNORMAL, E.ACTIVE),
    "remove_abnormal": _m(E.ACTIVE, E.ABNORMAL),
    "move_out": _m(E.MOVED_OUT, E.ACTIVE, E.ABNORMAL, E.BUSINESS_SUSPENDED),
    "deregister": _m(E.DEREGISTERED, E.ACTIVE, E.ABNORMAL, E.MOVED_OUT, E.BUSINESS_SUSPENDED),
    # 歇业备案: an active enterprise suspends business and later resumes (WX Art.12 counts the filing).
    "file_business_suspension": _m(E.BUSINESS_SUSPENDED, E.ACTIVE),
    "resume_business": _m(E.ACTIVE, E.BUSINESS_SUSPENDED),
}

NOTICE: Mapping[str, Move] = {"withdraw": _m(N.WITHDRAWN, N.PUBLISHED)}

MACHINES: Mapping[str, Mapping[str, Move]] = {
    "Agency": AGENCY,
    "Address": ADDRESS,
    "Enterprise": ENTERPRISE,
    "Notice": NOTICE,
}


def next_status(kind: str, action: str, current: str) -> str:
    move = MACHINES[kind][action]
    if current not in move.allowed_from:
        raise IllegalTransition(kind, action, current, move.allowed_from)
    return move.to
