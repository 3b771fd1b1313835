"""Turn the failures a command-line user can fix into one clear line and a non-zero exit, no traceback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click
from alembic.util.exc import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from domain.errors import DomainError


def _first_line(exc: BaseException) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(cause).strip() or type(cause).__name__
    return text.splitlines()[0]


@contextlib.contextmanager
def user_errors(database_url: str) -> Iterator[None]:
    """Refusals, bad revisions and unusable databases become a ``click.ClickException``."""
    try:
        yield
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    except CommandError as exc:
        raise click.ClickException(f"migration: {exc}") from exc
    except ArgumentError as exc:
        raise click.ClickException(f"JIQUN_DATABASE_URL is not a database URL: {exc}") from exc
    except (SQLAlchemyError, OSError) as exc:
        try:
            where = make_url(database_url).render_as_string(hide_password=True)
        except ArgumentError:
            where = "JIQUN_DATABASE_URL"
        raise click.ClickException(f"cannot use the database at {where}: {_first_line(exc)}") from exc
