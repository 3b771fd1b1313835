"""``jiqun keys``: API keys for partners, agencies, regulators and admins."""

from __future__ import annotations

import asyncio

import click

from api.cli.errors import user_errors
from api.settings import Settings
from domain.db import create_engine, create_sessionmaker
from domain.keys import create_key, list_keys, revoke_key


def _run(coro_fn):  # type: ignore[no-untyped-def]
    url = Settings.from_env().database_url

    async def runner() -> object:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                result = await coro_fn(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    with user_errors(url):
        return asyncio.run(runner())


@click.group()
def keys() -> None:
    """Create, list and revoke API keys (stored hashed; the secret is shown once)."""


@keys.command("create")
@click.option("--name", required=True, help="Who the key is for.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["partner", "agency", "regulator", "admin"]),
    help="partner: public data and the feed; agency: its own records; regulator: one jurisdiction; admin: all.",
)
@click.option("--jurisdiction", "jurisdiction_code", help="Regulator keys: the GB/T 2260 code they govern.")
@click.option("--agency-id", type=int, help="Agency keys: the agency's database id.")
def create(name: str, role: str, jurisdiction_code: str | None, agency_id: int | None) -> None:
    """Create a key and print its secret once."""

    async def go(session):  # type: ignore[no-untyped-def]
        key, token = await create_key(
            session, name=name, role=role, jurisdiction_code=jurisdiction_code, agency_id=agency_id
        )
        return key.prefix, token

    prefix, token = _run(go)
    click.echo(f"created key {prefix} ({role}); the secret is shown only now:")
    click.echo(token)


@keys.command("list")
def list_() -> None:
    """List keys (never their secrets)."""

    async def go(session):  # type: ignore[no-untyped-def]
        return [
            (k.prefix, k.role, k.name, k.jurisdiction_code or "", k.agency_id or "", k.revoked_at)
            for k in await list_keys(session)
        ]

    for prefix, role, name, jurisdiction, agency, revoked in _run(go):
        state = f"revoked {revoked:%Y-%m-%d}" if revoked else "active"
        click.echo(f"{prefix}\t{role}\t{state}\t{jurisdiction}\t{agency}\t{name}")


@keys.command()
@click.argument("prefix")
def revoke(prefix: str) -> None:
    """Revoke the key with PREFIX."""

    async def go(session):  # type: ignore[no-untyped-def]
        return (await revoke_key(session, prefix)).prefix

    click.echo(f"revoked {_run(go)}")
