"""Wake-ups across API processes through Redis pub/sub (``JIQUN_REDIS_URL``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from api.broker.remote import Listen, Publish, RemoteBroker

CONNECT_TIMEOUT_S = 2.0
IDLE_CHECK_S = 5


class RedisBroker(RemoteBroker):
    """Publishes each commit's last ``seq`` on a channel every API process subscribes to."""

    name = "redis"

    def __init__(self, url: str, channel: str) -> None:
        super().__init__()
        self.url = url
        self.channel = channel

    def _client(self, *, socket_timeout: float | None) -> Redis:
        # No retries inside the client: the broker's own loop reconnects, and a commit never waits.
        return Redis.from_url(
            self.url,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            socket_timeout=socket_timeout,
            health_check_interval=IDLE_CHECK_S,
            retry=Retry(NoBackoff(), 0),
        )

    @contextlib.asynccontextmanager
    async def listening(self) -> AsyncIterator[Listen]:
        client = self._client(socket_timeout=None)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)

            async def listen() -> None:
                while True:
                    # The timeout lets the health check ping a silent connection, so a dead one fails.
                    if await pubsub.get_message(timeout=IDLE_CHECK_S) is not None:
                        self.wake()

            yield listen
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            with contextlib.suppress(Exception):
                await client.aclose()

    @contextlib.asynccontextmanager
    async def publisher(self) -> AsyncIterator[Publish]:
        client = self._client(socket_timeout=CONNECT_TIMEOUT_S)
        try:
            await client.ping()

            async def publish(seq: int) -> None:
                await client.publish(self.channel, str(seq))

            yield publish
        finally:
            with contextlib.suppress(Exception):
                await client.aclose()
