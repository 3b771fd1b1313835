"""Wake-ups for change-feed followers (the data flow in docs/architecture.md: ``commit -> broker.notify(seq)``).

A broker never carries changes, only the news that there are some: followers always read the change log
itself, and poll when no wake-up comes, so a broker that is down or loses a message delays a subscriber
by at most one poll interval and never costs it a change (invariant 3, docs/architecture.md).

``JIQUN_BROKER`` picks one: ``local`` (this process only), ``redis`` (``JIQUN_REDIS_URL`` pub/sub),
``postgres`` (``LISTEN``/``NOTIFY`` on the database itself) or ``auto`` (Redis when a URL is set, else
local).
"""

from __future__ import annotations

from api.broker.local import Broker, LocalBroker
from api.broker.pg_notify import PostgresBroker
from api.broker.redis_pubsub import RedisBroker
from api.settings import Settings
from domain.db import normalise_url

BROKERS = ("auto", "local", "redis", "postgres")


def create_broker(settings: Settings) -> Broker:
    kind = settings.broker
    if kind not in BROKERS:
        raise ValueError(f"JIQUN_BROKER={kind!r}: choose one of {', '.join(BROKERS)}")
    if kind == "auto":
        kind = "redis" if settings.redis_url else "local"
    if kind == "redis":
        if not settings.redis_url:
            raise ValueError("JIQUN_BROKER=redis needs JIQUN_REDIS_URL")
        return RedisBroker(settings.redis_url, settings.broker_channel)
    if kind == "postgres":
        if not normalise_url(settings.database_url).startswith("postgresql"):
            raise ValueError("JIQUN_BROKER=postgres needs a PostgreSQL JIQUN_DATABASE_URL")
        return PostgresBroker(settings.database_url, settings.broker_channel)
    return LocalBroker()


__all__ = ["Broker", "LocalBroker", "PostgresBroker", "RedisBroker", "create_broker"]
