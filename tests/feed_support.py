"""Helpers for the change-feed tests: a private Redis, a graphql-transport-ws subscriber, and commits that
wake subscribers the way an API process does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from api.broker import LocalBroker
from domain import commands
from domain.actor import SYSTEM
from domain.unit_of_work import UnitOfWork
from tests.server import free_port

TRANSPORT_WS = Subprotocol("graphql-transport-ws")
LEGACY_WS = Subprotocol("graphql-ws")

FOLLOW = """
subscription Follow($after: String, $first: Int! = 100, $entityKinds: [String!], $types: [String!]) {
  changes(after: $after, first: $first, entityKinds: $entityKinds, types: $types) {
    cursor
    events { cursor seq type entityKind entityId deleted entity }
  }
}"""


@contextlib.contextmanager
def private_redis() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of our own on a free port, so a test may stop it without touching anyone else's."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def unused_redis_url() -> str:
    """A Redis URL where nothing listens."""
    return f"redis://127.0.0.1:{free_port()}/0"


@dataclass
class Writer:
    """Commits through the domain commands with a unit of work whose commit notifies ``broker``, as an
    API process does; keeps the seqs it committed."""

    sessionmaker: async_sessionmaker[AsyncSession]
    broker: LocalBroker = field(default_factory=LocalBroker)
    seqs: list[int] = field(default_factory=list)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessionmaker, SYSTEM, on_commit=self.broker.notify)

    async def notice(self, title: str = "集群注册工作提示", jurisdiction_code: str = "110115") -> int:
        async with self.uow() as u:
            n = await commands.create_notice(
                u,
                kind="other",
                jurisdiction_code=jurisdiction_code,
                title=title,
                title_en="Cluster registration notice",
                body="请各托管机构按期报送季度报告。",
                body_en="Agencies report every quarter.",
                legal_basis="WX Art.15",
            )
            self.seqs += await u.commit()
            return n.id

    async def notices(self, count: int, body: str = "请各托管机构按期报送季度报告。") -> None:
        """``count`` notices in one unit of work (one commit, ``count`` consecutive seqs)."""
        async with self.uow() as u:
            for i in range(count):
                await commands.create_notice(
                    u,
                    kind="other",
                    jurisdiction_code="110115",
                    title=f"集群注册工作提示 {i}",
                    title_en=f"Notice {i}",
                    body=body,
                    body_en="Agencies report every quarter.",
                    legal_basis="WX Art.15",
                )
            self.seqs += await u.commit()


class Subscriber:
    """A graphql-transport-ws client that keeps what it received, as a partner would."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self.cursor: str | None = None
        self.errors: list[dict[str, Any]] = []
        self.completed = False

    async def receive(self, timeout: float) -> dict[str, Any]:
        """The next message other than a ping (which it answers); ``TimeoutError`` after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), max(deadline - time.monotonic(), 0)))
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            return message

    async def subscribe(self, after: str | None = None, **variables: Any) -> None:
        payload = {"query": FOLLOW, "variables": {"after": after, **variables}}
        await self.ws.send(json.dumps({"id": "feed", "type": "subscribe", "payload": payload}))

    async def collect(self, until: Callable[[Subscriber], bool], timeout: float = 20.0) -> None:
        """Receive batches until ``until(self)`` holds, the subscription ends, or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while not until(self) and not self.completed and not self.errors:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out with {len(self.events)} events, last cursor {self.cursor}")
            try:
                message = await self.receive(remaining)
            except TimeoutError:
                continue
            if message["type"] == "next":
                payload = message["payload"]
                if payload.get("errors"):
                    self.errors += payload["errors"]
                    continue
                batch = payload["data"]["changes"]
                self.events += batch["events"]
                self.cursor = batch["cursor"]
            elif message["type"] == "complete":
                self.completed = True
            elif message["type"] == "error":
                self.errors += message["payload"]

    @property
    def seqs(self) -> list[int]:
        return [e["seq"] for e in self.events]


@contextlib.asynccontextmanager
async def subscriber(url: str, key: str | None = None, **connect_args: Any) -> AsyncIterator[Subscriber]:
    async with connect(url, subprotocols=[TRANSPORT_WS], **connect_args) as ws:
        payload = {"Authorization": f"Bearer {key}"} if key else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        client = Subscriber(ws)
        ack = await client.receive(10)
        assert ack["type"] == "connection_ack", ack
        yield client


async def print_batches(url: str, after: str | None) -> None:
    """Subscribe and print one JSON line per batch, ``{"seqs": [...], "cursor": ...}``, flushed: what a
    partner would have stored when it is killed."""
    async with subscriber(url) as client:
        await client.subscribe(after)
        while True:
            message = await client.receive(3600)
            if message["type"] != "next":
                return
            batch = message["payload"]["data"]["changes"]
            print(json.dumps({"seqs": [e["seq"] for e in batch["events"]], "cursor": batch["cursor"]}), flush=True)


if __name__ == "__main__":
    import sys

    asyncio.run(print_batches(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
