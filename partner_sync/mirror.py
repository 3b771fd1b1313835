"""The local SQLite mirror: one table per entity kind, and the sync state.

Every batch of changes is applied together with the cursor it ends at, in one transaction, so after a
crash or a signal the mirror holds exactly the changes up to its stored cursor and resumes after it. A
change is applied only if its ``version`` is not older than the row's, so replaying changes over a
newer snapshot page never moves a row back in time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

TABLES = {
    "Jurisdiction": "jurisdictions",
    "Agency": "agencies",
    "Address": "addresses",
    "Enterprise": "enterprises",
    "Notice": "notices",
}


class Mirror:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        with self.db:
            for table in TABLES.values():
                self.db.execute(
                    f"CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY, version INTEGER, "
                    "jurisdiction_code TEXT, data TEXT NOT NULL)"
                )
            self.db.execute("CREATE TABLE IF NOT EXISTS sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def close(self) -> None:
        self.db.close()

    def state(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set(self, values: Mapping[str, str | None]) -> None:
        for key, value in values.items():
            if value is None:
                self.db.execute("DELETE FROM sync_state WHERE key = ?", (key,))
            else:
                self.db.execute(
                    "INSERT INTO sync_state (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    def _upsert(self, kind: str, entity_id: str, entity: dict[str, Any]) -> None:
        table = TABLES[kind]
        self.db.execute(
            f"INSERT INTO {table} (id, version, jurisdiction_code, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
            "jurisdiction_code = excluded.jurisdiction_code, data = excluded.data "
            f"WHERE {table}.version IS NULL OR excluded.version IS NULL OR excluded.version >= {table}.version",
            (
                entity_id,
                entity.get("version"),
                entity.get("jurisdictionCode", entity.get("code")),
                json.dumps(entity, ensure_ascii=False, sort_keys=True),
            ),
        )

    def apply_snapshot(self, nodes: Iterable[dict[str, Any]], state: Mapping[str, str | None]) -> int:
        """Store a snapshot page and where the snapshot continues, in one transaction."""
        count = 0
        with self.db:
            for node in nodes:
                if node["kind"] in TABLES:
                    self._upsert(node["kind"], node["id"], node["entity"])
                    count += 1
            self._set(state)
        return count

    def apply_changes(self, events: Iterable[dict[str, Any]], cursor: str) -> int:
        """Apply changes in order and store the cursor they end at, in one transaction."""
        count = 0
        with self.db:
            for event in events:
                kind = event["entityKind"]
                if kind not in TABLES:
                    continue
                if event["deleted"] or event["entity"] is None:
                    self.db.execute(f"DELETE FROM {TABLES[kind]} WHERE id = ?", (event["entityId"],))
                else:
                    self._upsert(kind, event["entityId"], event["entity"])
                count += 1
            self._set({"cursor": cursor})
        return count

    def reset(self, state: Mapping[str, str | None]) -> None:
        """Forget everything (the server no longer has the changes after our cursor)."""
        with self.db:
            for table in TABLES.values():
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("DELETE FROM sync_state")
            self._set(state)

    def contents(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Every mirrored entity: ``{kind: {id: data}}``."""
        return {
            kind: {row[0]: json.loads(row[1]) for row in self.db.execute(f"SELECT id, data FROM {table}")}
            for kind, table in TABLES.items()
        }
