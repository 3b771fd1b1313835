"""``jiqun serve``: run the API with uvicorn."""

from __future__ import annotations

import asyncio

import click

from api.cli.errors import user_errors
from api.settings import Settings


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

    settings = Settings.from_env()
    if with_demo:
        from api.demo.generate import fill_if_empty
        from migrations import runner

        with user_errors(settings.database_url):
            runner.upgrade(settings.database_url)
            asyncio.run(fill_if_empty(settings.database_url))
    click.echo(f"jiqun serving on http://{host}:{port}/graphql")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
    )
