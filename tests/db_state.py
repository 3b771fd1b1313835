"""The whole state of a test database, to prove that a refused command wrote nothing.

A snapshot holds every row of every table the model declares (plus ``alembic_version``), so comparing
two snapshots catches an extra row, a missing row and a changed value alike; the row counts and the
change log's last ``seq`` are derived from it for readable failure messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.model import Base, ChangeLogEntry


@dataclass(frozen=True)
class DatabaseState:
    rows: dict[str, list[tuple[Any, ...]]]
    max_seq: int

    @property
    def counts(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.rows.items()}

    def differences(self, other: DatabaseState) -> list[str]:
        """What changed from ``self`` to ``other``, one line per table (empty when nothing did)."""
        lines = []
        if self.max_seq != other.max_seq:
            lines.append(f"change_log max seq {self.max_seq} -> {other.max_seq}")
        for table, rows in self.rows.items():
            after = other.rows.get(table, [])
            if rows != after:
                added = [r for r in after if r not in rows]
                removed = [r for r in rows if r not in after]
                lines.append(f"{table}: {len(rows)} -> {len(after)} rows; added {added[:3]}, removed {removed[:3]}")
        return lines


async def snapshot(sessionmaker: async_sessionmaker[AsyncSession]) -> DatabaseState:
    """Read every table in one transaction."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            result = await session.execute(select(table).order_by(*table.primary_key.columns))
            rows[table.name] = [tuple(r) for r in result]
        rows["alembic_version"] = [tuple(r) for r in await session.execute(text("SELECT * FROM alembic_version"))]
        max_seq = (await session.execute(select(func.coalesce(func.max(ChangeLogEntry.seq), 0)))).scalar_one()
    return DatabaseState(rows, int(max_seq))


async def assert_unchanged(sessionmaker: async_sessionmaker[AsyncSession], before: DatabaseState) -> None:
    after = await snapshot(sessionmaker)
    assert after.max_seq == before.max_seq and after.counts == before.counts, before.differences(after)
    assert after == before, before.differences(after)
