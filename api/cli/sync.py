"""``jiqun sync``: keep a local SQLite mirror of the public registry, as a partner system would."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from api.cli.errors import user_errors

if TYPE_CHECKING:
    from tqdm import tqdm

    from partner_sync.mirror import Mirror
    from partner_sync.progress import Progress


@click.command()
@click.option("--url", required=True, help="The GraphQL endpoint, e.g. https://jiqun.example/graphql.")
@click.option("--key", envvar="JIQUN_SYNC_KEY", help="An API key (or JIQUN_SYNC_KEY); anonymous without one.")
@click.option(
    "--into", "path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The SQLite mirror file."
)
@click.option("--jurisdiction", "jurisdictions", multiple=True, help="Mirror only this GB/T 2260 code (repeatable).")
@click.option("--once", is_flag=True, help="Catch up and exit instead of following live changes.")
@click.option("--page-size", default=500, show_default=True, type=click.IntRange(1, 1000), help="Items per request.")
def sync(url: str, key: str | None, path: Path, jurisdictions: tuple[str, ...], once: bool, page_size: int) -> None:
    """Mirror the public registry (jurisdictions, agencies, published addresses, enterprises, notices) into
    a SQLite file: the snapshot first, then every change. Each batch is stored with its cursor in one
    transaction, so an interrupted sync (Ctrl-C, SIGTERM, a crash) resumes where it stopped.

    Progress goes to standard error: bars on a terminal, otherwise a line per phase and then every few
    seconds. Exit status: 0 when done (--once), 1 on an error a retry will not fix, 130 after SIGINT and
    143 after SIGTERM (128 + the signal, as a shell reports it), with what was applied until then."""
    from tqdm import tqdm

    from partner_sync.mirror import Mirror
    from partner_sync.progress import Progress, ProgressLines
    from partner_sync.runner import SyncError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with user_errors():
        mirror = Mirror(path)
    bars: dict[str, tqdm] = {}

    def bar(phase: str, n: int) -> None:
        if phase not in bars:
            bars[phase] = tqdm(desc=phase, unit=" items", leave=True)
        bars[phase].update(n)

    progress = Progress(bar if sys.stderr.isatty() else ProgressLines(sys.stderr))
    try:
        with user_errors():
            stopped_by = asyncio.run(_run(url, key, mirror, list(jurisdictions), once, page_size, progress))
    except SyncError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        for each in bars.values():
            each.close()
        cursor = mirror.state("cursor")
        mirror.close()
    if stopped_by is None:
        click.echo(f"up to date: applied {progress.summary()}; cursor {cursor}", err=True)
        return
    click.echo(
        f"stopped by {stopped_by.name}: applied {progress.summary()}; cursor {cursor}; "
        "the same command resumes from there",
        err=True,
    )
    sys.exit(128 + stopped_by.value)


async def _run(
    url: str, key: str | None, mirror: Mirror, jurisdictions: list[str], once: bool, page_size: int, progress: Progress
) -> signal.Signals | None:
    """Run until done (``--once``) or until SIGINT/SIGTERM; the signal that stopped it, if one did. A
    signal cancels at the next network wait, never inside a transaction of the mirror."""
    from partner_sync.graphql import GraphQLClient
    from partner_sync.runner import Sync

    client = GraphQLClient(url, key)
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    stopped_by: signal.Signals | None = None

    def stop(sig: signal.Signals) -> None:
        nonlocal stopped_by
        if stopped_by is None:
            stopped_by = sig
            task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop, sig)
    try:
        await Sync(client, mirror, jurisdiction_codes=jurisdictions, page_size=page_size, progress=progress).run(
            once=once
        )
    except asyncio.CancelledError:
        if stopped_by is None:
            raise
        task.uncancel()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        with contextlib.suppress(Exception):
            await client.aclose()
    return stopped_by
