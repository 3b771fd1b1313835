"""The in-process broker, and the wake-up mechanics every broker shares."""

from __future__ import annotations

import asyncio
import contextlib


class LocalBroker:
    """Wakes the followers in this process when this process commits.

    A follower calls :meth:`mark` before it reads the log and :meth:`wait` after: any wake-up since the
    mark ends the wait at once, so a commit that lands during a read is never slept through.
    """

    def __init__(self) -> None:
        self._generation = 0
        self._event = asyncio.Event()

    def mark(self) -> int:
        return self._generation

    async def wait(self, mark: int, timeout: float) -> None:
        if self._generation != mark:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)

    def wake(self) -> None:
        self._generation += 1
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def notify(self, seq: int) -> None:
        """Called after a commit that appended changes up to ``seq``; never raises, never blocks."""
        self.wake()

    async def start(self) -> None:
        """Connect to whatever carries wake-ups between processes (nothing, here)."""

    async def stop(self) -> None:
        """Disconnect; a stopped broker still wakes local followers."""


Broker = LocalBroker
