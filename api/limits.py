"""Rate limits: a token bucket per API key, and per client address for anonymous callers.

A bucket holds up to ``limit`` requests and refills at ``limit`` per minute. With ``JIQUN_REDIS_URL``
the buckets live in Redis (one atomic script per request), so every API process draws from the same
bucket; otherwise each process keeps its own. When Redis cannot be reached the process falls back to
its own buckets rather than refusing or waving everything through.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("jiqun.limits")

WINDOW_S = 60.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # epoch seconds when the bucket is full again
    retry_after_s: int  # seconds until one request is allowed (0 when allowed)

    def headers(self) -> dict[str, str]:
        out = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.retry_after_s)
        return out


def _decision(allowed: bool, tokens: float, limit: int, now: float) -> Decision:
    rate = limit / WINDOW_S
    return Decision(
        allowed=allowed,
        limit=limit,
        remaining=max(math.floor(tokens), 0),
        reset_at=math.ceil(now + (limit - tokens) / rate),
        retry_after_s=0 if allowed else max(math.ceil((1 - tokens) / rate), 1),
    )


class LocalLimiter:
    """Buckets in this process."""

    def __init__(self, clock: Any = time.time) -> None:
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = asyncio.Lock()

    async def hit(self, key: str, limit: int) -> Decision:
        async with self._lock:
            now = self.clock()
            tokens, updated = self._buckets.get(key, (float(limit), now))
            tokens = min(float(limit), tokens + (now - updated) * limit / WINDOW_S)
            allowed = tokens >= 1
            if allowed:
                tokens -= 1
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > 100_000:
                self._forget_full(now)
            return _decision(allowed, tokens, limit, now)

    async def close(self) -> None:
        """Nothing to release; present so both limiters close alike."""

    def _forget_full(self, now: float) -> None:
        """Drop buckets idle long enough to be full again; they would be recreated full."""
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < WINDOW_S}


# KEYS[1] bucket; ARGV[1] limit. Returns {allowed, tokens (string, to keep the fraction), now}.
_SCRIPT = """
local limit = tonumber(ARGV[1])
local rate = limit / 60.0
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local data = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(data[1]) or limit
local ts = tonumber(data[2]) or now
tokens = math.min(limit, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], 120)
return {allowed, tostring(tokens), tostring(now)}
"""


class RedisLimiter:
    """Buckets shared by every process through Redis."""

    def __init__(self, url: str, prefix: str = "jiqun:ratelimit:") -> None:
        import redis.asyncio as redis

        self.client = redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.script = self.client.register_script(_SCRIPT)
        self.prefix = prefix
        self.fallback = LocalLimiter()

    async def hit(self, key: str, limit: int) -> Decision:
        try:
            allowed, tokens, now = await self.script(keys=[self.prefix + key], args=[limit])
        except Exception as exc:  # Redis down: keep limiting, per process
            log.warning("rate limiting falls back to this process: %s", exc)
            return await self.fallback.hit(key, limit)
        return _decision(bool(int(allowed)), float(tokens), limit, float(now))

    async def close(self) -> None:
        await self.client.aclose()


def create_limiter(redis_url: str | None) -> LocalLimiter | RedisLimiter:
    return RedisLimiter(redis_url) if redis_url else LocalLimiter()
