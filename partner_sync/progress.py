"""What ``jiqun sync`` has applied, shown as it goes: progress bars on a terminal, lines otherwise.

A sync often runs unattended (a service, a cron job, a container) with its standard error going to a
log. Bars redraw one line with carriage returns, which a log file turns into noise or nothing; there it
gets a line when a phase starts and then at most one every ``LINE_EVERY_S`` while items keep coming.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

LINE_EVERY_S = 10.0


@dataclass
class Progress:
    """Counts what was applied per phase (``snapshot``, ``changes``, ``live``); ``report`` receives
    ``(phase, count)`` as it grows."""

    report: Callable[[str, int], None] = lambda phase, n: None
    applied: dict[str, int] = field(default_factory=dict)

    def add(self, phase: str, n: int) -> None:
        self.applied[phase] = self.applied.get(phase, 0) + n
        self.report(phase, n)

    def summary(self) -> str:
        return ", ".join(f"{n} {phase}" for phase, n in self.applied.items()) or "nothing new"


class ProgressLines:
    """A ``report`` for :class:`Progress` writing ``sync: snapshot 1500 items applied`` lines to ``stream``:
    the first of each phase at once, later ones at most every ``every_s`` seconds."""

    def __init__(self, stream: TextIO, every_s: float = LINE_EVERY_S, clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.every_s = every_s
        self.clock = clock
        self.totals: dict[str, int] = {}
        self.phase: str | None = None
        self.last_line = 0.0

    def __call__(self, phase: str, n: int) -> None:
        self.totals[phase] = self.totals.get(phase, 0) + n
        now = self.clock()
        if phase == self.phase and now - self.last_line < self.every_s:
            return
        self.phase, self.last_line = phase, now
        total = self.totals[phase]
        self.stream.write(f"sync: {phase} {total} {'item' if total == 1 else 'items'} applied\n")
        self.stream.flush()
