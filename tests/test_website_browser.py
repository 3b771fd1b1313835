"""The website in a real headless Chromium and over HTTP: pages load with no console message, error or
failed request, keep WCAG AA contrast, work from the keyboard, are screenshotted; every link answers;
page weight and time to first byte are recorded as the browser measures them.

Set ``JIQUN_WEBSITE_SCREENSHOTS`` to a folder (e.g. docs/screenshots) to keep the screenshots, and
``JIQUN_WEBSITE_FIGURES`` to a Markdown file (e.g. bench/WEBSITE.md) to keep the figures; the figures
are printed either way and never asserted as timings.
"""

from __future__ import annotations

import base64
import os
import shutil
import statistics
import time
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from sqlalchemy import select

from domain.enums import AddressStatus, NoticeStatus
from domain.model import Address, Agency, Notice
from tests.browser import CHROMIUM, needs_chromium
from tests.security_support import leaks
from tests.website_cdp import browser
from tests.website_support import Site, parse, sqlite_site

__all__ = ["sqlite_site"]  # the fixture, used by name


@needs_chromium
def test_the_console_check_sees_errors_and_failed_loads(sqlite_site: Site, tmp_path: Path) -> None:
    """The checks below could fail: a script error and a missing stylesheet are both reported."""
    broken = (
        "data:text/html,<html><head><link rel=stylesheet href="
        f"{sqlite_site.server.base_url}/assets/site/missing.css></head>"
        "<body><script>throw new Error('boom')</script></body></html>"
    )
    with browser(tmp_path / "profile") as b:
        messages = b.load(broken).messages
    assert any("boom" in m for m in messages), messages
    assert any("missing.css" in m or "404" in m for m in messages), messages


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


# WCAG 2.1 contrast of every element that holds text, against the first opaque background behind it.
CONTRAST = """(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] === 1) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName !== 'text') continue;
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join('');
    const box = el.getBoundingClientRect();
    if (!text || box.width === 0 || box.left < 0) continue;
    const style = getComputedStyle(el);
    const fg = rgb(el.tagName === 'text' ? style.fill : style.color).slice(0, 3);
    const [a, b] = [lum(fg), lum(background(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) failures.push(`${el.tagName} "${text.slice(0, 30)}" ${ratio.toFixed(2)} < ${needed}`);
  }
  return failures;
})()"""


@needs_chromium
def test_pages_load_in_chromium_with_no_message_and_enough_contrast(sqlite_site: Site, tmp_path: Path) -> None:
    keep = os.environ.get("JIQUN_WEBSITE_SCREENSHOTS")
    with browser(tmp_path / "profile") as b:
        for name, path in pages(sqlite_site).items():
            load = b.load(sqlite_site.server.base_url + path)
            assert load.messages == [], (path, load.messages)
            # The page, its stylesheet and (once per browser) its icon, all from the site itself.
            assert load.timing["requests"] <= 3, (path, load.timing)
            resources = b.evaluate("performance.getEntriesByType('resource').map((r) => r.name)")
            assert all(r.startswith(sqlite_site.server.base_url + "/assets/site/") for r in resources), resources
            assert b.evaluate("document.documentElement.lang") in ("zh-Hans", "en")
            assert b.evaluate(CONTRAST) == [], path
            png = base64.b64decode(b.call("Page.captureScreenshot", format="png")["data"])
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000, path
            (tmp_path / f"{name}.png").write_bytes(png)
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(tmp_path / f"{name}.png", Path(keep) / f"{name}.png")


