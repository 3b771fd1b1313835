"""Invariant 2 (docs/architecture.md): change-log ``seq`` values become visible in commit order.

Sixteen writers, each command in its own unit of work and connection, race to register enterprises
(many at one address with too few places) and record tax filings, while a reader tails the change log.
Some writers dawdle before committing. On PostgreSQL a deferred trigger also sleeps inside COMMIT of
every fourth change-log row, after ``seq`` has been assigned: without the counter row lock a later
``seq`` would commit first and the reader would see a gap that fills later. The reader fails on the
first batch that does not continue its cursor; at the end it must have seen every ``seq`` exactly once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain import commands
from domain.actor import SYSTEM
from domain.db import create_engine, create_sessionmaker
from domain.errors import DomainError
from domain.model import Address, ChangeLogEntry, Enterprise
from domain.unit_of_work import UnitOfWork
from tests import factories

WRITERS = 16
COMMANDS_PER_WRITER = 25
HOT_CAPACITY = 40  # WRITERS * 5 attempts at the hot address: half are refused
COLD_ADDRESSES = 4
TODAY = dt.date(2026, 3, 2)

SLOW_COMMIT = [
    """
    CREATE FUNCTION jiqun_test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.seq % 4 = 0 THEN PERFORM pg_sleep(0.01); END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE CONSTRAINT TRIGGER jiqun_test_slow_commit AFTER INSERT ON change_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION jiqun_test_slow_commit()
    """,
]


@dataclass
class Tally:
    committed: list[list[int]] = field(default_factory=list)  # the seqs of each committed command
    changes: Counter[str] = field(default_factory=Counter)  # command -> rows it must have written
    hot_registrations: int = 0
    hot_refusals: int = 0


async def writer(engine: AsyncEngine, n: int, hot: int, cold: list[int], tally: Tally) -> None:
    sessionmaker = create_sessionmaker(engine)
    mine: int | None = None
    for j in range(COMMANDS_PER_WRITER):
        async with UnitOfWork(sessionmaker, SYSTEM, today=TODAY) as u:
            try:
                if j % 5 in (0, 1, 3):
                    address = hot if j % 5 == 0 else cold[(n + j) % COLD_ADDRESSES]
                    e = await commands.register_enterprise(
                        u, uscc=factories.make_uscc(), address_id=address, **factories.ENTERPRISE_DEFAULTS
                    )
                    kind, rows = "register", 2
                else:
                    assert mine is not None
                    await commands.record_tax_filing(u, mine, filed_on=TODAY - dt.timedelta(days=100 - j))
                    kind, rows = "tax_filing", 1
                if n % 4 == 0:
                    await asyncio.sleep(0.005)  # dawdle inside the transaction
                seqs = await u.commit()
            except DomainError as exc:
                assert (exc.code, j % 5) == ("ADDRESS_FULL", 0), exc
                tally.hot_refusals += 1
                continue
        assert len(seqs) == rows, (kind, seqs)
        tally.committed.append(seqs)
        tally.changes[kind] += rows
        if kind == "register":
            mine = e.id
            tally.hot_registrations += address == hot


async def reader(engine: AsyncEngine, writers: asyncio.Future[Any]) -> list[int]:
    """Tail the change log; every batch must continue exactly where the cursor is."""
    cursor, seen, batches = 0, [], 0
    while True:
        finished = writers.done()
        async with engine.connect() as conn:
            batch = list(
                (await conn.execute(text("SELECT seq FROM change_log WHERE seq > :c ORDER BY seq"), {"c": cursor}))
                .scalars()
                .all()
            )
        assert batch == list(range(cursor + 1, cursor + 1 + len(batch))), (
            f"after seq {cursor} the reader saw {batch[:8]}: a gap that fills later"
        )
        seen.extend(batch)
        cursor = batch[-1] if batch else cursor
        batches += bool(batch)
        if finished:
            assert batches > 10, "the reader did not overlap the writers"
            return seen
        await asyncio.sleep(0.002)


async def test_concurrent_writers_become_visible_in_seq_order(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=WRITERS + 2)
    try:
        sessionmaker = create_sessionmaker(engine)

        def uow(**kw: object) -> UnitOfWork:
            return UnitOfWork(sessionmaker, SYSTEM, today=TODAY)

        agency = await factories.agency(uow)
        hot = (await factories.published_address(uow, agency.id, capacity=HOT_CAPACITY, room="hot")).id
        cold = [
            (await factories.published_address(uow, agency.id, capacity=100, room=f"c{i}")).id
            for i in range(COLD_ADDRESSES)
        ]
        async with engine.connect() as conn:
            before = (await conn.execute(select(func.max(ChangeLogEntry.seq)))).scalar_one()
            if engine.dialect.name == "postgresql":
                for statement in SLOW_COMMIT:
                    await conn.execute(text(statement))
                await conn.commit()

        tally = Tally()
        writers = asyncio.gather(*(writer(engine, n, hot, cold, tally) for n in range(WRITERS)))
        try:
            seen = await reader(engine, writers)
        finally:
            if not writers.done():  # the reader failed: stop the writers before the engine goes
                writers.cancel()
            await asyncio.gather(writers, return_exceptions=True)
        await writers

        total = before + sum(tally.changes.values())
        assert seen == list(range(1, total + 1)), "the reader missed or repeated a seq"
        assert sorted(s for seqs in tally.committed for s in seqs) == list(range(before + 1, total + 1))
        assert len(tally.committed) + tally.hot_refusals == WRITERS * COMMANDS_PER_WRITER
        async with sessionmaker() as s:
            assert (await s.execute(select(func.count()).select_from(ChangeLogEntry))).scalar_one() == total
            hot_address = await s.get(Address, hot)
            assert hot_address is not None
            holding = (
                await s.execute(select(func.count(Enterprise.id)).where(Enterprise.address_id == hot))
            ).scalar_one()
        assert tally.hot_registrations == HOT_CAPACITY == hot_address.occupied == holding
        assert tally.hot_refusals == WRITERS * 5 - HOT_CAPACITY
    finally:
        await engine.dispose()


async def test_a_failing_wake_up_neither_undoes_nor_hides_a_commit(uow, sessionmaker) -> None:
    """The broker only wakes readers (invariant 3, docs/architecture.md): if it fails, the command still succeeds."""
    woken: list[int] = []

    async def broken_broker(seq: int) -> None:
        woken.append(seq)
        raise ConnectionError("broker down")

    agency = await factories.agency(uow)
    async with UnitOfWork(sessionmaker, SYSTEM, today=TODAY, on_commit=broken_broker) as u:
        await commands.suspend_agency(u, agency.id, reason="整改", expected_version=None)
        seqs = await u.commit()
    assert woken == [seqs[-1]] and len(seqs) == 2
    async with sessionmaker() as s:
        logged = (await s.execute(select(ChangeLogEntry.seq).order_by(ChangeLogEntry.seq))).scalars().all()
    assert logged[-2:] == seqs
