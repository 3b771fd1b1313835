"""The change feed's fan-out, before and after a change: :func:`bench.feed.measure_feed` on two checkouts
in interleaved rounds.

    git worktree add /tmp/before <commit>
    python -m bench.feed_checkouts --before /tmp/before --after . [--rounds 3] [--subscribers 1000]

Each round measures the before checkout, then the after one (the order alternates by round): 1,000
subscribers on one ``jiqun serve`` process whose code is the checkout's (it comes first on PYTHONPATH),
20 notices 0.5 s apart. Prints each run and the medians: event-to-delivery p50 / p99 and the server's CPU
per event.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path
from typing import Any

from bench.feed import measure_feed


def run(checkout: Path, subscribers: int, redis_url: str) -> dict[str, Any]:
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(checkout.resolve())
    try:
        return measure_feed(subscribers, 1, redis_url)
    finally:
        if previous is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = previous


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    for r in range(args.rounds):
        order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
        for name in order:
            print(f"round {r + 1}: {name}", flush=True)
            runs[name].append(run(getattr(args, name), args.subscribers, args.redis_url))
    medians = {
        name: {k: statistics.median(x[k] for x in done) for k in ("p50_ms", "p99_ms", "server_cpu_ms_per_event")}
        for name, done in runs.items()
    }
    print(json.dumps({"runs": runs, "medians": medians}, indent=1))


if __name__ == "__main__":
    main()
