"""``jiqun sync`` against a running server: a mirror equal to the public registry, after interruptions,
a crash and an expired cursor, while mutations keep coming; never a personal field in it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from domain import feed
from domain.keys import create_key
from domain.model import Address, Agency, Enterprise, Jurisdiction, Notice
from domain.privacy import find_personal_data
from domain.projections import projection_of
from tests import factories, graphql_support
from tests.server import Server, jiqun_command, running_server

BOUND_S = 60.0
ENV = {"JIQUN_POLL_INTERVAL_S": "0.3", "JIQUN_RATE_LIMIT_KEY_PER_MINUTE": "1000000"}

CREATE_NOTICE = """
mutation ($title: String!) {
  createNotice(input: {kind: OTHER, jurisdictionCode: "110115", title: $title, titleEn: "Notice",
                       body: "请各托管机构按期报送季度报告。", bodyEn: "Report every quarter.",
                       legalBasis: "DX Art.13"}) { userErrors { code message } }
}"""

REGISTER_ENTERPRISE = """
mutation ($address: ID!, $uscc: String!, $id: String!) {
  registerEnterprise(input: {addressId: $address, uscc: $uscc, name: "北京同步测试科技有限公司", kind: COMPANY,
                             industryCode: "6510", personal: {legalRepresentativeName: "刘德明",
                             legalRepresentativeIdNumber: $id, contactPhone: "13812345678"}}) {
    userErrors { code message }
  }
}"""


@pytest.fixture
async def site(database_url: str, sessionmaker) -> AsyncIterator[dict[str, Any]]:
    """A server on a registry with personal data in it, and keys for a writer and a partner."""
    world = await graphql_support.build_world(sessionmaker)
    async with sessionmaker() as session:
        _, regulator = await create_key(session, name="Daxing", role="regulator", jurisdiction_code="110115")
        _, partner = await create_key(session, name="partner", role="partner")
        await session.commit()
    with running_server(database_url, env=ENV) as server:
        yield {"server": server, "world": world, "regulator": regulator, "partner": partner}


async def public_state(sessionmaker, codes: frozenset[str] = frozenset()) -> dict[str, dict[str, Any]]:
    """What anyone may see, computed from the tables: the mirror must equal it."""
    state: dict[str, dict[str, Any]] = {}
    async with sessionmaker() as session:
        for model in (Jurisdiction, Agency, Address, Enterprise, Notice):
            query = select(model)
            if model is Address:
                query = query.where(Address.published_on.is_not(None))
            for row in (await session.execute(query)).scalars():
                kind, gid, code, projection = projection_of(row)
                if not codes or code in codes:
                    state.setdefault(kind, {})[gid] = projection
    return state


def mirror_state(path: Path) -> dict[str, dict[str, Any]]:
    tables = {"Jurisdiction": "jurisdictions", "Agency": "agencies", "Address": "addresses"}
    tables |= {"Enterprise": "enterprises", "Notice": "notices"}
    with contextlib.closing(sqlite3.connect(path)) as db:
        state = {
            kind: {i: json.loads(d) for i, d in db.execute(f"SELECT id, data FROM {t}")} for kind, t in tables.items()
        }
    return {kind: rows for kind, rows in state.items() if rows}


def mirror_cursor(path: Path) -> int:
    if not path.exists():
        return -1
    with contextlib.closing(sqlite3.connect(path)) as db, contextlib.suppress(sqlite3.OperationalError):
        row = db.execute("SELECT value FROM sync_state WHERE key = 'cursor'").fetchone()
        return feed.decode_cursor(row[0]) if row else -1
    return -1


def sync(server: Server, path: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*jiqun_command(), "sync", "--url", server.graphql_url, "--into", str(path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen[bytes], timeout: float = BOUND_S, status: int = 0) -> str:
    _, err = process.communicate(timeout=timeout)
    text = err.decode()
    assert process.returncode == status, text
    return text


async def head(sessionmaker) -> int:
    async with sessionmaker() as session:
        return await feed.head_seq(session)


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(int(BOUND_S / 0.1)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Mutations:
    """A regulator publishing notices and registering enterprises (with personal data) without pause."""

    def __init__(self, server: Server, key: str, address_id: str) -> None:
        self.client = httpx.AsyncClient(
            base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=BOUND_S
        )
        self.address_id = address_id
        self.done = 0
        self.stopping = False
        self.task: asyncio.Task[None] | None = None

    async def one(self) -> None:
        if self.done % 2:
            variables = {
                "address": self.address_id,
                "uscc": factories.make_uscc("110115"),
                "id": graphql_support.PERSON_ID,
            }
            query, field = REGISTER_ENTERPRISE, "registerEnterprise"
        else:
            query, variables, field = CREATE_NOTICE, {"title": f"提示 {self.done}"}, "createNotice"
        body = (await self.client.post("/graphql", json={"query": query, "variables": variables})).json()
        assert "errors" not in body and not body["data"][field]["userErrors"], body
        self.done += 1

    async def run(self) -> None:
        while not self.stopping:
            await self.one()
            await asyncio.sleep(0.02)

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        """Let the mutation in flight finish, so nothing commits after the caller reads the head."""
        assert self.task is not None
        self.stopping = True
        try:
            await asyncio.wait_for(self.task, BOUND_S)
        finally:
            await self.client.aclose()


async def test_sync_interrupted_crashed_and_restarted_ends_equal_to_the_public_registry(site, sessionmaker, tmp_path):
    server, path = site["server"], tmp_path / "mirror.db"
    address = site["world"].gid("Address", "daxing-1")
    mutations = Mutations(server, site["regulator"], address)
    mutations.start()
    try:
        first = sync(server, path, "--key", site["partner"])
        await until(lambda: mirror_cursor(path) > 0, "the snapshot")
        done = mutations.done
        await until(lambda: mutations.done >= done + 6, "more mutations")
        first.send_signal(signal.SIGTERM)
        stopped = finish(first, status=143)  # 128 + SIGTERM, as a shell would report it
        assert "stopped by SIGTERM: applied " in stopped and "the same command resumes" in stopped
        assert "sync: snapshot " in stopped  # not on a terminal: progress comes as lines
        stopped_at = mirror_cursor(path)

        crashed = sync(server, path, "--key", site["partner"])
        await until(lambda: mirror_cursor(path) > stopped_at, "the restarted sync to move on")
        crashed.send_signal(signal.SIGKILL)  # no chance to clean up: the stored cursor must still be right
        crashed.wait(timeout=BOUND_S)

        crashed_at = mirror_cursor(path)
        last = sync(server, path, "--key", site["partner"])
        await until(lambda: mirror_cursor(path) > crashed_at, "the last sync to run")
        await until(lambda: mutations.done >= 20, "twenty mutations")
    finally:
        await mutations.stop()
    target = await head(sessionmaker)
    await until(lambda: mirror_cursor(path) >= target, "the mirror to catch up")
    last.send_signal(signal.SIGINT)
    assert "stopped by SIGINT: applied " in finish(last, status=130)

    assert mirror_state(path) == await public_state(sessionmaker)
    text = path.read_bytes().decode("utf-8", errors="replace")
    assert not list(find_personal_data(text)), "personal data in the mirror"
    assert "刘德明" not in text and graphql_support.PERSON_ID not in text


async def test_an_expired_cursor_reloads_the_snapshot(site, sessionmaker, tmp_path):
    server, path = site["server"], tmp_path / "mirror.db"
    finish(sync(server, path, "--once"))
    assert mirror_state(path) == await public_state(sessionmaker)
    mutations = Mutations(server, site["regulator"], site["world"].gid("Address", "daxing-1"))
    for _ in range(4):
        await mutations.one()
    await mutations.client.aclose()
    async with sessionmaker() as session:
        await feed.prune_log(session, through_seq=await feed.head_seq(session))
        await session.commit()
    log = finish(sync(server, path, "--once"))
    assert "CURSOR_EXPIRED" in log and "snapshot" in log
    assert mirror_state(path) == await public_state(sessionmaker)


async def test_a_mirror_of_one_city_holds_that_city_only(site, sessionmaker, tmp_path):
    server, path = site["server"], tmp_path / "wuxi.db"
    finish(sync(server, path, "--once", "--jurisdiction", "320200"))
    async with sessionmaker() as session:
        wuxi = await feed.expand_jurisdictions(session, ["320200"])
    assert mirror_state(path) == await public_state(sessionmaker, wuxi)
    refused = sync(server, path, "--once")  # the same file for another selection
    _, err = refused.communicate(timeout=BOUND_S)
    assert refused.returncode == 1 and "another file" in err.decode()
