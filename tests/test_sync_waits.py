"""The sync client says what it waits for: a rate limit's ``Retry-After`` is read (seconds or a date)
and logged each time, and progress off a terminal comes as lines, not as redrawn bars."""

from __future__ import annotations

import email.utils
import io
import logging
import time

import httpx
import pytest

from partner_sync import graphql as sync_graphql
from partner_sync.graphql import GraphQLClient, retry_after_s
from partner_sync.progress import Progress, ProgressLines


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("7", 7.0), ("0", 1.0), (None, 1.0), ("", 1.0), ("soon", 1.0), ("１２", 1.0), ("99999", 600.0)],
)
def test_retry_after_seconds(value: str | None, seconds: float) -> None:
    assert retry_after_s(value) == seconds


def test_retry_after_as_a_date() -> None:
    in_a_minute = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert 55 <= retry_after_s(in_a_minute) <= 60
    assert retry_after_s(email.utils.formatdate(time.time() - 60, usegmt=True)) == 1.0


async def test_a_rate_limited_query_says_what_it_waits_for(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    answers = [
        httpx.Response(
            429,
            headers={"Retry-After": "42"},
            json={"errors": [{"message": "rate limit of 1200 requests per minute reached"}]},
        ),
        httpx.Response(429, headers={"Retry-After": "3"}, text="busy"),
        httpx.Response(200, json={"data": {"ok": True}}),
    ]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(sync_graphql.asyncio, "sleep", sleep)
    client = GraphQLClient("http://registry.example/graphql")
    client._http = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: answers.pop(0)))
    with caplog.at_level(logging.WARNING, logger="jiqun.sync"):
        assert await client.query("{ ok }", {}) == {"ok": True}
    await client.aclose()
    assert waits == [42.0, 3.0]
    assert [r.getMessage() for r in caplog.records] == [
        "http://registry.example/graphql: rate limited (HTTP 429, rate limit of 1200 requests per minute reached);"
        " waiting 42 s as Retry-After asks, then retrying",
        "http://registry.example/graphql: rate limited (HTTP 429, Too Many Requests);"
        " waiting 3 s as Retry-After asks, then retrying",
    ]


def test_progress_lines_come_per_phase_and_then_every_few_seconds() -> None:
    now = [0.0]
    out = io.StringIO()
    progress = Progress(ProgressLines(out, every_s=10, clock=lambda: now[0]))
    for seconds, phase, n in [(0, "snapshot", 500), (1, "snapshot", 500), (11, "snapshot", 200), (12, "changes", 3)]:
        now[0] = seconds
        progress.add(phase, n)
    now[0] = 13
    progress.add("live", 1)
    progress.add("live", 1)
    assert out.getvalue().splitlines() == [
        "sync: snapshot 500 items applied",
        "sync: snapshot 1200 items applied",
        "sync: changes 3 items applied",
        "sync: live 1 item applied",
    ]
    assert progress.summary() == "1200 snapshot, 3 changes, 2 live"
