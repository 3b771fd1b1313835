"""Headless Debian Chromium for tests of pages, with the flags this closed network needs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

# Headless, and nothing that would reach for the network this machine does not have.
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def dump_dom(url: str, profile: Path, *, run_scripts_ms: int | None = None) -> str:
    """The DOM of ``url`` after loading it (and running its scripts for ``run_scripts_ms`` of virtual
    time, for pages that render with JavaScript)."""
    assert CHROMIUM is not None
    command = [CHROMIUM, *HEADLESS_FLAGS, f"--user-data-dir={profile}"]
    if run_scripts_ms is not None:
        command.append(f"--virtual-time-budget={run_scripts_ms}")
    result = subprocess.run([*command, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "<html" in result.stdout, result.stderr[-2000:]
    return result.stdout
