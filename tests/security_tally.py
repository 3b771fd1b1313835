"""The figures of a security run, counted by the security tests as they go and printed at the end of the
pytest session: requests sent, 5xx answers, internal errors, personal values leaked, and the longest
``/healthz`` answer while an attack ran. The tests assert on each answer; the tally only reports."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

# The longest a concurrent /healthz may take while an attack runs.
HEALTHZ_LIMIT_S = 1.0


@dataclass
class SecurityTally:
    requests: int = 0
    server_errors: int = 0
    internal_errors: int = 0
    leaks: int = 0
    slowest_healthz_s: float = 0.0
    by_suite: dict[str, int] = field(default_factory=dict)

    def answered(self, suite: str, response: httpx.Response | None = None, body: Any = None) -> None:
        """Count one request of ``suite``, with its HTTP answer and/or its decoded GraphQL body."""
        self.requests += 1
        self.by_suite[suite] = self.by_suite.get(suite, 0) + 1
        if response is not None and response.status_code >= 500:
            self.server_errors += 1
        if isinstance(body, dict) and any(
            isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"
            for e in body.get("errors") or ()
        ):
            self.internal_errors += 1

    def healthz(self, seconds: float) -> None:
        self.slowest_healthz_s = max(self.slowest_healthz_s, seconds)

    def lines(self) -> list[str]:
        suites = ", ".join(f"{name} {count}" for name, count in sorted(self.by_suite.items()))
        return [
            f"security run: {self.requests} requests ({suites})",
            f"  5xx answers: {self.server_errors}; INTERNAL_SERVER_ERROR answers: {self.internal_errors};"
            f" personal values leaked: {self.leaks}",
            f"  longest /healthz answer during attacks: {self.slowest_healthz_s * 1000:.0f} ms",
        ]


TALLY = SecurityTally()


async def healthz_while(server_url: str, attack: Callable[[], Awaitable[object]]) -> tuple[float, int]:
    """Run ``attack`` while probing ``/healthz`` every 50 ms; the slowest probe's time and the probe count."""
    slowest, probes = 0.0, 0
    done = asyncio.Event()

    async def probe() -> None:
        nonlocal slowest, probes
        async with httpx.AsyncClient(base_url=server_url, timeout=30.0) as client:
            while not done.is_set():
                started = time.monotonic()
                response = await client.get("/healthz")
                slowest = max(slowest, time.monotonic() - started)
                TALLY.healthz(slowest)
                probes += 1
                assert response.status_code == 200
                await asyncio.sleep(0.05)

    prober = asyncio.create_task(probe())
    try:
        await attack()
    finally:
        done.set()
        await prober
    return slowest, probes
