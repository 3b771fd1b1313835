"""The server's start-up objects are frozen out of the garbage collector, so a full collection during a
request walks only what requests left behind (api/app.py, ``freeze_start_up_objects``)."""

from __future__ import annotations

import gc

from api.app import GC_THRESHOLDS
from tests.graphql_support import make_settings, open_api


async def test_start_up_objects_are_frozen(database_url: str) -> None:
    gc.unfreeze()
    thresholds = gc.get_threshold()
    try:
        async for api in open_api(make_settings(database_url)):
            assert gc.get_freeze_count() > 50_000, gc.get_freeze_count()
            assert gc.get_threshold() == GC_THRESHOLDS
            assert (await api.data("{ __typename }")) == {"__typename": "Query"}
            tracked = len(gc.get_objects())
            assert tracked < gc.get_freeze_count() // 4, (tracked, gc.get_freeze_count())
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
