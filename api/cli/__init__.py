"""The ``jiqun`` command line. Each sub-command lives in its own module."""

from __future__ import annotations

import click

from api.cli.db import db
from api.cli.demo import demo
from api.cli.feed import feed
from api.cli.keys import keys
from api.cli.publish import publish
from api.cli.rules import rules
from api.cli.serve import serve
from api.cli.sync import sync


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """jiqun (集群): the public registry of cluster-registration addresses.

    Settings come from JIQUN_* environment variables; the database defaults to ./jiqun.db (SQLite).
    Set JIQUN_DATABASE_URL=postgresql://... for PostgreSQL.
    """


main.add_command(serve)
main.add_command(db)
main.add_command(demo)
main.add_command(keys)
main.add_command(feed)
main.add_command(sync)
main.add_command(publish)
main.add_command(rules)
