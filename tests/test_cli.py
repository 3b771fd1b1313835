"""The ``jiqun`` command line explains itself and refuses bad input with one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import make_url

from api.cli import main
from domain.unit_of_work import UnitOfWork
from migrations import runner
from tests import factories
from tests.databases import PG_URL
from tests.server import jiqun_command


def jiqun(*args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "JIQUN_DATABASE_URL"}
    if url is not None:
        env["JIQUN_DATABASE_URL"] = url
    return subprocess.run([*jiqun_command(), *args], env=env, capture_output=True, text=True, timeout=60)


def clean_refusal(result: subprocess.CompletedProcess[str], exit_code: int = 1) -> str:
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.stderr.strip(), "the refusal says nothing"
    return result.stderr


def commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


def test_top_level_help_lists_every_command() -> None:
    result = jiqun("--help")
    assert result.returncode == 0 and not result.stderr
    assert "cluster-registration addresses" in result.stdout and "JIQUN_DATABASE_URL" in result.stdout
    listed = flat(result.stdout)
    for name, command in main.commands.items():
        summary = command.get_short_help_str(limit=200)
        assert len(summary.split()) >= 3, f"jiqun {name} has no help"
        assert f"{name} {' '.join(summary.split()[:3])}" in listed


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("path", [p for p, _ in commands(main)], ids=" ".join)
def test_every_command_explains_itself(path: tuple[str, ...]) -> None:
    command = dict(commands(main))[path]
    for flag in ("--help", "-h"):
        result = CliRunner().invoke(main, [*path, flag], prog_name="jiqun")
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"Usage: jiqun {' '.join(path)}")
    name = f"jiqun {' '.join(path)}"
    assert command.help and len(command.help.split()) >= 4, f"{name}: no real help text"
    assert flat(command.help.split("\n\n")[0]) in flat(result.output)
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help and len(param.help.split()) >= 2, f"{name} {param.opts[0]} has no help"
            assert param.opts[0] in result.output
        elif isinstance(param, click.Argument):
            assert param.human_readable_name in command.help, f"{name}: {param.human_readable_name} unexplained"


def cli(*args: str, url: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"JIQUN_DATABASE_URL": url}, prog_name="jiqun")


def refused(result: Result, exit_code: int = 1) -> str:
    """What the user sees of a refusal run in-process: the exit code and the message, no exception."""
    assert result.exit_code == exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stderr.startswith("Error: ") or "Error: " in result.stderr, result.stderr
    return result.stderr


def test_unknown_command_and_bad_option_values_are_usage_errors(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"
    assert "No such command" in refused(cli("nosuchcommand", url=url), exit_code=2)
    assert "--port" in refused(cli("serve", "--port", "eighty", url=url), exit_code=2)
    assert "--role" in refused(cli("keys", "create", "--name", "x", "--role", "god", url=url), exit_code=2)
    assert "--name" in refused(cli("keys", "create", "--role", "partner", url=url), exit_code=2)


def test_a_domain_refusal_is_one_line_from_the_real_command(database_url: str) -> None:
    args = ("keys", "create", "--name", "x", "--role", "regulator", "--jurisdiction", "110119")
    stderr = clean_refusal(jiqun(*args, url=database_url))
    assert stderr.startswith("Error: NOT_FOUND") and "110119" in stderr and "不存在" in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_an_unmigrated_database_is_reported(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    stderr = refused(cli("keys", "list", url=url))
    assert stderr.startswith(f"Error: cannot use the database at {url}") and "api_keys" in stderr
    assert cli("db", "current", url=url).output.strip() == "base (no schema)"


SERVE_REFUSAL = (
    "Error: the database is not migrated to the newest schema; run `jiqun db upgrade` first"
    " (or `jiqun serve --demo` for demo data)"
)


def test_serve_refuses_a_database_without_the_newest_schema(database_url: str, tmp_path: Path) -> None:
    runner.downgrade(database_url, "base")
    empty = tmp_path / "empty.db"
    empty.touch()
    missing = tmp_path / "missing.db"
    for url in (database_url, f"sqlite:///{empty}", f"sqlite:///{missing}"):
        stderr = clean_refusal(jiqun("serve", "--port", "1", url=url))
        assert stderr.strip() == SERVE_REFUSAL, stderr
    assert not missing.exists()


def test_db_current_does_not_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "jiqun.db"
    url = f"sqlite:///{path}"
    stderr = clean_refusal(jiqun("db", "current", url=url))
    assert stderr.strip() == f"Error: there is no database at {path}; `jiqun db upgrade` creates it"
    assert not path.exists()
    assert jiqun("db", "upgrade", url=url).returncode == 0 and path.exists()
    current = jiqun("db", "current", url=url)
    assert current.returncode == 0 and current.stdout.strip().endswith("(head)"), current


async def test_feed_status_says_when_nothing_was_pruned(database_url: str, uow: Callable[..., UnitOfWork]) -> None:
    def oldest_line() -> str:
        result = jiqun("feed", "status", url=database_url)
        assert result.returncode == 0, result.stderr
        return next(line for line in result.stdout.splitlines() if line.startswith("oldest kept:"))

    assert oldest_line() == "oldest kept:   seq 1; nothing has been pruned, so no cursor has expired"
    await factories.agency(uow)
    await factories.agency(uow)
    assert jiqun("feed", "prune", "--through-seq", "1", url=database_url).returncode == 0
    assert oldest_line() == "oldest kept:   seq 2; cursors before seq 1 get CURSOR_EXPIRED"


@pytest.mark.parametrize("url", ["not a url", "nosuchdriver://host/db"])
def test_a_malformed_database_url_is_reported(url: str) -> None:
    for args in (("db", "current"), ("db", "upgrade"), ("db", "downgrade"), ("keys", "list")):
        assert "JIQUN_DATABASE_URL is not a database URL" in refused(cli(*args, url=url))


def test_an_unreachable_server_is_reported_without_its_password() -> None:
    url = "postgresql://jiqun:s3cret-pw@127.0.0.1:1/jiqun"
    shown = "Error: cannot use the database at postgresql://jiqun:***@127.0.0.1:1/jiqun: "
    for args in (("db", "upgrade"), ("keys", "list")):
        stderr = refused(cli(*args, url=url))
        assert stderr.startswith(shown) and "s3cret-pw" not in stderr
    stderr = clean_refusal(jiqun("db", "current", url=url))
    assert stderr.startswith(shown) and "s3cret-pw" not in stderr


@pytest.mark.postgres
def test_a_missing_postgresql_database_is_reported() -> None:
    assert PG_URL is not None
    url = make_url(PG_URL).set(database="jiqun_no_such_database").render_as_string(hide_password=False)
    stderr = refused(cli("db", "current", url=url))
    assert "jiqun_no_such_database" in stderr and "does not exist" in stderr


HEAVY = (
    "alembic",
    "sqlalchemy",
    "frictionless",
    "openpyxl",
    "websockets",
    "faker",
    "strawberry",
    "starlette",
    "uvicorn",
    "httpx",
    "tqdm",
    "api.app",
    "domain.model",
)
_LOADED = """
import sys
from api.cli import main
for group in [None, *sorted(main.commands)]:
    try:
        main([*([group] if group else []), "--help"], prog_name="jiqun")
    except SystemExit:
        pass
