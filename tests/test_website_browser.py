"""The website in a real headless Chromium and over HTTP: pages render with no console message,
screenshots are taken, every link answers, and page weight and time to first byte are recorded.

Set ``JIQUN_WEBSITE_SCREENSHOTS`` to a folder (e.g. docs/screenshots) to keep the screenshots, and
``JIQUN_WEBSITE_FIGURES`` to a Markdown file (e.g. bench/WEBSITE.md) to keep the figures; the figures
are printed either way and never asserted as timings.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import time
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from sqlalchemy import select

from domain.enums import AddressStatus, NoticeStatus
from domain.model import Address, Agency, Notice
from tests.browser import CHROMIUM, needs_chromium
from tests.website_support import Site, parse, sqlite_site

__all__ = ["sqlite_site"]  # the fixture, used by name
CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\]? (.*)")


def chromium(url: str, profile: Path, screenshot: Path) -> list[str]:
    """Load ``url`` headless, save a full-width screenshot, and return what the page wrote to its console
    (errors, failed loads such as a 404 stylesheet, and any other message)."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,1000",
        f"--user-data-dir={profile}",
        f"--screenshot={screenshot}",
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and screenshot.exists(), result.stderr[-2000:]
    return [m.group(1) for line in result.stderr.splitlines() if (m := CONSOLE.search(line))]


@needs_chromium
def test_the_console_check_sees_errors_and_failed_loads(sqlite_site: Site, tmp_path: Path) -> None:
    """The check below could fail: a page with a script error and a missing stylesheet is caught."""
    broken = (
        "data:text/html,<html><head><link rel=stylesheet href="
        f"{sqlite_site.server.base_url}/assets/site/missing.css></head>"
        "<body><script>throw new Error('boom')</script></body></html>"
    )
    messages = chromium(broken, tmp_path / "profile", tmp_path / "broken.png")
    assert any("boom" in m for m in messages), messages


def pages(site: Site) -> dict[str, str]:
    """Representative pages, by the screenshot name they are saved under."""
    suspended = site.rows(select(Address.code).where(Address.status == AddressStatus.SUSPENDED).limit(1))[0][0]
    graded = site.rows(select(Agency.uscc).where(Agency.latest_grade == "A").limit(1))[0][0]
    withdrawn = site.rows(select(Notice.id).where(Notice.status == NoticeStatus.WITHDRAWN).limit(1))[0][0]
    published = site.rows(select(Notice.id).where(Notice.kind == "address_published").order_by(Notice.id.desc()))
    return {
        "directory-zh": "/",
        "directory-open-places-zh": "/?district=110000&open=1",
        "directory-en": "/en/",
        "address-suspended-zh": f"/addresses/{suspended}",
        "agency-zh": f"/agencies/{graded}",
        "notices-zh": "/notices/",
        "notice-zh": f"/notices/{published[0][0]}",
        "notice-withdrawn-en": f"/en/notices/{withdrawn}",
        "map-zh": "/map/",
        "map-en": "/en/map/",
    }


@needs_chromium
def test_pages_render_in_chromium_with_no_console_message(sqlite_site: Site, tmp_path: Path) -> None:
    keep = os.environ.get("JIQUN_WEBSITE_SCREENSHOTS")
    for name, path in pages(sqlite_site).items():
        shot = tmp_path / f"{name}.png"
        messages = chromium(sqlite_site.server.base_url + path, tmp_path / "profile", shot)
        assert messages == [], (path, messages)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000, path
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, Path(keep) / shot.name)


def internal(href: str) -> bool:
    return href.startswith("/") and not href.startswith("//")


def test_every_link_answers(sqlite_site: Site) -> None:
    """Crawl from both home pages: every page and asset the site links to answers 200; the API and the
    open data it links to answer too (they are not crawled further)."""
    seen: set[str] = set()
    queue = deque(["/", "/en/"])
    outside: set[str] = set()
    with sqlite_site.server.client(headers={"Accept": "text/html"}) as client:
        while queue:
            path = queue.popleft()
            if path in seen:
                continue
            seen.add(path)
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            if not response.headers["content-type"].startswith("text/html"):
                continue
            for href in parse(response.text).links:
                if href.startswith("#"):
                    continue
                target = urljoin(path, href)
                split = urlsplit(target)
                assert not split.netloc, f"{path} links off the site: {href}"
                if split.path.startswith(("/graphql", "/opendata")):
                    outside.add(target)
                elif internal(target) and target not in seen:
                    queue.append(target)
        for target in outside:
            assert client.get(target).status_code == 200, target
    addresses = sqlite_site.rows(select(Address.code).where(Address.published_on.is_not(None)))
    notices = sqlite_site.rows(select(Notice.id))
    for (code,) in addresses:
        assert f"/addresses/{code}" in seen and f"/en/addresses/{code}" in seen
    for (notice_id,) in notices:
        assert f"/notices/{notice_id}" in seen
    assert {"/map/", "/notices/feed.atom", "/assets/site/site.css"} <= seen
    print(f"\ncrawled {len(seen)} URLs of the site, and {len(outside)} of the API and open data: none failed")


def measure(client: httpx.Client, path: str, rounds: int = 5) -> tuple[float, float, int]:
    """Median time to first byte and to the last byte (ms), and the page's bytes."""
    first, full, size = [], [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        with client.stream("GET", path) as response:
            first.append((time.perf_counter() - started) * 1000)
            size = len(response.read())
            full.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    return statistics.median(first), statistics.median(full), size


def test_page_weight_and_time_to_first_byte_are_recorded(sqlite_site: Site) -> None:
    with sqlite_site.server.client() as client:
        css = len(client.get("/assets/site/site.css").content)
        rows = []
        for name, path in pages(sqlite_site).items():
            ttfb, total, size = measure(client, path)
            rows.append(f"| {name} | `{path}` | {size:,} | {size + css:,} | {ttfb:.1f} | {total:.1f} |")
    table = "\n".join(
        [
            "| page | path | HTML bytes | with CSS | TTFB ms (median of 5) | full ms |",
            "| --- | --- | ---: | ---: | ---: | ---: |",
            *rows,
        ]
    )
    print("\n" + table)
    target = os.environ.get("JIQUN_WEBSITE_FIGURES")
    if target:
        Path(target).write_text(
            "# Website: page weight and time to first byte\n\n"
            "Demo data at scale 0.1 on SQLite, one `jiqun serve` process, measured by "
            "tests/test_website_browser.py over loopback with httpx (no JavaScript, one stylesheet of "
            f"{css:,} bytes, no images or fonts to fetch).\n\n"
            "```\nJIQUN_WEBSITE_FIGURES=bench/WEBSITE.md \\\n"
            "  python -m pytest tests/test_website_browser.py -k weight\n```\n\n" + table + "\n",
            encoding="utf-8",
        )
