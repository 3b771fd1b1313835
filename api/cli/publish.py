"""``jiqun publish``: write the open-data releases served at /opendata/."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from api.cli.errors import user_message
from api.settings import Settings

if TYPE_CHECKING:
    from opendata.release import Outcome


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to publish into (default: JIQUN_DATA_DIR, which the server serves at /opendata/).",
)
@click.option(
    "--base-url",
    help="Public URL of that directory, used in the catalogue and the pages "
    "(default: JIQUN_PUBLIC_BASE_URL followed by /opendata).",
)
def publish(out: Path | None, base_url: str | None) -> None:
    """Publish the approved-address directory and the public notices as Frictionless data packages.

    Each package whose data changed gets a new immutable release (releases/<version>/ with deltas against
    the previous one); `latest` moves atomically. An unchanged database makes no new version.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from domain.db import create_engine
    from opendata.fsutil import PublishBusy
    from opendata.guard import ReleaseRefused
    from opendata.release import publish as publish_release

    settings = Settings.from_env()
    target = out or settings.data_dir
    url = base_url or f"{settings.public_base_url.rstrip('/')}/opendata"

    async def run() -> list[Outcome]:
        engine = create_engine(settings.database_url)
        try:
            return await publish_release(engine, target, base_url=url, progress=sys.stderr.isatty())
        finally:
            await engine.dispose()

    try:
        outcomes = asyncio.run(run())
    except (ReleaseRefused, PublishBusy) as exc:
        raise click.ClickException(f"nothing published: {exc}") from exc
    except SQLAlchemyError as exc:
        raise click.ClickException(
            f"nothing published: the database could not be read ({type(exc).__name__}); "
            "check JIQUN_DATABASE_URL and run `jiqun db upgrade`"
        ) from exc
    except Exception as exc:
        message = user_message(exc, settings.database_url)
        if message is None:
            raise
        raise click.ClickException(f"nothing published: {message}") from exc
    for o in outcomes:
        if o.change == "unchanged":
            click.echo(f"{o.package} {o.version}: unchanged ({o.rows} rows), no new release")
        else:
            since = f" (was {o.previous})" if o.previous else ""
            click.echo(f"{o.package} {o.version}{since}: {o.change} release, {o.rows} rows, cursor {o.cursor}")
    click.echo(f"published in {target}")
