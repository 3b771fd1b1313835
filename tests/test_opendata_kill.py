"""A publish killed with SIGKILL part-way leaves the previous release serving, and the next publish
cleans up after it (invariant 6, docs/architecture.md). The real ``jiqun publish`` runs as a subprocess and
is stopped at
a named step (``JIQUN_PUBLISH_STALL_AT``) so the kill lands exactly there."""

from __future__ import annotations

import os
import select
import signal
import time
from typing import Any

import frictionless
import pytest

from domain import commands
from opendata.release import STALL_ENV
from tests.opendata_support import (
    BASE_URL,
    PACKAGE_NAMES,
    build_registry,
    directory_state,
    publish_to,
    reader_state,
    run_cli,
)


def _wait_for(process: Any, marker: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], deadline - time.monotonic())
        if not ready:
            break
        line = process.stderr.readline()
        if not line:
            break
        seen += line
        if marker in line:
            return
    process.kill()
    pytest.fail(f"publish never reached {marker!r}; stderr: {seen}")


@pytest.mark.parametrize(("stall_at", "leftover"), [("writing", ".staging-"), ("renamed", "1.1.0")])
async def test_killed_publish_leaves_the_previous_release_serving(
    sessionmaker, uow, tmp_data_dir, database_url, stall_at, leftover
):
    registry = await build_registry(uow)
    await publish_to(sessionmaker.kw["bind"], tmp_data_dir)
    before = reader_state(tmp_data_dir)
    async with uow() as u:
        await commands.suspend_address(u, registry.published_id, reason="整改中", expected_version=None)
        await u.commit()

    process = run_cli(["publish", "--base-url", BASE_URL], database_url, tmp_data_dir, **{STALL_ENV: stall_at})
    _wait_for(process, f"publish stalled at {stall_at}")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    assert reader_state(tmp_data_dir) == before  # latest, releases.json, catalogue: as they were
    assert any(name.startswith(leftover) for names in directory_state(tmp_data_dir).values() for name in names)

    again = run_cli(["publish", "--base-url", BASE_URL], database_url, tmp_data_dir)
    stdout, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stdout + stderr
    assert "approved-addresses 1.1.0 (was 1.0.0): minor release" in stdout
    for name in PACKAGE_NAMES:
        assert os.readlink(tmp_data_dir / name / "latest") == "releases/1.1.0"
        assert frictionless.validate(str(tmp_data_dir / name / "latest" / "datapackage.json")).valid
    assert directory_state(tmp_data_dir) == {
        name: ["index.html", "latest", "releases", "releases.json", "1.0.0", "1.1.0"] for name in PACKAGE_NAMES
    }
