"""Turn the failures a command-line user can fix into one clear line and a non-zero exit, no traceback.

The exception classes are imported only once something failed, so that loading the command line (and
``jiqun --help``) does not load Alembic and SQLAlchemy.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from collections.abc import Iterator

import click

from domain.errors import DomainError


def _loaded(module: str, name: str) -> type[BaseException] | tuple[()]:
    """The exception class ``module.name``, or no class when the command never loaded ``module`` (then
    nothing can have raised it), so that reporting a failure loads no library."""
    loaded = sys.modules.get(module)
    return getattr(loaded, name) if loaded is not None else ()


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) if isinstance(exc, _loaded("sqlalchemy.exc", "DBAPIError")) else None
    cause = cause if cause is not None else exc
    text = str(cause).strip() or type(cause).__name__
    return text.splitlines()[0]


def _where(database_url: str | None) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if database_url is None:
        return "JIQUN_DATABASE_URL"
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "JIQUN_DATABASE_URL"


def user_message(exc: Exception, database_url: str | None) -> str | None:
    """The line to show for ``exc``, or ``None`` for a failure that is a bug (and keeps its traceback)."""
    if isinstance(exc, DomainError):
        return str(exc)
    if isinstance(exc, _loaded("alembic.util.exc", "CommandError")):
        return f"migration: {exc}"
    if isinstance(exc, _loaded("sqlalchemy.exc", "ArgumentError")):
        return f"JIQUN_DATABASE_URL is not a database URL: {exc}"
    database_failed = isinstance(exc, _loaded("sqlalchemy.exc", "SQLAlchemyError"))
    if database_failed or (isinstance(exc, OSError) and database_url is not None):
        return f"cannot use the database at {_where(database_url)}: {_first_line(exc)}"
    if isinstance(exc, OSError | sqlite3.Error):  # a file the command was told to use
        return _first_line(exc)
    return None


@contextlib.contextmanager
def user_errors(database_url: str | None = None) -> Iterator[None]:
    """Refusals, bad revisions and unusable databases become a ``click.ClickException``."""
    try:
        yield
    except click.ClickException:
        raise
    except Exception as exc:
        message = user_message(exc, database_url)
        if message is None:
            raise
        raise click.ClickException(message) from exc
