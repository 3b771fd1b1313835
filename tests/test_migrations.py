"""The migrations build exactly the model's schema, take it down again, and run from the command line."""

from __future__ import annotations

import asyncio
import os
import subprocess
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import MetaData, inspect, select
from sqlalchemy.engine import Connection

from api.cli import main
from demo.generate import generate
from domain.db import create_engine
from domain.model import Base, ChangeLogCounter, Jurisdiction
from migrations import runner
from tests.server import jiqun_command

MODEL_TABLES = set(Base.metadata.tables)


def head_revision(url: str) -> str:
    head = ScriptDirectory.from_config(runner.alembic_config(url)).get_current_head()
    assert head is not None
    return head


def _state(conn: Connection) -> dict[str, Any]:
    tables = set(inspect(conn).get_table_names())
    state: dict[str, Any] = {"tables": tables}
    if "jurisdictions" in tables:
        state["jurisdictions"] = conn.execute(select(Jurisdiction.code).order_by(Jurisdiction.code)).scalars().all()
        state["counter"] = conn.execute(select(ChangeLogCounter.id, ChangeLogCounter.last_seq)).all()
    return state


def _differences(conn: Connection) -> list[Any]:
    # The options of migrations/env.py, so this sees what `alembic revision --autogenerate` would.
    context = MigrationContext.configure(conn, opts={"compare_type": True, "target_metadata": Base.metadata})
    return list(compare_metadata(context, Base.metadata))


def run_sync(url: str, fn: Any) -> Any:
    async def go() -> Any:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(fn)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_upgrade_downgrade_upgrade_round_trip(database_url: str) -> None:
    migrated = run_sync(database_url, _state)
    assert migrated["tables"] == MODEL_TABLES | {"alembic_version"}
    assert "110115" in migrated["jurisdictions"] and "320200" in migrated["jurisdictions"]
    assert migrated["counter"] == [(1, 0)]
    assert runner.current(database_url).startswith(f"{head_revision(database_url)} (head)")

    runner.downgrade(database_url, "base")
    assert run_sync(database_url, _state)["tables"] <= {"alembic_version"}
    assert runner.current(database_url) == ""

    runner.upgrade(database_url)
    assert run_sync(database_url, _state) == migrated
    assert run_sync(database_url, _differences) == []


def test_autogenerate_finds_no_difference_with_the_model(database_url: str) -> None:
    assert run_sync(database_url, _differences) == []


def test_migrating_an_empty_database_matches_the_model(database_url: str) -> None:
    """Step by step from nothing: each revision downgrades to its parent and upgrades again."""
    script = ScriptDirectory.from_config(runner.alembic_config(database_url))
    revisions = [r.revision for r in script.walk_revisions("base", "heads")][::-1]
    runner.downgrade(database_url, "base")
    for revision in revisions:
        runner.upgrade(database_url, revision)
        runner.downgrade(database_url, "-1")
        runner.upgrade(database_url, revision)
    assert run_sync(database_url, _differences) == []
    assert run_sync(database_url, _state)["counter"] == [(1, 0)]


def jiqun(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*jiqun_command(), *args],
        env={**os.environ, "JIQUN_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_db_commands_of_the_cli(database_url: str) -> None:
    head = head_revision(database_url)

    current = jiqun(database_url, "db", "current")
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip() == f"{head} (head)"

    down = jiqun(database_url, "db", "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert down.stdout.strip() == "database at base"
    assert jiqun(database_url, "db", "current").stdout.strip() == "base (no schema)"
    assert run_sync(database_url, _state)["tables"] <= {"alembic_version"}

    up = jiqun(database_url, "db", "upgrade")
    assert up.returncode == 0, up.stderr
    assert up.stdout.strip() == f"database at {head} (head)"
    assert run_sync(database_url, _differences) == []
    assert "Traceback" not in current.stderr + down.stderr + up.stderr


def test_db_commands_refuse_an_unknown_revision(database_url: str) -> None:
    for command in ("upgrade", "downgrade"):
        result = CliRunner().invoke(main, ["db", command, "nosuchrevision"], env={"JIQUN_DATABASE_URL": database_url})
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        assert result.stderr.startswith("Error: migration: ") and "nosuchrevision" in result.stderr
    assert run_sync(database_url, _differences) == []


def _rows(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but the version table), each with every column it has, in key order."""
    meta = MetaData()
    meta.reflect(conn)
    return {
        name: [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns)).all()]
        for name, table in sorted(meta.tables.items())
        if name != "alembic_version"
    }


def test_a_demo_database_of_the_previous_revision_upgrades_keeping_every_row(database_url: str) -> None:
    """The demo's rows at revision 0002 (before findings recorded the agency's involvement and a hazard's
    severity, and enterprises a business suspension) come through the upgrade unchanged, column by column;
    the new columns hold "not determined" / "none filed"."""
    asyncio.run(generate(database_url, scale=0.02, seed=7, quiet=True))
    runner.downgrade(database_url, "0002")
    before = run_sync(database_url, _rows)
    assert sum(len(rows) for rows in before.values()) > 1000 and before["enterprise_findings"]
    runner.upgrade(database_url)
    after = run_sync(database_url, _rows)
    assert after.keys() == before.keys()
    old_width = len(before["enterprise_findings"][0])
    for name, rows in before.items():
        width = len(rows[0]) if rows else 0
        assert [r[:width] for r in after[name]] == rows, name
    assert {r[old_width:] for r in after["enterprise_findings"]} == {(False, None, None)}
    assert {r[len(before["enterprises"][0]) :] for r in after["enterprises"]} == {(None,)}
