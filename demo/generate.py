"""``jiqun demo`` and ``jiqun serve --demo``: fill an empty database with the demo registry.

The data are a function of the seed and the scale alone: every command runs "as of" the day its event
happened, up to the fixed demo day :data:`DEMO_TODAY`, and all randomness comes from seeded streams.
Agencies, addresses, their lifecycles and notices go through the domain commands; enterprises and what
happens to them go through the bulk path (:mod:`demo.bulk`) unless ``enterprise_path="commands"``.
Memory stays flat with the scale: enterprises are generated and written a chunk at a time.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tqdm import tqdm

from demo import history
from demo.bulk import BulkWriter
from demo.enterprises import CHUNK_ENTERPRISES, Tally, chunks
from demo.plan import TODAY, Ids, make_plan
from demo.via_commands import CommandWriter
from domain.actor import Actor
from domain.db import create_engine, create_sessionmaker
from domain.enums import Role
from domain.model import Agency, Base
from domain.unit_of_work import UnitOfWork

DEMO_TODAY = TODAY
DEMO_ACTOR = Actor("demo", Role.SYSTEM)
DEFAULT_SEED = 2026


class DatabaseNotEmpty(Exception):
    """The demo fills an empty registry only: its codes would collide with what is there."""


@dataclass(frozen=True)
class Summary:
    agencies: int
    addresses: int
    enterprises: int
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        return (
            f"demo data: {self.agencies:,} agencies, {self.addresses:,} addresses, {self.enterprises:,} enterprises; "
            f"{self.rows:,} rows in {self.seconds:,.1f} s ({self.rows_per_second:,.0f} rows/s)"
        )


async def generate(
    database_url: str,
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    enterprise_path: Literal["bulk", "commands"] = "bulk",
    chunk_size: int = CHUNK_ENTERPRISES,
    quiet: bool = False,
) -> Summary:
    """Fill the (migrated, empty) database at ``database_url``; print and return what was written."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    engine = create_engine(database_url)
    try:
        sessionmaker = create_sessionmaker(engine)
        if await _count(sessionmaker, Agency):
            raise DatabaseNotEmpty("the database already holds agencies; the demo fills an empty database only")
        started, rows_before = time.perf_counter(), await _rows(sessionmaker)
        show = not quiet and sys.stderr.isatty()
        plan, ids, tally = make_plan(seed, scale), Ids(), Tally()

        founding = history.founding(plan, ids)
        with _bar(show, len(founding), "agencies and addresses") as bar:
            await history.run(sessionmaker, DEMO_ACTOR, founding, bar.update)
        writer_type = BulkWriter if enterprise_path == "bulk" else CommandWriter
        writer = writer_type(sessionmaker, DEMO_ACTOR, ids)
        with _bar(show, plan.enterprise_count, "enterprises") as bar:
            for ops in chunks(plan, tally, chunk_size):
                await writer.write(ops)
                bar.update(len({op.ordinal for op in ops}))
        later = await history.later_events(sessionmaker, plan, ids, tally)
        with _bar(show, len(later), "lifecycle events") as bar:
            await history.run(sessionmaker, DEMO_ACTOR, later, bar.update)
        await _run_supervision_and_ratings(sessionmaker, DEMO_TODAY)

        summary = Summary(
            agencies=len(plan.agencies),
            addresses=len(plan.addresses),
            enterprises=plan.enterprise_count,
            rows=await _rows(sessionmaker) - rows_before,
            seconds=time.perf_counter() - started,
        )
    finally:
        await engine.dispose()
    if not quiet:
        print(summary)
    return summary


async def fill_if_empty(database_url: str, *, scale: float = 1.0, seed: int = DEFAULT_SEED) -> Summary | None:
    """Generate the demo unless the database already holds agencies (``jiqun serve --demo``)."""
    engine = create_engine(database_url)
    try:
        if await _count(create_sessionmaker(engine), Agency):
            return None
    finally:
        await engine.dispose()
    return await generate(database_url, scale=scale, seed=seed)


async def _run_supervision_and_ratings(sessionmaker: async_sessionmaker[AsyncSession], today: dt.date) -> None:
    """Compute the supervision findings and scores with the registry's own rule code, where installed:
    Wuxi ratings for the years the measures were in force (WX Art.21–26), Tongzhou's indicators
    (TZ §五(三)8), and a supervision run of each demo jurisdiction as of the demo day."""
    steps: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
    scores = _module("domain.commands.scores")
    if scores is not None:
        steps += [(scores.rate_wuxi_agencies, ("320200",), {"year": year}) for year in (2024, 2025)]
        steps.append((scores.tongzhou_indicators, ("110112",), {"as_of": today}))
    supervision = _module("domain.commands.supervision")
    if supervision is not None:
        steps += [(supervision.run_supervision, (code,), {"as_of": today}) for code in ("110115", "110112", "320200")]
    for command, args, kwargs in steps:
        async with UnitOfWork(sessionmaker, DEMO_ACTOR, today=today) as uow:
            await command(uow, *args, **kwargs)
            await uow.commit()


def _module(name: str) -> Any:
    return importlib.import_module(name) if importlib.util.find_spec(name) is not None else None


def _bar(show: bool, total: int, description: str) -> tqdm[Any]:
    return tqdm(total=total, desc=description, unit="", disable=not show, leave=False, dynamic_ncols=True)


async def _count(sessionmaker: async_sessionmaker[AsyncSession], model: type[Base]) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def _rows(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        total = 0
        for table in Base.metadata.sorted_tables:
            total += int((await session.execute(select(func.count()).select_from(table))).scalar_one())
        return total
