"""``jiqun demo``: fill the database with deterministic demo data."""

from __future__ import annotations

import asyncio

import click

from api.cli.errors import user_errors
from api.settings import Settings


@click.command()
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.01, max=1000),
    help="Multiply the default size (60 agencies, 400 addresses, 20,000 enterprises).",
)
@click.option("--seed", default=2026, show_default=True, type=int, help="Random seed; same seed, same data.")
def demo(scale: float, seed: int) -> None:
    """Migrate the database and fill it with realistic demo data for Daxing, Tongzhou and Wuxi.

    The data are as of 2026-03-02 and the same for the same seed and scale. The database must hold no
    agencies yet. Prints rows written, elapsed time and rows per second at the end.
    """
    from demo.generate import DatabaseNotEmpty, generate
    from migrations import runner

    settings = Settings.from_env()
    with user_errors(settings.database_url):
        runner.upgrade(settings.database_url)
        try:
            asyncio.run(generate(settings.database_url, scale=scale, seed=seed))
        except DatabaseNotEmpty as exc:
            raise click.ClickException(f"{exc} (set JIQUN_DATABASE_URL to a new database)") from exc