def test_a_low_contrast_page_is_caught(sqlite_site: Site, tmp_path: Path) -> None:
    """The contrast check can fail: light grey on white is reported."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    with browser(tmp_path / "profile") as b:
        b.load("data:text/html,<html><body><p style='color:%23bbbbbb'>faint</p></body></html>")
        failures = b.evaluate(CONTRAST)
    assert len(failures) == 1 and "faint" in failures[0], failures


TAB = ("Tab", "Tab", 9)
ENTER = ("Enter", "Enter", 13)


@needs_chromium
def test_the_site_works_from_the_keyboard(sqlite_site: Site, tmp_path: Path) -> None:
    """Tab first reaches the skip link, shown when focused; Enter moves to the content, where the next Tab
    reaches the search form; on the map, Tab reaches the points, each a link to its address."""
    with browser(tmp_path / "profile") as b:
        b.load(sqlite_site.server.base_url + "/")
        b.press(*TAB)
        assert b.evaluate("document.activeElement.className") == "skip"
        assert b.evaluate("document.activeElement.getBoundingClientRect().left") >= 0
        b.press(*ENTER)
        assert b.evaluate("location.hash") == "#main"
        assert b.evaluate("document.activeElement.id") == "main"
        b.press(*TAB)
        assert b.evaluate("document.activeElement.id") == "f-district"
        b.load(sqlite_site.server.base_url + "/map/")
        for _ in range(60):
            b.press(*TAB)
            if b.evaluate("!!document.activeElement.closest('svg')"):
                break
        href = b.evaluate("document.activeElement.getAttribute('href')")
        assert href and href.startswith("/addresses/"), href
        b.press(*ENTER)
        time.sleep(0.5)
        assert b.evaluate("location.pathname") == href


def internal(href: str) -> bool:
    return href.startswith("/") and not href.startswith("//")


def test_every_link_answers(sqlite_site: Site) -> None:
    """Crawl from both home pages: every page and asset the site links to answers 200 and carries no
    personal value the registry holds (invariant 4); the API and the open data it links to answer too
    (they are not crawled further)."""
    secrets = sqlite_site.personal_values()
    assert len(secrets) > 1000, "the demo holds people's names, identity numbers and phones"
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
            assert leaks(response.content, secrets) == [], path
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


def server_ttfb(client: httpx.Client, path: str, rounds: int = 5) -> float:
    """Median time to the response headers over HTTP (ms), without a browser."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        with client.stream("GET", path) as response:
            times.append((time.perf_counter() - started) * 1000)
            response.read()
        assert response.status_code == 200, path
    return statistics.median(times)


@needs_chromium
def test_page_weight_and_time_to_first_byte_are_recorded(sqlite_site: Site, tmp_path: Path) -> None:
    rows = []
    with browser(tmp_path / "profile") as b, sqlite_site.server.client() as client:
        for name, path in pages(sqlite_site).items():
            b.call("Network.enable")
            b.call("Network.setCacheDisabled", cacheDisabled=True)
            timing = b.load(sqlite_site.server.base_url + path).timing
            rows.append(
                f"| {name} | `{path}` | {timing['html_bytes']:,} | {timing['total_bytes']:,} | {timing['requests']} "
                f"| {timing['ttfb_ms']:.1f} | {server_ttfb(client, path):.1f} | {timing['load_ms']:.0f} |"
            )
    table = "\n".join(
        [
            "| page | path | HTML bytes | all bytes | requests | TTFB ms (browser) | TTFB ms (httpx, median of 5) "
            "| load ms |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            *rows,
        ]
    )
    print("\n" + table)
    target = os.environ.get("JIQUN_WEBSITE_FIGURES")
    if target:
        Path(target).write_text(
            "# Website: page weight and time to first byte\n\n"
            "Demo data at scale 0.1 on SQLite, one `jiqun serve` process on loopback, measured by "
            "tests/test_website_browser.py: bytes transferred, requests, time to first byte and load time from "
            "headless Chromium's Navigation and Resource Timing (cache off, one load each), and the time to "
            "first byte over plain HTTP (httpx, median of 5). Pages run no JavaScript and load one stylesheet "
            "and one icon; headers are counted in the bytes.\n\n"
            "```\nJIQUN_WEBSITE_FIGURES=bench/WEBSITE.md \\\n"
            "  python -m pytest tests/test_website_browser.py -k weight\n```\n\n" + table + "\n",
            encoding="utf-8",
        )
