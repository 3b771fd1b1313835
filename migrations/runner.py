"""Programmatic Alembic: what ``jiqun db upgrade|downgrade|current`` and the tests call."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TextIO

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from domain.db import normalise_url

HERE = Path(__file__).resolve().parent


def alembic_config(url: str, stdout: TextIO | None = None) -> Config:
    cfg = Config(str(HERE / "alembic.ini"), stdout=stdout) if stdout else Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "-1") -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> str:
    out = io.StringIO()
    command.current(alembic_config(url, stdout=out))
    return out.getvalue().strip()


def missing_sqlite_file(url: str) -> Path | None:
    """The file of a SQLite ``url`` when it does not exist yet: opening it would create an empty database."""
    u = make_url(normalise_url(url))
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:" or u.database.startswith("file:"):
        return None
    path = Path(u.database)
    return None if path.exists() else path


def at_head(url: str) -> bool:
    """Whether the schema is at the newest revision (what the running code expects)."""
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    return {line.split()[0] for line in current(url).splitlines() if line.strip()} == heads
