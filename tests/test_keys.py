"""API keys through ``jiqun keys``: the secret is printed once and stored only as a hash; revoked keys,
tampered tokens and malformed tokens do not authenticate; bad requests create nothing."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.cli import main
from domain.actor import SYSTEM, Actor
from domain.db import create_engine, create_sessionmaker
from domain.enums import Role
from domain.ids import to_global_id
from domain.keys import authenticate
from domain.model import Agency, ApiKey
from domain.unit_of_work import UnitOfWork
from tests import factories
from tests.db_state import snapshot

T = TypeVar("T")
TOKEN = re.compile(r"^jq_([0-9a-f]{8})_[A-Za-z0-9_-]{32}$")


def in_session(url: str, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def go() -> T:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                return await fn(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def auth(url: str, token: str) -> Actor | None:
    return in_session(url, lambda s: authenticate(s, token))


def keys(url: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["keys", *args], env={"JIQUN_DATABASE_URL": url})


def refused(result: Result) -> str:
    """A refusal: exit code 1, one ``Error:`` line, no exception escaping the command."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.output.startswith("Error: "), result.output
    assert "Traceback" not in result.output
    return result.output


def create(url: str, *args: str) -> tuple[str, str]:
    result = keys(url, "create", *args)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("created key ") and "shown only now" in lines[0]
    match = TOKEN.match(lines[1])
    assert match, lines[1]
    return match.group(1), lines[1]


def test_create_list_revoke(database_url: str) -> None:
    prefix, token = create(database_url, "--name", "Tongzhou investment dashboard", "--role", "partner")

    rows = in_session(database_url, lambda s: _all_keys(s))
    assert [(r.prefix, r.role, r.name, r.revoked_at) for r in rows] == [
        (prefix, "partner", "Tongzhou investment dashboard", None)
    ]
    assert rows[0].secret_hash == hashlib.sha256(token.encode()).hexdigest()
    secret = token.split("_", 2)[2]
    state = asyncio.run(_snapshot(database_url))
    assert secret not in repr(state.rows), "the secret is stored somewhere"

    actor = auth(database_url, token)
    assert actor == Actor(f"key:{prefix}", Role.PARTNER, None, None)

    listing = keys(database_url, "list")
    assert listing.exit_code == 0, listing.output
    assert listing.output.split("\t")[:3] == [prefix, "partner", "active"]
    assert "Tongzhou investment dashboard" in listing.output
    assert secret not in listing.output and token not in listing.output

    revoked = keys(database_url, "revoke", prefix)
    assert revoked.exit_code == 0 and revoked.output.strip() == f"revoked {prefix}"
    assert auth(database_url, token) is None
    assert re.match(rf"^{prefix}\tpartner\trevoked \d{{4}}-\d{{2}}-\d{{2}}\t", keys(database_url, "list").output)

    again = keys(database_url, "revoke", prefix)
    assert again.exit_code == 0
    assert auth(database_url, token) is None


def test_scoped_keys_carry_their_scope(database_url: str) -> None:
    agency_id = asyncio.run(_agency(database_url))
    regulator_prefix, regulator = create(
        database_url, "--name", "大兴区市场监管局", "--role", "regulator", "--jurisdiction", "110115"
    )
    agency_prefix, agency = create(
        database_url, "--name", "托管机构", "--role", "agency", "--agency-id", str(agency_id)
    )
    admin_prefix, admin = create(database_url, "--name", "operator", "--role", "admin")
    assert auth(database_url, regulator) == Actor(f"key:{regulator_prefix}", Role.REGULATOR, "110115", None)
    assert auth(database_url, agency) == Actor(f"key:{agency_prefix}", Role.AGENCY, None, agency_id)
    assert auth(database_url, admin) == Actor(f"key:{admin_prefix}", Role.ADMIN, None, None)
    assert len({regulator, agency, admin}) == 3


