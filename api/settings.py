"""Settings from ``JIQUN_*`` environment variables, read once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str) -> str:
    return os.environ.get(f"JIQUN_{name}", default)


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///./jiqun.db"
    redis_url: str | None = None
    data_dir: Path = Path("./data")
    log_level: str = "INFO"
    statement_timeout_ms: int = 10_000
    request_timeout_s: float = 30.0
    poll_interval_s: float = 1.0
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    public_base_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=_env("DATABASE_URL", cls.database_url),
            redis_url=os.environ.get("JIQUN_REDIS_URL") or None,
            data_dir=Path(_env("DATA_DIR", "./data")),
            log_level=_env("LOG_LEVEL", cls.log_level),
            statement_timeout_ms=int(_env("STATEMENT_TIMEOUT_MS", str(cls.statement_timeout_ms))),
            request_timeout_s=float(_env("REQUEST_TIMEOUT_S", str(cls.request_timeout_s))),
            poll_interval_s=float(_env("POLL_INTERVAL_S", str(cls.poll_interval_s))),
            cors_origins=_split(_env("CORS_ORIGINS", "")),
            public_base_url=_env("PUBLIC_BASE_URL", cls.public_base_url),
        )
