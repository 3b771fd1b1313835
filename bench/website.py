"""Time to first byte and weight of the website's pages on databases of different sizes.

Each database (already filled by ``jiqun demo --scale N``) is served by its own ``jiqun serve``; the
same kinds of page (chosen from each database: its first suspended address, an agency graded A, ...)
are fetched ``--rounds`` times one at a time after a warm-up, and the medians are compared with the
first database's and with ``/healthz`` on the same server (a request that reads one row).

    python -m bench.website --database-url sqlite:///small.db --database-url sqlite:///large.db \\
        --out bench/WEBSITE_SCALES.md
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from domain.model import Address, Enterprise
from tests.server import running_server
from tests.test_website_browser import pages
from tests.website_support import Site


def ttfb_ms(client: httpx.Client, path: str, rounds: int) -> tuple[float, float, int]:
    """Median and 90th percentile time to the response headers (ms), and the body's bytes."""
    times, size = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        with client.stream("GET", path) as response:
            times.append((time.perf_counter() - started) * 1000)
            size = len(response.read())
        response.raise_for_status()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1], size


def measure(url: str, rounds: int) -> tuple[str, dict[str, tuple[str, float, float, int]]]:
    figures: dict[str, tuple[str, float, float, int]] = {}
    with running_server(url) as server, server.client() as client:
        site = Site(server, url)
        addresses, enterprises = (
            site.rows(select(func.count()).select_from(Address))[0][0],
            site.rows(select(func.count()).select_from(Enterprise))[0][0],
        )
        kinds = {"healthz": "/healthz", **pages(site)}
        for path in kinds.values():
            ttfb_ms(client, path, 3)  # warm-up: templates compiled, statements cached
        for name, path in kinds.items():
            figures[name] = (path, *ttfb_ms(client, path, rounds))
    return f"{addresses:,} addresses, {enterprises:,} enterprises", figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    runs = [measure(url, args.rounds) for url in args.database_url]
    first = runs[0][1]
    header = ["page"]
    for i in range(len(runs)):
        header += [f"DB {i + 1}: TTFB median ms", "p90 ms", "bytes", "× /healthz"]
        if i:
            header.append(f"DB {i + 1} ÷ DB 1")
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1)]
    for name in first:
        cells = [name]
        for i, (_, figures) in enumerate(runs):
            _, median, p90, size = figures[name]
            cells += [f"{median:.1f}", f"{p90:.1f}", f"{size:,}", f"{median / figures['healthz'][1]:.1f}"]
            if i:
                cells.append(f"{median / first[name][1]:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    databases = "\n".join(f"- DB {i + 1}: {label}" for i, (label, _) in enumerate(runs))
    text = (
        "# Website pages by database size\n\n"
        f"One `jiqun serve` process per database on loopback, {args.rounds} requests per page one at a time "
        "after 3 warm-up requests, measured by `python -m bench.website` (time to the response headers "
        "with httpx).\n\n" + databases + "\n\n" + "\n".join(lines) + "\n"
    )
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
