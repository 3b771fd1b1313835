"""The change feed under many subscribers: event-to-delivery latency and the server's peak memory.

``measure_feed`` starts one or two ``jiqun serve`` processes on a fresh PostgreSQL database (two share
Redis for wake-ups), opens the subscribers from several client processes (``python -m bench.feed``),
publishes notices through GraphQL on the first server, and compares each event's ``occurred_at`` in the
change log with the time each subscriber received it. Peak memory is the servers' ``VmHWM``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from websockets.asyncio.client import connect

from bench.load import percentile
from domain.db import create_engine, create_sessionmaker
from domain.keys import create_key
from domain.model import ChangeLogEntry
from migrations import runner
from tests.feed_support import FOLLOW, TRANSPORT_WS
from tests.server import running_server
from tests.test_feed_live import CREATE_NOTICE

ROOT = Path(__file__).resolve().parent.parent
CLIENT_PROCESSES = 4
EVENTS = 20
EVENT_GAP_S = 0.5
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


async def _follow(url: str, expect: int, ready: asyncio.Event, received: list[tuple[int, float]]) -> None:
    async with connect(url, subprotocols=[TRANSPORT_WS], open_timeout=60, max_queue=None) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        while json.loads(await ws.recv())["type"] != "connection_ack":
            pass
        payload = {"query": FOLLOW, "variables": {"after": None, "entityKinds": ["Notice"]}}
        await ws.send(json.dumps({"id": "feed", "type": "subscribe", "payload": payload}))
        ready.set()
        seen = 0
        while seen < expect:
            message = json.loads(await ws.recv())
            now = time.time()
            if message["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif message["type"] == "next" and not message["payload"].get("errors"):
                for event in message["payload"]["data"]["changes"]["events"]:
                    received.append((event["seq"], now))
                    seen += 1
            elif message["type"] != "next":
                raise RuntimeError(f"subscription ended: {message}")


async def clients(spec: dict[str, Any]) -> None:
    """Open ``count`` subscribers over ``urls``; print ``ready``, then every (seq, time) received as JSON."""
    received: list[tuple[int, float]] = []
    readies = [asyncio.Event() for _ in range(spec["count"])]
    urls = spec["urls"]
    tasks = [
        asyncio.create_task(_follow(urls[n % len(urls)], spec["expect"], readies[n], received))
        for n in range(spec["count"])
    ]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
    print("ready", flush=True)
    done, pending = await asyncio.wait(tasks, timeout=spec["timeout"])
    for task in pending:
        task.cancel()
    failed = [repr(t.exception()) for t in done if t.exception() is not None]
    print(json.dumps({"received": received, "incomplete": len(pending), "failed": failed[:3]}), flush=True)


def _fresh_database(name: str) -> str:
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", ADMIN_URL, "-q", "-c", sql], check=True, capture_output=True)
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    runner.upgrade(url)
    return url


async def _key_and_times(url: str, seqs: bool) -> Any:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            if seqs:
                rows = await session.execute(select_times())
                return {seq: at for seq, at in rows.all()}
            _, key = await create_key(session, name="feed benchmark", role="regulator", jurisdiction_code="110115")
            await session.commit()
            return key
    finally:
        await engine.dispose()


def select_times() -> Any:
    return select(ChangeLogEntry.seq, ChangeLogEntry.occurred_at).where(ChangeLogEntry.entity_kind == "Notice")


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far, all its threads, in nanoseconds' resolution: the first field
    of each thread's /proc schedstat (user + system time in /proc/<pid>/stat counts 10 ms ticks)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that ended meanwhile
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def measure_feed(subscribers: int, servers: int, redis_url: str) -> dict[str, Any]:
    url = _fresh_database("jiqun_bench_feed")
    key = asyncio.run(_key_and_times(url, seqs=False))
    env = {
        "JIQUN_MAX_SUBSCRIPTIONS_PER_KEY": str(subscribers * 2),
        "JIQUN_MAX_CONNECTIONS_PER_ADDRESS": "0",  # every subscriber connects from this machine
        "JIQUN_RATE_LIMIT_KEY_PER_MINUTE": "100000000",
        "JIQUN_POLL_INTERVAL_S": "30",
        "JIQUN_BROKER_CHANNEL": f"jiqun:bench:{uuid.uuid4().hex}",
    }
    if servers > 1:
        env["JIQUN_REDIS_URL"] = redis_url
    with contextlib.ExitStack() as stack:
        running = [stack.enter_context(running_server(url, env=env)) for _ in range(servers)]
        per_process = subscribers // CLIENT_PROCESSES
        spec = {"urls": [s.websocket_url for s in running], "count": per_process, "expect": EVENTS, "timeout": 120}
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.feed", json.dumps(spec)],
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            for _ in range(CLIENT_PROCESSES)
        ]
        for p in procs:
            line = p.stdout.readline().strip() if p.stdout else ""
            if line != "ready":
                raise RuntimeError(f"a client process did not get its subscribers ready: {line!r}")
        time.sleep(2)  # the subscriptions have read the (empty) log and wait for wake-ups
        cpu_before = [cpu_seconds(s.process.pid) for s in running]
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=running[0].base_url, headers=headers, timeout=120.0) as client:
            for n in range(EVENTS):
                body = client.post("/graphql", json={"query": CREATE_NOTICE, "variables": {"title": f"提示 {n}"}})
                assert body.status_code == 200 and not body.json().get("errors"), body.text
                time.sleep(EVENT_GAP_S)
        results = [json.loads(p.communicate(timeout=180)[0]) for p in procs]
        cpu = sum(cpu_seconds(s.process.pid) - b for s, b in zip(running, cpu_before, strict=True))
        rss = [_peak_rss_mib(s.process.pid) for s in running]
    occurred = asyncio.run(_key_and_times(url, seqs=True))
    latencies = sorted(t - _epoch(occurred[seq]) for r in results for seq, t in r["received"] if seq in occurred)
    out = {
        "subscribers": per_process * CLIENT_PROCESSES,
        "servers": servers,
        "events": len(occurred),
        "deliveries": len(latencies),
        "expected_deliveries": per_process * CLIENT_PROCESSES * len(occurred),
        "incomplete": sum(r["incomplete"] for r in results),
        "failed": [f for r in results for f in r["failed"]][:3],
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": latencies[-1] * 1000 if latencies else float("nan"),
        "peak_rss_mib": rss,
        # The servers' CPU from the first event to the last delivery (incl. the 20 notices' mutations).
        "server_cpu_ms_per_event": cpu * 1000 / max(1, len(occurred)),
    }
    print(
        f"  feed {out['subscribers']} subscribers on {servers} server(s): {out['deliveries']}/"
        f"{out['expected_deliveries']} deliveries, p50 {out['p50_ms']:.0f} ms, p99 {out['p99_ms']:.0f} ms, "
        f"server CPU {out['server_cpu_ms_per_event']:.0f} ms per event, "
        f"peak RSS {', '.join(f'{r:.0f}' for r in rss)} MiB"
    )
    return out


def _epoch(at: dt.datetime) -> float:
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).timestamp()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(clients(json.loads(sys.argv[1])))
