"""A real ``jiqun serve`` on demo data for the website's tests, and small readers of its pages.

One server per backend and test module: the demo fill (scale 0.1: 7 agencies, 40 addresses, 2,000
enterprises) takes a few seconds and every test only reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.sql import Executable

from demo.generate import generate
from domain.db import create_engine, create_sessionmaker
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.security_support import stored_personal_values
from tests.server import Server, jiqun_command, running_server

DEMO_SCALE = 0.1
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class Site:
    server: Server
    database_url: str

    def rows(self, statement: Executable) -> Sequence[Any]:
        """Rows read straight from the database, to compare the pages with."""

        async def read() -> Sequence[Any]:
            engine = create_engine(self.database_url)
            try:
                async with create_sessionmaker(engine)() as session:
                    return list((await session.execute(statement)).all())
            finally:
                await engine.dispose()

        return asyncio.run(read())

    def personal_values(self) -> set[str]:
        """Every personal value the database holds (tests/security_support.py reads them)."""

        async def read() -> set[str]:
            engine = create_engine(self.database_url)
            try:
                return await stored_personal_values(create_sessionmaker(engine))
            finally:
                await engine.dispose()

        return asyncio.run(read())


@contextlib.contextmanager
def demo_site(databases: SqliteDatabases | PostgresDatabases, data_dir: Path) -> Iterator[Site]:
    """A server on a fresh database filled with the demo, its open data published into ``data_dir``."""
    url = databases.create()
    try:
        asyncio.run(generate(url, scale=DEMO_SCALE, quiet=True))
        env = {"JIQUN_DATABASE_URL": url, "JIQUN_DATA_DIR": str(data_dir)}
        # The header links to the open data, which exist once published.
        subprocess.run([*jiqun_command(), "publish"], env={**os.environ, **env}, check=True, capture_output=True)
        with running_server(url, env=env) as server:
            yield Site(server, url)
    finally:
        databases.drop(url)


@pytest.fixture(scope="module", params=BACKENDS)
def site(
    request: pytest.FixtureRequest,
    sqlite_databases: SqliteDatabases,
    postgres_databases: PostgresDatabases | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    """The site on each backend."""
    databases = sqlite_databases if request.param == "sqlite" else postgres_databases
    assert databases is not None
    with demo_site(databases, tmp_path_factory.mktemp("opendata")) as s:
        yield s


@pytest.fixture(scope="module")
def sqlite_site(sqlite_databases: SqliteDatabases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The site on SQLite alone, for the browser checks (what they look at does not depend on the backend)."""
    with demo_site(sqlite_databases, tmp_path_factory.mktemp("opendata")) as s:
        yield s


@dataclass
class Page(HTMLParser):
    """What the tests read from a page: links, visible text, form controls and labels, JSON-LD."""

    links: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    controls: list[dict[str, str]] = field(default_factory=list)
    label_for: set[str] = field(default_factory=set)
    json_ld: list[Any] = field(default_factory=list)
    html_lang: str = ""
    rows: list[list[str]] = field(default_factory=list)
    _script: str | None = None
    _in_row: bool = False
    _cell: list[str] | None = None
    _hidden_depth: int = 0

    def __post_init__(self) -> None:
        HTMLParser.__init__(self)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.html_lang = a.get("lang", "")
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "link" and "href" in a:
            self.links.append(a["href"])
        if tag in ("input", "select", "textarea"):
            self.controls.append(a)
        if tag == "label" and "for" in a:
            self.label_for.add(a["for"])
        if tag == "script":
            self._script = a.get("type", "")
        if tag in ("title", "style"):
            self._hidden_depth += 1
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None
        if tag in ("title", "style"):
            self._hidden_depth -= 1
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            if self._script == "application/ld+json":
                self.json_ld.append(json.loads(data))
            return
        if self._cell is not None:
            self._cell.append(data)
        if not self._hidden_depth and data.strip():
            self.text.append(data.strip())


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


TOTAL = re.compile(r"(?:共 |^)(\d+) (?:个地址|addresses)")


def total_of(page: Page) -> int:
    for piece in page.text:
        match = TOTAL.search(piece)
        if match:
            return int(match.group(1))
    raise AssertionError(f"no total on the page: {page.text[:40]}")


def result_codes(page: Page) -> list[str]:
    """The address codes of a directory page's result rows (the code under each address)."""
    codes = []
    for row in page.rows[1:]:
        code = code_in(row[0]) if row else None
        if code:
            codes.append(code)
    return codes


def code_in(cell: str) -> str | None:
    """The address code (``110115-000012``) in a table cell's text."""
    match = re.search(r"(?<!\d)\d{6}-\d{6}(?!\d)", cell)
    return match.group(0) if match else None
