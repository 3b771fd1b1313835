"""One-line log records with a timestamp, level and logger name."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_jiqun", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handler._jiqun = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
