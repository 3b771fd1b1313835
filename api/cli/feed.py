"""``jiqun feed``: the change feed's head and retention, and pruning its oldest changes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from api.cli.session import in_session
from api.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.feed import Pruned


@click.group()
def feed() -> None:
    """The change feed partners follow (the `changes` query and subscription)."""


@feed.command()
def status() -> None:
    """Show the newest change and the oldest one still kept."""
    settings = Settings.from_env()

    from domain import feed as change_feed

    async def read(session: AsyncSession) -> tuple[int, int]:
        head = await change_feed.head_seq(session)
        return head, await change_feed.oldest_retained_seq(session, head)

    head, oldest = in_session(read, settings)
    click.echo(f"newest change: seq {head} (cursor {change_feed.encode_cursor(head)})")
    if oldest <= 1:  # a cursor expires only once a change after it was pruned (domain.feed.reading._check_cursor)
        click.echo("oldest kept:   seq 1; nothing has been pruned, so no cursor has expired")
    else:
        click.echo(f"oldest kept:   seq {oldest}; cursors before seq {oldest - 1} get CURSOR_EXPIRED")
    retention = settings.feed_retention_days
    click.echo(
        f"retention:     {f'{retention:g} days' if retention else 'unlimited (JIQUN_FEED_RETENTION_DAYS unset)'}"
    )


@feed.command()
@click.option(
    "--before",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Delete changes committed before this UTC date or time.",
)
@click.option("--through-seq", type=click.IntRange(min=1), help="Delete changes up to and including this seq.")
@click.option(
    "--older-than-days",
    type=click.FloatRange(min=0, min_open=True),
    help="Delete changes older than this many days (default: JIQUN_FEED_RETENTION_DAYS).",
)
def prune(before: dt.datetime | None, through_seq: int | None, older_than_days: float | None) -> None:
    """Delete the oldest changes. Partners whose cursor still needs them get CURSOR_EXPIRED and reload the
    snapshot; everyone else is unaffected."""
    settings = Settings.from_env()
    given = [o for o in (before, through_seq, older_than_days) if o is not None]
    if len(given) > 1:
        raise click.UsageError("give one of --before, --through-seq and --older-than-days")
    if not given:
        if not settings.feed_retention_days:
            raise click.UsageError(
                "give --before, --through-seq or --older-than-days, or set JIQUN_FEED_RETENTION_DAYS"
            )
        older_than_days = settings.feed_retention_days
    cutoff = before.replace(tzinfo=dt.UTC) if before is not None else None
    if older_than_days is not None:
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=older_than_days)

    async def run(session: AsyncSession) -> Pruned:
        from domain import feed as change_feed

        return await change_feed.prune_log(session, before=cutoff, through_seq=through_seq)

    pruned = in_session(run, settings)
    click.echo(f"deleted {pruned.deleted} changes; oldest kept: seq {pruned.oldest_retained_seq} of {pruned.head_seq}")
