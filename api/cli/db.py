"""``jiqun db``: schema migrations."""

from __future__ import annotations

import click

from api.settings import Settings
from migrations import runner


@click.group()
def db() -> None:
    """Migrate the database schema (Alembic)."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Upgrade the schema to REVISION (default: the newest)."""
    runner.upgrade(Settings.from_env().database_url, revision)
    click.echo(f"database at {runner.current(Settings.from_env().database_url) or 'base'}")


@db.command()
@click.argument("revision", default="-1")
def downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION (default: one step; 'base' removes every table)."""
    runner.downgrade(Settings.from_env().database_url, revision)
    click.echo(f"database at {runner.current(Settings.from_env().database_url) or 'base'}")


@db.command()
def current() -> None:
    """Show the schema revision the database is at."""
    click.echo(runner.current(Settings.from_env().database_url) or "base (no schema)")
