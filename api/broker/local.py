"""The in-process broker: the wake-up signal with nothing beyond this process."""

from __future__ import annotations

from domain.feed import WakeUpSignal


class LocalBroker(WakeUpSignal):
    """Wakes the followers in this process when this process commits (see :class:`WakeUpSignal`)."""

    async def notify(self, seq: int) -> None:
        """Called after a commit that appended changes up to ``seq``; never raises, never blocks."""
        self.wake()

    async def start(self) -> None:
        """Connect to whatever carries wake-ups between processes (nothing, here)."""

    async def stop(self) -> None:
        """Disconnect; a stopped broker still wakes local followers."""


Broker = LocalBroker