def test_an_agency_key_names_its_agency_as_the_api_shows_it(database_url: str) -> None:
    agency_id = asyncio.run(_agency(database_url))
    uscc = in_session(database_url, lambda s: s.scalar(select(Agency.uscc).where(Agency.id == agency_id)))
    assert isinstance(uscc, str)
    for reference in (to_global_id("Agency", agency_id), uscc, uscc.lower(), str(agency_id)):
        prefix, token = create(database_url, "--name", "托管机构", "--role", "agency", "--agency-id", reference)
        assert auth(database_url, token) == Actor(f"key:{prefix}", Role.AGENCY, None, agency_id), reference
    before = asyncio.run(_snapshot(database_url))
    for reference in (to_global_id("Address", agency_id), to_global_id("Agency", 424242), "9" * 18, "x"):
        output = refused(keys(database_url, "create", "--name", "x", "--role", "agency", "--agency-id", reference))
        assert "INVALID_INPUT" in output, (reference, output)
    assert asyncio.run(_snapshot(database_url)) == before


def test_tampered_and_malformed_tokens_do_not_authenticate(database_url: str) -> None:
    prefix, token = create(database_url, "--name", "partner", "--role", "partner")
    other_prefix, _ = create(database_url, "--name", "partner 2", "--role", "partner")
    forged = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token.replace(f"jq_{prefix}_", f"jq_{other_prefix}_"),
        f"jq_{prefix}_",
        f"jq_{prefix}",
        token.upper(),
        "",
        "Bearer " + token,
        "jq__" + token.split("_", 2)[2],
    ]
    for candidate in forged:
        assert auth(database_url, candidate) is None, candidate
    assert auth(database_url, token) is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "x", "--role", "regulator"], "INVALID_INPUT"),
        (["--name", "x", "--role", "regulator", "--jurisdiction", "110119"], "NOT_FOUND"),
        (["--name", "x", "--role", "regulator", "--jurisdiction", "999999"], "INVALID_INPUT"),
        (["--name", "x", "--role", "agency"], "INVALID_INPUT"),
        (["--name", "x", "--role", "agency", "--agency-id", "424242"], "INVALID_INPUT"),
        (["--name", "x", "--role", "agency", "--agency-id", str(2**40)], "INVALID_INPUT"),
        (["--name", "   ", "--role", "partner"], "INVALID_INPUT"),
        (["--name", "n" * 101, "--role", "partner"], "INVALID_INPUT"),
        (["--name", "x", "--role", "partner", "--jurisdiction", "110115"], "only regulator keys have a jurisdiction"),
        (["--name", "x", "--role", "admin", "--jurisdiction", "110115"], "only regulator keys have a jurisdiction"),
        (["--name", "x", "--role", "agency", "--agency-id", "1", "--jurisdiction", "110115"], "only regulator"),
        (["--name", "x", "--role", "partner", "--agency-id", "1"], "only agency keys belong to an agency"),
        (["--name", "x", "--role", "regulator", "--jurisdiction", "110115", "--agency-id", "1"], "only agency"),
    ],
)
def test_bad_requests_are_refused_and_create_nothing(database_url: str, args: list[str], message: str) -> None:
    before = asyncio.run(_snapshot(database_url))
    output = refused(keys(database_url, "create", *args))
    assert message in output
    assert asyncio.run(_snapshot(database_url)) == before


def test_unknown_role_and_prefix_are_refused(database_url: str) -> None:
    result = keys(database_url, "create", "--name", "x", "--role", "system")
    assert result.exit_code == 2 and "'system' is not one of" in result.output
    assert "NOT_FOUND" in refused(keys(database_url, "revoke", "deadbeef"))
    assert in_session(database_url, _all_keys) == []


async def _all_keys(session: AsyncSession) -> list[ApiKey]:
    return list((await session.execute(select(ApiKey).order_by(ApiKey.id))).scalars())


async def _snapshot(url: str) -> Any:
    engine = create_engine(url)
    try:
        return await snapshot(create_sessionmaker(engine))
    finally:
        await engine.dispose()


async def _agency(url: str) -> int:
    engine = create_engine(url)
    try:
        sessionmaker = create_sessionmaker(engine)
        agency = await factories.agency(lambda: UnitOfWork(sessionmaker, SYSTEM))
        return agency.id
    finally:
        await engine.dispose()
