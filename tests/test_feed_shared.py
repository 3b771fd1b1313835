"""Fan-out of the change feed: a change is turned into a GraphQL answer once per visibility class and
selection, not once per subscriber, and every subscriber still gets exactly its own page."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncGenerator
from dataclasses import field
from typing import Any

import strawberry

from domain import access, feed
from schema.changes import SharedBatches
from schema.shared_events import SharedEventExecutor
from tests.feed_support import Writer
from tests.test_feed_tail import BOUND_S, _caught_up, _tail

# --- the tail hands one page object per (cursor, size, filter, visibility class) -----------------------


async def test_subscribers_alike_share_one_page_until_the_next_read(sessionmaker):
    tail, wakeups = _tail(sessionmaker)
    writer = Writer(sessionmaker)
    regulator = access.Viewer(jurisdiction_codes=frozenset({"110115"}))
    async with tail.following():
        await _caught_up(tail, wakeups)
        await writer.notices(3)
        await _caught_up(tail, wakeups)
        first = tail.page(0, 10, feed.EVERYTHING, access.PUBLIC)
        assert first is not None and [c.seq for c in first.changes] == [1, 2, 3]
        assert tail.page(0, 10, feed.EVERYTHING, access.PUBLIC) is first
        # Another visibility class, cursor, size or filter is another page (equal or not).
        assert tail.page(0, 10, feed.EVERYTHING, regulator) is not first
        assert tail.page(1, 10, feed.EVERYTHING, access.PUBLIC) is not first
        assert tail.page(0, 2, feed.EVERYTHING, access.PUBLIC) is not first
        assert tail.page(0, 10, feed.FeedFilter(entity_kinds=frozenset({"Address"})), access.PUBLIC) is not first

        await writer.notices(1)
        await _caught_up(tail, wakeups)
        after = tail.page(0, 10, feed.EVERYTHING, access.PUBLIC)
        assert after is not None and after is not first  # a new read: the page is read afresh
        assert [c.seq for c in after.changes] == [1, 2, 3, 4] and after.end_seq == 4


async def test_a_page_asked_for_while_the_log_is_read_is_not_kept_past_the_read(sessionmaker):
    """A subscriber that asks while the tail reads gets the page as of the previous read, and the one it
    asks for after the wake-up includes the new change (a page cached across the read would hide it)."""
    tail, wakeups = _tail(sessionmaker)
    writer = Writer(sessionmaker)
    async with tail.following():
        await _caught_up(tail, wakeups)
        await writer.notices(1)
        mark = tail.mark()
        wakeups.wake()
        for _ in range(3):  # let the tail start its read and wait on the database
            await asyncio.sleep(0)
        during = tail.page(0, 10, feed.EVERYTHING, access.PUBLIC)
        await asyncio.wait_for(tail.wait(mark, BOUND_S), BOUND_S)
        after = tail.page(0, 10, feed.EVERYTHING, access.PUBLIC)
    assert during is not None and during.changes == []
    assert after is not None and [c.seq for c in after.changes] == [1]


def test_one_batch_per_page_object_for_as_long_as_the_page_lives():
    batches = SharedBatches()
    page = feed.ChangePage([], 5, False, 5)
    twin = feed.ChangePage([], 5, False, 5)
    batch = batches.of(page)
    assert batches.of(page) is batch
    assert batches.of(twin) is not batch and batches.of(twin).cursor == batch.cursor
    del page, twin
    gc.collect()
    assert len(batches) == 0


# --- a shared event is executed once per distinct selection -------------------------------------------

executions: list[str] = []


@strawberry.type
class Item:
    name: str

    @strawberry.field
    def loud(self, times: int = 1) -> str:
        executions.append(self.name)
        return self.name.upper() * times


@strawberry.type
class Event:
    items: list[Item]
    shared_results: strawberry.Private[dict[Any, Any]] = field(default_factory=dict)


@strawberry.type
class Event2:
    items: list[Item]


@strawberry.type
class Query:
    ok: bool = True


SHARED = Event(items=[Item(name="a"), Item(name="b")])
PLAIN = Event2(items=[Item(name="a"), Item(name="b")])


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def shared(self, after: int = 0) -> AsyncGenerator[Event, None]:
        yield SHARED

    @strawberry.subscription
    async def plain(self, after: int = 0) -> AsyncGenerator[Event2, None]:
        yield PLAIN


SCHEMA = strawberry.Schema(query=Query, subscription=Subscription, execution_context_class=SharedEventExecutor)
QUERY = (
    "subscription ($after: Int, $times: Int, $more: Boolean!) "
    "{ %s(after: $after) { items { loud(times: $times) name @include(if: $more) } } }"
)


async def _answer(root: str, variables: dict[str, Any]) -> dict[str, Any]:
    stream = await SCHEMA.subscribe(QUERY % root, variable_values=variables)
    assert not isinstance(stream, strawberry.types.ExecutionResult)
    async for result in stream:
        assert not result.errors, result.errors
        assert isinstance(result.data, dict)
        await stream.aclose()
        return result.data
    raise AssertionError("no event")


async def test_a_shared_event_is_executed_once_per_selection_and_variables_below_the_root():
    executions.clear()
    SHARED.shared_results.clear()
    base = {"after": 0, "times": 2, "more": True}
    answers = [await _answer("shared", {**base, "after": n}) for n in range(5)]
    assert answers[0] == {"shared": {"items": [{"loud": "AA", "name": "a"}, {"loud": "BB", "name": "b"}]}}
    assert all(a == answers[0] for a in answers)
    assert executions == ["a", "b"]  # five subscribers (different root arguments), one execution

    executions.clear()
    assert (await _answer("shared", {**base, "times": 1}))["shared"]["items"][0] == {"loud": "A", "name": "a"}
    assert (await _answer("shared", {**base, "more": False}))["shared"]["items"][0] == {"loud": "AA"}
    assert executions == ["a", "b", "a", "b"]  # a variable used below the root is a different answer


async def test_an_event_that_does_not_opt_in_is_executed_per_subscriber():
    executions.clear()
    for n in range(3):
        await _answer("plain", {"after": n, "times": 1, "more": True})
    assert executions == ["a", "b"] * 3
