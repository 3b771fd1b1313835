"""``jiqun db``: schema migrations."""

from __future__ import annotations

import click

from api.cli.errors import user_errors
from api.settings import Settings


@click.group()
def db() -> None:
    """Migrate the database schema (Alembic)."""


def _migrate(direction: str, revision: str) -> None:
    from migrations import runner

    url = Settings.from_env().database_url
    with user_errors(url):
        getattr(runner, direction)(url, revision)
        click.echo(f"database at {runner.current(url) or 'base'}")


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Upgrade the schema to REVISION (default: the newest)."""
    _migrate("upgrade", revision)


@db.command()
@click.argument("revision", default="-1")
def downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION (default: one step; 'base' removes every table)."""
    _migrate("downgrade", revision)


@db.command()
def current() -> None:
    """Show the schema revision the database is at."""
    from migrations import runner

    url = Settings.from_env().database_url
    with user_errors(url):
        missing = runner.missing_sqlite_file(url)
        if missing is not None:
            raise click.ClickException(f"there is no database at {missing}; `jiqun db upgrade` creates it")
        click.echo(runner.current(url) or "base (no schema)")
