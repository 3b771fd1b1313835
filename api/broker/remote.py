"""What the Redis and PostgreSQL brokers share: a listener and a publisher that reconnect forever.

Publishing runs in its own task and coalesces: ``notify`` only records the newest ``seq`` and returns,
so a commit never waits for, or fails because of, the broker. While the broker is unreachable the
followers poll; the first failure is logged as a warning, the recovery as information.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from api.broker.local import LocalBroker

log = logging.getLogger("jiqun.broker")

Publish = Callable[[int], Awaitable[None]]
Listen = Callable[[], Awaitable[None]]
PUBLISH_TIMEOUT_S = 2.0
RETRY_MIN_S = 0.2
RETRY_MAX_S = 5.0


class RemoteBroker(LocalBroker):
    name = "remote"

    def __init__(self) -> None:
        super().__init__()
        self._wanted = 0
        self._publish_needed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def notify(self, seq: int) -> None:
        self.wake()
        if seq > self._wanted:
            self._wanted = seq
            self._publish_needed.set()

    async def start(self) -> None:
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._keep("listener", self._listen)),
                asyncio.create_task(self._keep("publisher", self._publish)),
            ]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def listening(self) -> AbstractAsyncContextManager[Listen]:
        """Connect and subscribe; the value runs until the connection is lost, calling :meth:`wake` for
        each wake-up from another process."""
        raise NotImplementedError

    def publisher(self) -> AbstractAsyncContextManager[Publish]:
        """Connect; the value sends one wake-up carrying a ``seq``."""
        raise NotImplementedError

    async def _listen(self, ready: Callable[[], None]) -> None:
        async with self.listening() as listen:
            ready()
            self.wake()  # wake-ups may have been missed while disconnected: look now
            await listen()

    async def _publish(self, ready: Callable[[], None]) -> None:
        async with self.publisher() as publish:
            ready()
            while True:
                await self._publish_needed.wait()
                self._publish_needed.clear()
                try:
                    await asyncio.wait_for(publish(self._wanted), PUBLISH_TIMEOUT_S)
                except BaseException:
                    self._publish_needed.set()  # send the newest seq again once reconnected
                    raise

    async def _keep(self, role: str, session: Callable[[Callable[[], None]], Awaitable[None]]) -> None:
        failing = False
        delay = RETRY_MIN_S

        def ready() -> None:
            nonlocal failing, delay
            if failing:
                log.info("%s broker %s reconnected", self.name, role)
            failing, delay = False, RETRY_MIN_S

        while True:
            try:
                await session(ready)
                raise ConnectionError("connection closed")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure of the transport: retry; followers poll meanwhile
                if not failing:
                    log.warning(
                        "%s broker %s unavailable (%s: %s); subscribers fall back to polling",
                        self.name,
                        role,
                        type(exc).__name__,
                        exc,
                    )
                failing = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)
