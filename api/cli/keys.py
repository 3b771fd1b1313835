"""``jiqun keys``: API keys for partners, agencies, regulators and admins."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from api.cli.session import in_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


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
@click.option(
    "--agency-id",
    "agency",
    help="Agency keys: the agency's global id (its `id` in the GraphQL API), its USCC (统一社会信用代码) "
    "or its database id.",
)
def create(name: str, role: str, jurisdiction_code: str | None, agency: str | None) -> None:
    """Create a key and print its secret once."""

    async def go(session: AsyncSession) -> tuple[str, str]:
        from domain.keys import agency_id_of, create_key

        agency_id = await agency_id_of(session, agency) if agency is not None else None
        key, token = await create_key(
            session, name=name, role=role, jurisdiction_code=jurisdiction_code, agency_id=agency_id
        )
        return key.prefix, token

    prefix, token = in_session(go)
    click.echo(f"created key {prefix} ({role}); the secret is shown only now:")
    click.echo(token)


@keys.command("list")
def list_() -> None:
    """List keys (never their secrets)."""

    async def go(session: AsyncSession) -> list[tuple[str, str, str, str, int | str, dt.datetime | None]]:
        from domain.keys import list_keys

        return [
            (k.prefix, k.role, k.name, k.jurisdiction_code or "", k.agency_id or "", k.revoked_at)
            for k in await list_keys(session)
        ]

    for prefix, role, name, jurisdiction, agency, revoked in in_session(go):
        state = f"revoked {revoked:%Y-%m-%d}" if revoked else "active"
        click.echo(f"{prefix}\t{role}\t{state}\t{jurisdiction}\t{agency}\t{name}")


@keys.command()
@click.argument("prefix")
def revoke(prefix: str) -> None:
    """Revoke the key with PREFIX."""

    async def go(session: AsyncSession) -> str:
        from domain.keys import revoke_key

        return (await revoke_key(session, prefix)).prefix

    click.echo(f"revoked {in_session(go)}")
