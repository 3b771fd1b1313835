"""``jiqun serve``: run the API with uvicorn."""

from __future__ import annotations

import asyncio

import click

from api.cli.errors import user_errors
from api.settings import Settings, SettingsError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port.")
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes.")
@click.option(
    "--demo",
    "with_demo",
    is_flag=True,
    help="Migrate the database and fill it with demo data first if it holds no agencies.",
)
def serve(host: str, port: int, workers: int, with_demo: bool) -> None:
    """Serve GraphQL at /graphql (GraphiQL in a browser), /healthz and /opendata/."""
    import uvicorn

    from migrations import runner

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    with user_errors(settings.database_url):
        if with_demo:
            from demo.generate import fill_if_empty

            runner.upgrade(settings.database_url)
            asyncio.run(fill_if_empty(settings.database_url))
        elif not _migrated_or_unreachable(settings.database_url):
            raise click.ClickException(
                "the database is not migrated to the newest schema; run `jiqun db upgrade` first"
                " (or `jiqun serve --demo` for demo data)"
            )
    click.echo(f"jiqun serving on http://{host}:{port}/graphql")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        # The app decides who the client is, trusting X-Forwarded-For only from JIQUN_TRUSTED_PROXIES
        # (api/proxies.py); uvicorn's own handling would trust any local peer's header first.
        proxy_headers=False,
        # Time limits on headers and bodies and the per-address connection cap (api/connections.py); a
        # string, so that every worker process imports it.
        http="api.connections:GuardedHttpProtocol",
        # A WebSocket message is a request too: the protocol refuses a larger one (close 1009) before it is
        # read whole or decoded.
        ws_max_size=settings.max_body_bytes,
        # No permessage-deflate: change-feed batches are small, and compressing them costs CPU per
        # subscriber (its own compression context), which no sharing can save; a fifth of the feed's fan-out.
        ws_per_message_deflate=False,
    )


def _migrated_or_unreachable(url: str) -> bool:
    """False when the database is there but its schema is not the newest, so every query would fail.

    A database that cannot be reached is not refused: the server starts, ``/healthz`` reports it
    unreachable, and queries succeed once it is back.
    """
    from sqlalchemy.exc import DBAPIError

    from migrations import runner

    missing = runner.missing_sqlite_file(url)
    if missing is not None:
        return not missing.parent.is_dir()  # an empty new file would be created; a missing directory is unreachable
    try:
        return runner.at_head(url)
    except (DBAPIError, OSError):
        return True
