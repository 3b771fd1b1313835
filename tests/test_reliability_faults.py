"""Load and faults against real ``jiqun serve`` processes: each test says what it injects and what it
checks, in its docstring, in its printed lines (``pytest -s``) and in its assertion messages.

A publish killed with SIGKILL (the previous release stays intact) is covered by
``tests/test_opendata_kill.py``; it is not repeated here.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from domain.db import create_engine, create_sessionmaker
from domain.keys import create_key
from tests.databases import REDIS_URL
from tests.feed_support import FOLLOW, TRANSPORT_WS, Writer, stop_process, subscriber
from tests.reliability_load import Bounds, run_load, verify
from tests.server import free_port, running_server
from tests.test_feed_live import ON_POSTGRES, base_env, needs_redis, regulator_key

LOAD_S = 12.0
SLOW_LOAD_S = 120.0
# The readers are anonymous: without this, the anonymous rate limit (120 a minute) would refuse most of
# their reads and the bound on failed reads could not be stated.
READ_ENV = {"JIQUN_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "1000000"}


def steady_bounds(seconds: float) -> Bounds:
    """Without a fault in the database's path: every write commits and every read answers. Four writers
    commit over 100 notices a second on two idle cores; 8 a second still holds on a busy machine."""
    return Bounds(min_committed=int(8 * seconds), max_failed_reads=0, max_refused=0)


# Another cluster's restart command may be given to try the test without the shared one.
PG_RESTART = os.environ.get(
    "JIQUN_TEST_PG_RESTART_COMMAND", "pg_ctlcluster --skip-systemctl-redirect 15 main restart"
).split()
allow_pg_restart = pytest.mark.skipif(
    os.environ.get("JIQUN_TEST_ALLOW_PG_RESTART") != "1",
    reason="restarts the shared PostgreSQL cluster; set JIQUN_TEST_ALLOW_PG_RESTART=1 when nothing else uses it",
)


def report(title: str, injected: str, checked: list[str]) -> None:
    print(f"\n{title}\n  injected: {injected}")
    for line in checked:
        print(f"  checked: {line}")


async def _mixed_load(database_url: str, seconds: float) -> None:
    key = await regulator_key(database_url)
    env = base_env(JIQUN_REDIS_URL=REDIS_URL or "", JIQUN_POLL_INTERVAL_S="1", **READ_ENV)
    with running_server(database_url, env=env) as a, running_server(database_url, env=env) as b:
        out = await run_load(database_url, [a, b], [a, b], key, seconds=seconds)
    checked = await verify(database_url, out, steady_bounds(seconds))
    report("mixed load", f"{seconds:.0f} s of 4 writers, 2 readers, 10 subscribers on 2 processes + Redis", checked)


@ON_POSTGRES
@needs_redis
async def test_mixed_load_keeps_the_log_gapless_and_every_subscriber_complete(database_url):
    """Injected: 12 s of concurrent writers, readers and subscribers on two API processes sharing Redis.
    Checked: at least 8 writes a second committed, no write refused, no read failed, a gapless change
    log holding each stored notice exactly once, every subscriber got every event once in order, and the
    stored notices are exactly the acknowledged ones."""
    await _mixed_load(database_url, LOAD_S)


@pytest.mark.slow
@ON_POSTGRES
@needs_redis
async def test_long_mixed_load(database_url):
    """The same for two minutes."""
    await _mixed_load(database_url, SLOW_LOAD_S)


def _start_redis(port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while (
        subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() != "PONG"
    ):
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"redis-server did not start on port {port}")
        time.sleep(0.05)
    return process


@ON_POSTGRES
async def test_redis_killed_and_restarted_during_load_loses_no_event(database_url):
    """Injected: a private Redis (never the shared one) SIGKILLed 3 s into a 12 s load on two processes
    and started again on the same port 3 s later. Checked: Redis only carries wake-ups, so its loss
    refuses no write and fails no read (at least 8 writes a second committed); subscribers on both
    processes kept receiving every event once and in order, the change log is gapless and holds each
    stored notice exactly once, no acknowledged write is lost."""
    key = await regulator_key(database_url)
    port = free_port()
    redis = [_start_redis(port)]
    events: list[str] = []

    async def fault() -> None:
        await asyncio.sleep(3)
        redis[0].send_signal(signal.SIGKILL)
        redis[0].wait(timeout=10)
        events.append(f"Redis on port {port} SIGKILLed at 3 s")
        await asyncio.sleep(3)
        redis[0] = _start_redis(port)
        events.append("Redis started again at 6 s")

    try:
        env = base_env(JIQUN_REDIS_URL=f"redis://127.0.0.1:{port}/0", JIQUN_POLL_INTERVAL_S="1", **READ_ENV)
        with running_server(database_url, env=env) as a, running_server(database_url, env=env) as b:
            out = await run_load(database_url, [a, b], [a, b], key, seconds=LOAD_S, fault=fault)
            logs = a.log() + b.log()
    finally:
        stop_process(redis[0])
    assert len(events) == 2, f"the fault did not run: {events}"
    checked = await verify(database_url, out, steady_bounds(LOAD_S))
    report("Redis kill and restart", "; ".join(events), checked)
    assert "Traceback" not in logs, f"a server logged a traceback:\n{logs[-3000:]}"


@allow_pg_restart
@ON_POSTGRES
@needs_redis
async def test_postgresql_restarted_during_load_recovers_without_a_server_restart(database_url):
    """Injected: the shared PostgreSQL cluster restarted (pg_ctlcluster 15 main restart) 3 s into a 12 s
    write and read load on two processes. Checked: failed requests got clean JSON errors, both servers
    answer /healthz and accept writes afterwards without being restarted, every acknowledged notice is
    stored and the change log is gapless and holds each stored notice exactly once. The restart takes a
    few seconds of the twelve: at least 20 writes commit, and at most half of the reads and writes fail."""
    key = await regulator_key(database_url)
    events: list[str] = []

    async def fault() -> None:
        await asyncio.sleep(3)
        done = await asyncio.to_thread(
            subprocess.run,
            PG_RESTART,
            capture_output=True,
            text=True,
            timeout=120,
        )
        events.append(f"`{' '.join(PG_RESTART)}` at 3 s exited {done.returncode} {done.stderr.strip()[-300:]}")

    env = base_env(JIQUN_REDIS_URL=REDIS_URL or "", JIQUN_POLL_INTERVAL_S="1", **READ_ENV)
    with running_server(database_url, env=env) as a, running_server(database_url, env=env) as b:
        out = await run_load(database_url, [a, b], [], key, seconds=LOAD_S, subscribers_per_server=0, fault=fault)
        after = await run_load(database_url, [a, b], [], key, seconds=2, subscribers_per_server=0)
        health = [s.client().get("/healthz").status_code for s in (a, b)]
    assert events and " exited 0 " in f"{events[0]} ", f"the restart failed: {events}"
    assert health == [200, 200], f"servers unhealthy after the restart: {health}"
    assert after.committed and not after.refused, f"writes after the restart: {len(after.refused)} refused"
    attempts = len(out.committed) + len(out.refused) + len(out.unanswered)
    bounds = Bounds(min_committed=20, max_failed_reads=out.reads // 2, max_refused=attempts // 2)
    out.committed += after.committed
    checked = await verify(database_url, out, bounds)
    report("PostgreSQL restart", events[0], [*checked, f"both servers healthy and writing again: {health}"])


def _socket_count(pid: int) -> int:
    fds = Path(f"/proc/{pid}/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:
            continue
    return count


async def _wait_for_sockets(pid: int, at_most: int, timeout: float = 15.0) -> int:
    deadline = time.monotonic() + timeout
    while (count := _socket_count(pid)) > at_most and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    return count


async def _partner_key_and_a_change(database_url: str) -> str:
    """A partner key, and one notice so that every new subscription is sent a batch at once."""
    engine = create_engine(database_url)
    try:
        sessionmaker = create_sessionmaker(engine)
        await Writer(sessionmaker).notice()
        async with sessionmaker() as session:
            _, token = await create_key(session, name="Partner", role="partner")
            await session.commit()
            return token
    finally:
        await engine.dispose()


async def _two_subscriptions_accepted(url: str, key: str, within_s: float) -> None:
    """Open two subscriptions on ``key`` (its whole limit), retrying while one is refused for want of a slot.

    A dropped client's slot is freed when the server finishes cancelling its subscription, which can trail
    the socket's close by a moment on a loaded machine; a leaked slot is never freed, so refusals that
    last ``within_s`` fail the check."""
    deadline = time.monotonic() + within_s
    while True:
        async with subscriber(url, key) as one, subscriber(url, key) as two:
            for sub in (one, two):
                await sub.subscribe()
                await sub.collect(lambda s: bool(s.events), timeout=10)
            errors = one.errors + two.errors
            if not errors:
                return
        refused = all(e.get("extensions", {}).get("code") == "TOO_MANY_SUBSCRIPTIONS" for e in errors)
        assert refused and time.monotonic() < deadline, f"a subscription slot leaked: {errors}"
        await asyncio.sleep(0.2)


async def test_clients_vanishing_mid_subscription_leave_no_connection_or_slot_behind(database_url):
    """Injected: 10 clients that subscribe, receive a batch and drop their TCP connection without a close
    frame, against a server allowing 2 subscriptions per key. Checked: the server's sockets return to
    their count before the clients, and the same key can open 2 new subscriptions (no slot leaked)."""
    env = {"JIQUN_MAX_SUBSCRIPTIONS_PER_KEY": "2", "JIQUN_POLL_INTERVAL_S": "0.5"}
    with running_server(database_url, env=env) as server:
        key = await _partner_key_and_a_change(database_url)
        server.client().get("/healthz")
        before = _socket_count(server.process.pid)
        for _ in range(10):
            ws = await connect(server.websocket_url, subprotocols=[TRANSPORT_WS])
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
            payload = {"query": FOLLOW, "variables": {"after": None}}
            await ws.send(json.dumps({"id": "f", "type": "subscribe", "payload": payload}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "next"
            ws.transport.abort()
        after = await _wait_for_sockets(server.process.pid, before)
        assert after <= before, f"server sockets: {before} before the vanished clients, {after} after"
        await _two_subscriptions_accepted(server.websocket_url, key, within_s=10)
    report(
        "vanishing subscribers",
        "10 subscribed clients dropped their TCP connection without closing",
        [f"server sockets back to {after} (were {before})", "2 new subscriptions on the same key (limit 2) accepted"],
    )