print(" ".join(sorted({m.split(".")[0] if not m.startswith(("api.", "domain.")) else m for m in sys.modules})))
"""


def test_help_loads_no_heavy_library() -> None:
    """Every command's help comes from click alone; libraries load when a command runs."""
    result = subprocess.run([sys.executable, "-c", _LOADED], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.strip().splitlines()[-1].split())
    assert sorted(loaded.intersection(HEAVY)) == []


@pytest.mark.parametrize(
    "args",
    [
        ("feed", "status"),
        ("feed", "prune", "--through-seq", "1"),
        ("publish",),
        ("serve", "--demo", "--port", "1"),
        ("keys", "list"),
        ("demo",),
        ("db", "current"),
    ],
    ids=" ".join,
)
def test_every_database_command_reports_a_bad_url_in_one_line(
    args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    stderr = clean_refusal(jiqun(*args, url="not a url"))
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "JIQUN_DATABASE_URL" in lines[0], stderr


def test_sync_reports_a_mirror_it_cannot_open_in_one_line(tmp_path: Path) -> None:
    into = tmp_path / "no-such-directory" / "mirror.db"
    stderr = clean_refusal(jiqun("sync", "--url", "http://127.0.0.1:1/graphql", "--into", str(into), "--once"))
    assert stderr.strip().splitlines()[-1] == "Error: unable to open database file"
