"""Keeping the mirror in step: snapshot once, catch up by polling, then follow the subscription.

1. No cursor yet: page through ``snapshot``, storing each page with the position it ends at (so an
   interrupted snapshot continues where it stopped) and the change cursor of its first page.
2. Catch up with the ``changes`` query, a page per transaction, until nothing is left.
3. Subscribe to ``changes`` after the stored cursor and apply each batch as it comes. When the connection
   drops, or the server ends the subscription with a resumable error, subscribe again after the cursor
   stored with the last batch; the subscription replays whatever was missed meanwhile.

``CURSOR_EXPIRED`` (the server no longer keeps the changes the mirror needs) empties the mirror and starts
again from the snapshot.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from partner_sync.graphql import GraphQLClient, GraphQLError, TransportError
from partner_sync.mirror import TABLES, Mirror
from partner_sync.progress import Progress

log = logging.getLogger("jiqun.sync")

KINDS = list(TABLES)
RESUMABLE = {"SUBSCRIBER_TOO_SLOW", "FEED_UNAVAILABLE"}
RESTART = {"CURSOR_EXPIRED", "CURSOR_UNKNOWN"}
RETRY_MIN_S = 0.5
RETRY_MAX_S = 30.0

EVENT_FIELDS = "cursor seq type entityKind entityId deleted entity"

SNAPSHOT = """
query Snapshot($after: String, $first: Int!, $entityKinds: [String!], $jurisdictionCodes: [String!]) {
  snapshot(after: $after, first: $first, entityKinds: $entityKinds, jurisdictionCodes: $jurisdictionCodes) {
    changeCursor
    nodes { kind id entity }
    pageInfo { hasNextPage endCursor }
  }
}"""

CHANGES = f"""
query Changes($after: String, $first: Int!, $entityKinds: [String!], $jurisdictionCodes: [String!]) {{
  changes(after: $after, first: $first, entityKinds: $entityKinds, jurisdictionCodes: $jurisdictionCodes) {{
    nodes {{ {EVENT_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""

FOLLOW = f"""
subscription Follow($after: String, $first: Int!, $entityKinds: [String!], $jurisdictionCodes: [String!]) {{
  changes(after: $after, first: $first, entityKinds: $entityKinds, jurisdictionCodes: $jurisdictionCodes) {{
    events {{ {EVENT_FIELDS} }}
    cursor
  }}
}}"""


class SyncError(Exception):
    """Something a retry will not fix (a refused key, a mirror made with other filters)."""


class Sync:
    def __init__(
        self,
        client: GraphQLClient,
        mirror: Mirror,
        *,
        jurisdiction_codes: list[str] | None = None,
        page_size: int = 500,
        progress: Progress | None = None,
    ) -> None:
        self.client = client
        self.mirror = mirror
        self.page_size = page_size
        self.progress = progress or Progress()
        self.scope = sorted(jurisdiction_codes or [])
        self.variables: dict[str, Any] = {
            "first": page_size,
            "entityKinds": KINDS,
            "jurisdictionCodes": self.scope or None,
        }

    @property
    def cursor(self) -> str | None:
        return self.mirror.state("cursor")

    def _check_scope(self) -> None:
        stored = self.mirror.state("scope")
        wanted = json.dumps({"url": self.client.url, "jurisdictionCodes": self.scope})
        if stored is None:
            self.mirror.reset({"scope": wanted})
        elif stored != wanted:
            raise SyncError(f"{self.mirror.path} mirrors {stored}; use another file for {wanted}")

    async def run(self, *, once: bool = False) -> None:
        """Bring the mirror up to date; with ``once`` stop there, otherwise follow changes until cancelled."""
        self._check_scope()
        delay = RETRY_MIN_S
        while True:
            try:
                if self.cursor is None:
                    await self.load_snapshot()
                await self.catch_up()
                if once:
                    return
                await self.follow()
                delay = RETRY_MIN_S
            except GraphQLError as exc:
                if exc.code in RESTART:
                    log.warning("%s: the mirror starts again from the snapshot", exc)
                    self.mirror.reset({"scope": self.mirror.state("scope")})
                    continue
                if exc.code not in RESUMABLE:
                    raise SyncError(str(exc)) from exc
                log.info("%s; resuming after the stored cursor", exc)
            except TransportError as exc:
                if once:
                    raise SyncError(str(exc)) from exc
                log.warning("%s; retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)

    async def load_snapshot(self) -> None:
        after = self.mirror.state("snapshot_after")
        first_cursor = self.mirror.state("snapshot_cursor")
        while True:
            data = await self.client.query(SNAPSHOT, {**self.variables, "after": after})
            page = data["snapshot"]
            first_cursor = first_cursor or page["changeCursor"]
            after = page["pageInfo"]["endCursor"]
            more = page["pageInfo"]["hasNextPage"]
            state = {"snapshot_after": after, "snapshot_cursor": first_cursor}
            if not more:
                # The snapshot is whole: follow the changes made since its first page was read.
                state = {"snapshot_after": None, "snapshot_cursor": None, "cursor": first_cursor}
            self.progress.add("snapshot", self.mirror.apply_snapshot(page["nodes"], state))
            if not more:
                return

    async def catch_up(self) -> None:
        while True:
            data = await self.client.query(CHANGES, {**self.variables, "after": self.cursor})
            page = data["changes"]
            self.progress.add("changes", self.mirror.apply_changes(page["nodes"], page["pageInfo"]["endCursor"]))
            if not page["pageInfo"]["hasNextPage"]:
                return

    async def follow(self) -> None:
        async with self.client.subscribe(FOLLOW, {**self.variables, "after": self.cursor}) as batches:
            async for data in batches:
                batch = data["changes"]
                self.progress.add("live", self.mirror.apply_changes(batch["events"], batch["cursor"]))
