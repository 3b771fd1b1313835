"""Rate limits: per client address without a key, per key with one, with X-RateLimit headers and 429;
in one process, and across processes through Redis."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from api.limits import LocalLimiter, RedisLimiter
from tests.databases import REDIS_URL
from tests.graphql_support import Api, build_world, issue_keys, make_settings, open_api

QUERY = "{ viewer { role } }"


def _client() -> tuple[str, int]:
    """A client address of its own, so no other test (or run) shares its bucket."""
    return (f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}", 40000)


@pytest.fixture
async def limited(database_url: str) -> AsyncIterator[Api]:
    settings = make_settings(database_url, rate_limit_anonymous_per_minute=3, rate_limit_key_per_minute=2)
    async for a in open_api(settings, client=_client()):
        yield a


async def test_anonymous_callers_are_limited_per_address_and_keys_per_key(limited: Api, sessionmaker) -> None:
    await issue_keys(sessionmaker, await build_world(sessionmaker), limited)
    remaining = []
    for _ in range(3):
        response = await limited.post(QUERY)
        assert response.status_code == 200
        assert response.headers["x-ratelimit-limit"] == "3"
        remaining.append(int(response.headers["x-ratelimit-remaining"]))
        assert int(response.headers["x-ratelimit-reset"]) > 0
    assert remaining == [2, 1, 0]
    refused = await limited.post(QUERY)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert refused.headers["x-ratelimit-remaining"] == "0" and int(refused.headers["retry-after"]) >= 1
    keyed = await limited.post(QUERY, as_="partner")
    assert keyed.status_code == 200 and keyed.headers["x-ratelimit-limit"] == "2"
    assert (await limited.post(QUERY, as_="regulator")).headers["x-ratelimit-remaining"] == "1"


async def test_a_bucket_refills_at_its_rate() -> None:
    now = [1_000.0]
    limiter = LocalLimiter(clock=lambda: now[0])
    assert [(await limiter.hit("k", 3)).allowed for _ in range(4)] == [True, True, True, False]
    blocked = await limiter.hit("k", 3)
    assert blocked.retry_after_s == 20 and blocked.reset_at == 1_060
    now[0] += 20
    assert (await limiter.hit("k", 3)).allowed
    assert not (await limiter.hit("k", 3)).allowed
    assert (await limiter.hit("other", 3)).remaining == 2


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="JIQUN_TEST_REDIS_URL is not set")
async def test_redis_holds_the_limit_across_processes(database_url: str) -> None:
    client = _client()
    settings = make_settings(database_url, redis_url=REDIS_URL, broker="local", rate_limit_anonymous_per_minute=3)
    statuses = []
    async for first in open_api(settings, client=client):
        async for second in open_api(settings, client=client):
            for api_ in (first, second, first, second):
                statuses.append((await api_.post(QUERY)).status_code)
    assert statuses == [200, 200, 200, 429]


async def test_rate_limiting_survives_redis_being_unreachable() -> None:
    limiter = RedisLimiter("redis://127.0.0.1:1/0")
    try:
        decisions = [await limiter.hit("fallback", 2) for _ in range(3)]
    finally:
        await limiter.close()
    assert [d.allowed for d in decisions] == [True, True, False]
