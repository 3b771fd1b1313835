"""``jiqun demo``: fill the database with deterministic demo data."""

from __future__ import annotations

import asyncio

import click

from api.settings import Settings
from migrations import runner


@click.command()
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    type=float,
    help="Multiply the default size (60 agencies, 400 addresses, 20,000 enterprises).",
)
@click.option("--seed", default=2026, show_default=True, type=int, help="Random seed; same seed, same data.")
def demo(scale: float, seed: int) -> None:
    """Migrate the database and fill it with realistic demo data for Daxing, Tongzhou and Wuxi."""
    from api.demo.generate import generate

    settings = Settings.from_env()
    runner.upgrade(settings.database_url)
    asyncio.run(generate(settings.database_url, scale=scale, seed=seed))
