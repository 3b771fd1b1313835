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

    from api.sync.mirror import Mirror
    from api.sync.runner import Progress


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
    transaction, so an interrupted sync (Ctrl-C, SIGTERM, a crash) resumes where it stopped."""
    from tqdm import tqdm

    from api.sync.mirror import Mirror
    from api.sync.runner import Progress, SyncError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with user_errors():
        mirror = Mirror(path)
    bars: dict[str, tqdm] = {}

    def report(phase: str, n: int) -> None:
        if phase not in bars:
            bars[phase] = tqdm(desc=phase, unit=" items", disable=not sys.stderr.isatty(), leave=True)
        bars[phase].update(n)

    progress = Progress(report)
    try:
        with user_errors():
            stopped = asyncio.run(_run(url, key, mirror, list(jurisdictions), once, page_size, progress))
    except SyncError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        for bar in bars.values():
            bar.close()
        cursor = mirror.state("cursor")
        mirror.close()
    counts = ", ".join(f"{n} {phase}" for phase, n in progress.applied.items()) or "nothing new"
    click.echo(f"{'stopped' if stopped else 'up to date'}: applied {counts}; cursor {cursor}", err=True)


async def _run(
    url: str, key: str | None, mirror: Mirror, jurisdictions: list[str], once: bool, page_size: int, progress: Progress
) -> bool:
    """Run until done (``--once``) or until SIGINT/SIGTERM; ``True`` when stopped by a signal. A signal
    cancels at the next network wait, never inside a transaction of the mirror."""
    from api.sync.graphql import GraphQLClient
    from api.sync.runner import Sync

    client = GraphQLClient(url, key)
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    stopped = False

    def stop() -> None:
        nonlocal stopped
        stopped = True
        task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        await Sync(client, mirror, jurisdiction_codes=jurisdictions, page_size=page_size, progress=progress).run(
            once=once
        )
    except asyncio.CancelledError:
        if not stopped:
            raise
        task.uncancel()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        with contextlib.suppress(Exception):
            await client.aclose()
    return stopped
