"""An async HTTP load generator, run in its own process so it does not share a CPU loop with the server.

    python -m bench.load '<json spec>'

The spec names a URL, a method, a JSON body or query parameters, a concurrency and a number of requests
(after a warm-up). Every response must be 200 with no GraphQL ``errors``; anything else counts as an
error. Prints one JSON object: latency percentiles in milliseconds, requests per second and errors.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import httpx


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


async def _one(client: httpx.AsyncClient, spec: dict[str, Any]) -> tuple[float, str | None]:
    start = time.perf_counter()
    if spec["method"] == "POST":
        response = await client.post(spec["url"], json=spec["body"], headers=spec.get("headers", {}))
    else:
        response = await client.get(spec["url"], params=spec.get("params"), headers=spec.get("headers", {}))
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        return elapsed, f"HTTP {response.status_code}: {response.text[:200]}"
    body = response.json()
    if body.get("errors"):
        return elapsed, f"errors: {json.dumps(body['errors'])[:200]}"
    return elapsed, None


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    concurrency, total, warmup = int(spec["concurrency"]), int(spec["requests"]), int(spec.get("warmup", 20))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60.0, limits=limits) as client:
        for _ in range(warmup):
            await _one(client, spec)
        latencies: list[float] = []
        errors: list[str] = []
        remaining = total

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                elapsed, error = await _one(client, spec)
                latencies.append(elapsed)
                if error is not None:
                    errors.append(error)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "p50_ms": percentile(ordered, 50) * 1000,
        "p95_ms": percentile(ordered, 95) * 1000,
        "p99_ms": percentile(ordered, 99) * 1000,
        "rps": len(latencies) / wall,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(json.loads(sys.argv[1])))))
