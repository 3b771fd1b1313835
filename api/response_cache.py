"""Answers to public reads, reused while the registry has not changed.

Investment-promotion sites ask the same searches all day. The answer to an anonymous or partner query
depends only on the document, its variables, the role, and the registry's state. The change log's head
``seq`` names that state: every committed change moves it (invariants 1 and 2, docs/architecture.md).
The date in China names the rest, for fields and filters that count days. So an answer is stored with
the :class:`Stamp` it was computed at, read *before* execution (a change committing during execution
leaves the entry stale at once), and reused only while the stamp is unchanged. A client told that its
change committed therefore never gets an answer from before it: the head it reads has moved past the
entry's.

The stamp costs one indexed single-row read per request; a hit costs nothing else. Only answers without
errors are stored. Roles that see more than the public (agencies, regulators, administrators) are not
cached: their answers depend on who asks. Nor are the change feed's ``changes`` and ``snapshot``: pruning
the log (``jiqun feed prune``, ``JIQUN_FEED_RETENTION_DAYS``) expires cursors without moving the head, and
partners page through the feed once rather than asking the same thing all day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from graphql import BREAK, DocumentNode, FieldNode, Visitor, visit

from api.json_text import encode_json
from domain.enums import Role

# Roles whose answers are the public registry's, the same for every caller of the role.
CACHED_ROLES = frozenset({Role.ANONYMOUS, Role.PARTNER})
# Fields whose answers depend on what the change log still keeps (see the module).
FEED_FIELDS = frozenset({"changes", "snapshot"})


def reads_the_feed(document: DocumentNode) -> bool:
    """Whether any selection of ``document`` (in any operation or fragment) is a change-feed field."""
    found = False

    class Finder(Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> object:
            nonlocal found
            if node.name.value in FEED_FIELDS:
                found = True
                return BREAK
            return None

    visit(document, Finder())
    return found


@dataclass(frozen=True)
class Stamp:
    """The state an answer reflects: the change log's head and the day in China."""

    seq: int
    day: dt.date

    def etag(self, key: str) -> str:
        """An entity tag that changes whenever the answer to ``key`` may: a client holding it may be told
        ``304 Not Modified`` without the query running."""
        return f'"{self.seq}.{self.day.isoformat()}.{key[:24]}"'


@dataclass(frozen=True)
class Answer:
    stamp: Stamp
    data: Any
    extensions: dict[str, Any]
    size: int


def cache_key(role: Role, query: str, operation_name: str | None, variables: dict[str, Any] | None) -> str:
    """The request as the cache knows it: the same key means the same answer at the same stamp."""
    request = [role.value, query, operation_name, variables or {}]
    return hashlib.sha256(encode_json(request, sort_keys=True)).hexdigest()


class ResponseCache:
    """The answers of one process, least recently used out first, bounded in entries and bytes."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._answers: OrderedDict[str, Answer] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0

    def get(self, key: str, stamp: Stamp) -> Answer | None:
        """The answer stored for ``key`` at exactly ``stamp``; a stale one is dropped."""
        answer = self._answers.get(key)
        if answer is None or answer.stamp != stamp:
            if answer is not None:
                self._drop(key)
            self.misses += 1
            return None
        self._answers.move_to_end(key)
        self.hits += 1
        return answer

    def put(self, key: str, stamp: Stamp, data: Any, extensions: dict[str, Any], size: int) -> None:
        """Keep ``data`` for ``key`` at ``stamp``; ``size`` is its answer's length in bytes."""
        if not self.enabled or size > self.max_bytes // 4:
            return
        if key in self._answers:
            self._drop(key)
        self._answers[key] = Answer(stamp, data, extensions, size)
        self.bytes += size
        while len(self._answers) > self.max_entries or self.bytes > self.max_bytes:
            self._drop(next(iter(self._answers)))

    def _drop(self, key: str) -> None:
        self.bytes -= self._answers.pop(key).size
