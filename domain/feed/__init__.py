"""The change log read as a resumable feed: pages after a cursor, filters, visibility, retention, snapshots.

A cursor names a ``seq``: "everything up to and including this change". Because ``seq`` values become
visible in commit order (invariant 2, docs/architecture.md), reading ``WHERE seq > cursor`` again and again — from a
poll, or after a broker's wake-up — gives every change exactly once and in order; the wake-up only
decides when to look (invariant 3). Each read runs in one snapshot (REPEATABLE READ on PostgreSQL, one
transaction on SQLite), so the newest ``seq`` it reports and the rows it returns agree.

Nothing here sends personal data: the log stores public projections only. What a viewer sees of the
log depends on its role: anonymous callers and partners never see an address that was never published
(the feed drops those changes but still moves the cursor past them); a regulator also sees the
unpublished addresses of its jurisdiction, an agency its own.

One module per job, each importing only those above it in this list:

* ``cursors``: the opaque cursors and the errors that refuse one;
* ``changes``: :class:`Change` and :class:`ChangePage`, the records every other module passes on;
* ``filters``: what a client asked for and may see, as SQL and in memory;
* ``reading``: a page of changes after a cursor, the head, retention checks;
* ``following``: the replay-then-stream loop and the wake-ups it waits on;
* ``snapshots``: the current state page by page; ``pruning``: removing the oldest changes;
* ``tail``: one shared reader of the newest changes per process (:class:`domain.feed.tail.LogTail`).

This package re-exports what callers use as ``feed.<name>``.
"""

from domain.errors import DomainError, InvalidInput
from domain.feed.changes import FEED_KINDS, Change, ChangePage, change_of
from domain.feed.cursors import CursorExpired, CursorInvalid, CursorUnknown, decode_cursor, encode_cursor
from domain.feed.filters import EVERYTHING, MAX_FILTER_VALUES, FeedFilter, expand_jurisdictions, matches, resolve_filter
from domain.feed.following import FeedUnavailable, Follow, PollOnly, SubscriberTooSlow, WakeUps, WakeUpSignal, follow
from domain.feed.pruning import Pruned, prune_log
from domain.feed.reading import MAX_PAGE, consistent_read, head_seq, oldest_retained_seq, page_size, read_changes
from domain.feed.snapshots import (
    SnapshotEntity,
    SnapshotPage,
    decode_snapshot_position,
    encode_snapshot_position,
    read_snapshot,
)

__all__ = [
    "EVERYTHING",
    "FEED_KINDS",
    "MAX_FILTER_VALUES",
    "MAX_PAGE",
    "Change",
    "ChangePage",
    "CursorExpired",
    "CursorInvalid",
    "CursorUnknown",
    # The errors the feed raises besides its own, as callers have caught them (feed.DomainError).
    "DomainError",
    "FeedFilter",
    "FeedUnavailable",
    "Follow",
    "InvalidInput",
    "PollOnly",
    "Pruned",
    "SnapshotEntity",
    "SnapshotPage",
    "SubscriberTooSlow",
    "WakeUpSignal",
    "WakeUps",
    "change_of",
    "consistent_read",
    "decode_cursor",
    "decode_snapshot_position",
    "encode_cursor",
    "encode_snapshot_position",
    "expand_jurisdictions",
    "follow",
    "head_seq",
    "matches",
    "oldest_retained_seq",
    "page_size",
    "prune_log",
    "read_changes",
    "read_snapshot",
    "resolve_filter",
]
