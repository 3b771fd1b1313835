"""Settings from ``JIQUN_*`` environment variables, read once at start-up."""

from __future__ import annotations

import ipaddress
import math
import os
from dataclasses import dataclass, field
from pathlib import Path


class SettingsError(ValueError):
    """A ``JIQUN_*`` variable whose value cannot be used; the message names the variable and what it takes,
    so that a typo stops the server at start-up instead of leaving a protection switched off."""


def _env(name: str, default: str) -> str:
    return os.environ.get(f"JIQUN_{name}", default)


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _seconds(name: str, default: float) -> float:
    """A positive, finite number of seconds from ``JIQUN_<name>``."""
    raw = _env(name, "")
    if not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(f"JIQUN_{name} must be a number of seconds above 0 (e.g. {default:g}), not {raw!r}")
    return value


def _count(name: str, default: int) -> int:
    """A whole number of at least 0 from ``JIQUN_<name>``."""
    raw = _env(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise SettingsError(f"JIQUN_{name} must be a whole number, 0 or more (e.g. {default}), not {raw!r}")
    return int(raw)


def _networks(name: str) -> tuple[str, ...]:
    """Comma-separated IP addresses and CIDR networks from ``JIQUN_<name>``, each checked and normalised.

    A misspelt entry is refused rather than kept as text that never matches a peer, which would quietly
    leave every client behind that proxy sharing the proxy's address."""
    out = []
    for entry in _split(_env(name, "")):
        try:
            network = ipaddress.ip_network(entry, strict=True)
        except ValueError:
            raise SettingsError(
                f"JIQUN_{name} takes IP addresses and networks separated by commas"
                f" (e.g. 10.0.0.5,192.168.0.0/24); {entry!r} is neither"
            ) from None
        out.append(str(network) if network.num_addresses > 1 else str(network.network_address))
    return tuple(out)


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
    # GraphQL protection (see schema/limits.py and api/limits.py).
    max_body_bytes: int = 100_000
    max_query_depth: int = 12
    max_query_tokens: int = 5_000
    max_query_aliases: int = 30
    max_query_cost: int = 10_000
    rate_limit_anonymous_per_minute: int = 120
    rate_limit_key_per_minute: int = 1_200
    cache_max_age_s: int = 60
    # Answers to anonymous and partner queries kept per process (api/response_cache.py); 0 entries: off.
    response_cache_entries: int = 2_048
    response_cache_mb: int = 64
    # Covered reads answered by one SQL statement per root field (schema/planner/); off: resolvers only.
    read_planner: bool = True
    # Clients: who they are and how long and how often they may hold the server (see api/proxies.py,
    # api/connections.py and api/http.py).
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    header_timeout_s: float = 10.0
    body_timeout_s: float = 10.0
    max_connections_per_address: int = 50
    # Change feed and subscriptions (see domain/feed/, api/broker/, api/websocket.py).
    broker: str = "auto"
    broker_channel: str = "jiqun:changes"
    feed_retention_days: float | None = None
    feed_send_timeout_s: float = 60.0
    max_subscriptions_per_connection: int = 10
    max_subscriptions_per_key: int = 20
    ws_keepalive_s: float = 15.0
    ws_init_timeout_s: float = 10.0

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
            max_body_bytes=int(_env("MAX_BODY_BYTES", str(cls.max_body_bytes))),
            max_query_depth=int(_env("MAX_QUERY_DEPTH", str(cls.max_query_depth))),
            max_query_tokens=int(_env("MAX_QUERY_TOKENS", str(cls.max_query_tokens))),
            max_query_aliases=int(_env("MAX_QUERY_ALIASES", str(cls.max_query_aliases))),
            max_query_cost=int(_env("MAX_QUERY_COST", str(cls.max_query_cost))),
            rate_limit_anonymous_per_minute=int(
                _env("RATE_LIMIT_ANONYMOUS_PER_MINUTE", str(cls.rate_limit_anonymous_per_minute))
            ),
            rate_limit_key_per_minute=int(_env("RATE_LIMIT_KEY_PER_MINUTE", str(cls.rate_limit_key_per_minute))),
            cache_max_age_s=int(_env("CACHE_MAX_AGE_S", str(cls.cache_max_age_s))),
            response_cache_entries=_count("RESPONSE_CACHE_ENTRIES", cls.response_cache_entries),
            response_cache_mb=_count("RESPONSE_CACHE_MB", cls.response_cache_mb),
            read_planner=_env("READ_PLANNER", "on").strip().lower() not in {"0", "off", "false", "no"},
            trusted_proxies=_networks("TRUSTED_PROXIES"),
            header_timeout_s=_seconds("HEADER_TIMEOUT_S", cls.header_timeout_s),
            body_timeout_s=_seconds("BODY_TIMEOUT_S", cls.body_timeout_s),
            max_connections_per_address=_count("MAX_CONNECTIONS_PER_ADDRESS", cls.max_connections_per_address),
            broker=_env("BROKER", cls.broker),
            broker_channel=_env("BROKER_CHANNEL", cls.broker_channel),
            feed_retention_days=float(_env("FEED_RETENTION_DAYS", "0")) or None,
            feed_send_timeout_s=float(_env("FEED_SEND_TIMEOUT_S", str(cls.feed_send_timeout_s))),
            max_subscriptions_per_connection=int(
                _env("MAX_SUBSCRIPTIONS_PER_CONNECTION", str(cls.max_subscriptions_per_connection))
            ),
            max_subscriptions_per_key=int(_env("MAX_SUBSCRIPTIONS_PER_KEY", str(cls.max_subscriptions_per_key))),
            ws_keepalive_s=float(_env("WS_KEEPALIVE_S", str(cls.ws_keepalive_s))),
            ws_init_timeout_s=float(_env("WS_INIT_TIMEOUT_S", str(cls.ws_init_timeout_s))),
        )
