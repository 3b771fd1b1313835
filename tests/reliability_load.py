"""A bounded mixed load against real ``jiqun serve`` processes, and the checks that follow it.

Writers publish notices through the GraphQL mutation as a regulator (each with a unique title, so the
database can be compared with the commands that succeeded), readers page through notices anonymously,
and subscribers follow the change feed over graphql-transport-ws from the start. A fault can be injected
while the load runs. Afterwards the change log must be gapless, every subscriber must have received
every event exactly once and in order, and the notices in the database must be exactly those whose
mutation succeeded (plus any whose answer was lost with the connection, which must then be reported),
each with exactly one change-log entry.

Those checks alone would pass a server that refused every write or every read, so :class:`Bounds`
states, per test, how many writes must have committed and how many reads and writes may have failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select

from domain.db import create_engine
from domain.ids import to_global_id
from domain.model import ChangeLogEntry, Notice
from tests.feed_support import Subscriber, subscriber
from tests.server import Server
from tests.test_feed_live import CREATE_NOTICE

# Titles are unique across the loads of a test process: a test may add a second load's outcome to the first.
TITLES = itertools.count(1)
READ_NOTICES = "query { notices(first: 5) { edges { node { id title } } } }"
REQUEST_TIMEOUT_S = 15.0
DRAIN_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Bounds:
    """What a load must have achieved, stated by each test for its own conditions and fault."""

    min_committed: int
    """Acknowledged writes at least: far below what the load commits on a loaded two-core machine,
    far above what a server refusing writes, or serialising them behind a stuck lock, would reach."""
    max_failed_reads: int
    """Failed reads at most (transport errors and answers that are not a clean 200 with data)."""
    max_refused: int
    """Writes refused with an error at most."""
    min_reads: int = 20
    """Reads answered at least, so that the bound on failed reads means something."""


@dataclass
class Outcome:
    """What the load saw: titles whose mutation succeeded, failed cleanly, or got no answer."""

    committed: list[str] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)
    """Of the committed: answered SAVED_RESULT_UNAVAILABLE (stored, but not read back)."""
    refused: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    reads: int = 0
    failed_reads: list[str] = field(default_factory=list)
    dirty: list[str] = field(default_factory=list)  # 5xx with a trace, or a body that is not JSON
    subscribers: list[Subscriber] = field(default_factory=list)


def _clean_error(response: httpx.Response) -> str | None:
    """None when a failed answer is a proper GraphQL/JSON error; a description when it is not."""
    text = response.text
    if "Traceback" in text or "sqlalchemy" in text.lower() or "asyncpg" in text.lower():
        return f"HTTP {response.status_code} with internals: {text[:300]}"
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code} without a JSON body: {text[:300]}"
    if not isinstance(body, dict) or not (body.get("errors") or body.get("data")):
        return f"HTTP {response.status_code} without errors or data: {text[:300]}"
    return None


def _saved(body: dict[str, Any]) -> bool:
    """Committed, but the payload could not be read back: the answer says the change is saved."""
    return any((e.get("extensions") or {}).get("code") == "SAVED_RESULT_UNAVAILABLE" for e in body.get("errors") or [])


def _outcome_unknown(body: dict[str, Any]) -> bool:
    payload = (body.get("data") or {}).get("createNotice") or {}
    return any(e.get("code") == "COMMIT_OUTCOME_UNKNOWN" for e in payload.get("userErrors") or [])


async def _writer(server: Server, key: str, titles: itertools.count[int], until: float, out: Outcome) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=REQUEST_TIMEOUT_S) as client:
        while time.monotonic() < until:
            title = f"集群注册工作提示 {next(titles)}"
            try:
                response = await client.post("/graphql", json={"query": CREATE_NOTICE, "variables": {"title": title}})
            except httpx.TransportError:
                out.unanswered.append(title)
                await asyncio.sleep(0.2)
                continue
            body = response.json() if response.headers.get("content-type", "").find("json") >= 0 else None
            ok = (
                response.status_code == 200
                and body is not None
                and not body.get("errors")
                and not body["data"]["createNotice"]["userErrors"]
            )
            if ok:
                out.committed.append(title)
                continue
            if body is not None and _saved(body):
                out.committed.append(title)  # a claim the checks afterwards hold it to: the notice is stored
                out.saved.append(title)
                continue
            if body is not None and _outcome_unknown(body):
                out.unanswered.append(title)  # the connection failed during COMMIT: stored or not, both are right
                await asyncio.sleep(0.2)
                continue
            out.refused.append(title)
            if (problem := _clean_error(response)) is not None:
                out.dirty.append(problem)
            await asyncio.sleep(0.2)


async def _reader(server: Server, until: float, out: Outcome) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client:
        while time.monotonic() < until:
            try:
                response = await client.post("/graphql", json={"query": READ_NOTICES})
            except httpx.TransportError as exc:
                out.failed_reads.append(repr(exc))
                await asyncio.sleep(0.2)
                continue
            out.reads += 1
            if response.status_code != 200 or response.json().get("errors"):
                out.failed_reads.append(f"HTTP {response.status_code}: {response.text[:200]}")
                if (problem := _clean_error(response)) is not None:
                    out.dirty.append(problem)
                await asyncio.sleep(0.2)


async def run_load(
    database_url: str,
    writers_on: Sequence[Server],
    subscribers_on: Sequence[Server],
    key: str,
    *,
    seconds: float,
    writers: int = 4,
    readers: int = 2,
    subscribers_per_server: int = 5,
    fault: Callable[[], Awaitable[None]] | None = None,
) -> Outcome:
    """Run the load for ``seconds`` (the fault, if any, runs alongside), then let every subscriber drain."""
    out = Outcome()
    titles = TITLES
    async with contextlib.AsyncExitStack() as stack:
        for server in subscribers_on:
            for _ in range(subscribers_per_server):
                sub = await stack.enter_async_context(subscriber(server.websocket_url))
                await sub.subscribe()
                out.subscribers.append(sub)
        until = time.monotonic() + seconds
        tasks = [_writer(writers_on[n % len(writers_on)], key, titles, until, out) for n in range(writers)]
        tasks += [_reader(writers_on[n % len(writers_on)], until, out) for n in range(readers)]
        listening = [asyncio.create_task(s.collect(lambda s: False, timeout=seconds + 5)) for s in out.subscribers]
        await asyncio.gather(*tasks, *([fault()] if fault else []))
        for task in listening:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, AssertionError, TimeoutError):
                await task
        total = await last_seq(database_url)
        for sub in out.subscribers:
            await sub.collect(lambda s: len(s.events) >= total, timeout=DRAIN_TIMEOUT_S)
    return out


async def _rows(database_url: str, statement: Any) -> Any:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(statement)).all()
    finally:
        await engine.dispose()


async def last_seq(database_url: str) -> int:
    rows = await _rows(database_url, select(func.coalesce(func.max(ChangeLogEntry.seq), 0)))
    return int(rows[0][0])


async def verify(database_url: str, out: Outcome, bounds: Bounds) -> list[str]:
    """The post-load checks; returns what was checked, one line each, and fails with the evidence."""
    assert len(out.committed) >= bounds.min_committed, (
        f"only {len(out.committed)} writes committed (at least {bounds.min_committed} expected); "
        f"{len(out.refused)} refused, {len(out.unanswered)} unanswered, e.g. {out.dirty[:2]}"
    )
    assert len(out.refused) <= bounds.max_refused, (
        f"{len(out.refused)} writes refused (at most {bounds.max_refused} allowed): {out.refused[:3]}"
    )
    assert out.reads >= bounds.min_reads, f"only {out.reads} reads answered (at least {bounds.min_reads} expected)"
    assert len(out.failed_reads) <= bounds.max_failed_reads, (
        f"{len(out.failed_reads)} of {out.reads} reads failed (at most {bounds.max_failed_reads} allowed): "
        f"{out.failed_reads[:3]}"
    )
    entries = await _rows(
        database_url, select(ChangeLogEntry.seq, ChangeLogEntry.entity_kind, ChangeLogEntry.entity_id)
    )
    seqs = sorted(r[0] for r in entries)
    notices = {r[1]: r[0] for r in await _rows(database_url, select(Notice.id, Notice.title))}
    titles = set(notices)
    gaps = sorted(set(range(1, (seqs or [0])[-1] + 1)) - set(seqs))
    assert not gaps, f"the change log has gaps at seq {gaps[:20]}"
    committed = set(out.committed)
    assert len(committed) == len(out.committed), "a title was acknowledged twice"
    missing = committed - titles
    assert not missing, f"{len(missing)} acknowledged notices are not in the database: {sorted(missing)[:5]}"
    extra = titles - committed
    unexplained = extra - set(out.unanswered)
    assert not unexplained, f"{len(unexplained)} stored notices whose mutation was refused: {sorted(unexplained)[:5]}"
    logged = Counter(entity_id for _, kind, entity_id in entries if kind == "Notice")
    not_once = {
        t: logged[to_global_id("Notice", notices[t])] for t in titles if logged[to_global_id("Notice", notices[t])] != 1
    }
    assert not not_once, (
        f"stored notices not in the change log exactly once (title: entries): {list(not_once.items())[:5]}"
    )
    assert len(entries) == len(titles), (
        f"{len(entries)} change-log entries for {len(titles)} stored notices (the load writes nothing else)"
    )
    assert not out.dirty, f"unclean error answers: {out.dirty[:3]}"
    for n, sub in enumerate(out.subscribers):
        assert not sub.errors, f"subscriber {n} got errors: {sub.errors[:3]}"
        assert sub.seqs == seqs, (
            f"subscriber {n} got {len(sub.seqs)} events (duplicates: {len(sub.seqs) - len(set(sub.seqs))}, "
            f"missing: {sorted(set(seqs) - set(sub.seqs))[:10]}) of {len(seqs)}"
        )
    delivered = f"{len(out.subscribers)} subscribers each received all {len(seqs)} events exactly once, in order"
    return [
        f"{len(out.committed)} notices acknowledged (at least {bounds.min_committed} required; "
        f"{len(out.saved)} as saved but not read back), "
        f"{len(out.refused)} refused with clean errors (at most {bounds.max_refused} allowed), "
        f"{len(out.unanswered)} unanswered ({len(extra)} of those committed); all acknowledged ones are stored",
        f"change log gapless: seq 1..{len(seqs)}; every stored notice in it exactly once, nothing else",
        f"{out.reads} reads, {len(out.failed_reads)} failed (cleanly; at most {bounds.max_failed_reads} allowed)",
        *([delivered] if out.subscribers else []),
    ]
