"""Proof of equality: every read through the planner answers exactly as the resolvers do.

Two apps serve one database, the planner on in one and off in the other; each request goes to both, as
each caller (anonymous, a partner, agencies of two districts, regulators in and out of the data's
jurisdictions, an admin), and the JSON bodies (data and errors, without the request id) must be equal.
The requests are the GraphQL examples of docs/ and the benchmark queries of bench/, then a generated
corpus (tests/planner_strategies.py) of 1,000 operations per database by default and 5,000 with
``--slow``. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from bench import queries as bench_queries
from domain.db import create_engine, create_sessionmaker
from domain.ids import to_global_id
from tests.graphql_support import StatementCounter
from tests.planner_strategies import ORDERS, Request, read_requests
from tests.planner_support import CALLERS, Pair, open_pair

ROOT = Path(__file__).resolve().parents[1]
CORPUS = int(__import__("os").environ.get("PLANNER_CORPUS", "1000"))
SLOW_CORPUS = 5_000


def documented_queries() -> list[str]:
    """The read operations written in docs/ and README (fenced ``graphql`` blocks that are not mutations)."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in re.findall(r"```graphql\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
            if not block.lstrip().startswith(("mutation", "subscription")):
                found.append(block)
    return found


def bench_requests(pair: Pair) -> list[tuple[str, dict[str, Any]]]:
    w = pair.world
    gids = [w.gid("Enterprise", k) for k in sorted(w.enterprises)]
    return [
        (
            bench_queries.SEARCH,
            {"j": "110115", "ind": "DIGITAL_ECONOMY", "lat": 39.73, "lon": 116.34, "r": 100.0},
        ),
        (bench_queries.ADDRESS, {"code": "__first__"}),
        (bench_queries.AGENCIES, {}),
        (bench_queries.NODES, {"ids": gids}),
        (bench_queries.DEEP, {"after": "__cursor__"}),
    ]


class Runner:
    """The pair of apps on an event loop of its own, so hypothesis can drive it from a plain function."""

    def __init__(self, database_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.engine = create_engine(database_url)
        self._context = open_pair(database_url, create_sessionmaker(self.engine))
        self.pair: Pair = self.run(self._context.__aenter__())
        self.compared = 0
        self.statements = StatementCounter(self.pair.planned.client._transport.app.state.services.engine)  # type: ignore[attr-defined]

    def planned_statements(self) -> int:
        """Statements the planner ran on the planned app's engine (only its statements build JSON arrays)."""
        return sum("json_array(" in s or "json_build_array(" in s for s in self.statements.statements)

    def run(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)

    def close(self) -> None:
        self.statements.close()
        self.run(self._context.__aexit__(None, None, None))
        self.run(self.engine.dispose())
        self.loop.close()

    def compare(self, query: str, variables: dict[str, Any] | None, as_: str | None) -> Any:
        planned, reference = self.run(self.pair.compared(query, variables, as_))
        assert planned == reference, f"as {as_}: {query} {variables}"
        self.compared += 1
        return reference[1]

    def cursors(self) -> dict[str, list[str]]:
        """Real cursors of several orderings of both connections, from the reference path."""
        out: dict[str, list[str]] = {}
        for root in ("enterprises", "agencies"):
            for order in ORDERS:
                argument = f", orderBy: {order}" if order else ""
                body = self.compare(f"{{ {root}(first: 100{argument}) {{ edges {{ cursor }} }} }}", None, None)
                out[f"{root}|{order}"] = [e["cursor"] for e in body["data"][root]["edges"]]
        # Address codes: published ones, one only insiders see, and one that does not exist.
        body = self.compare("{ addresses(first: 100) { nodes { code } } }", None, "regulator-beijing")
        out["codes"] = [n["code"] for n in body["data"]["addresses"]["nodes"]] + ["110115-999999", " x "]
        for name, near in (
            ("addresses|", ""),
            ("addresses|near", "near: {latitude: 39.75, longitude: 116.4, radiusKm: 100}"),
        ):
            query = f"{{ addresses(first: 100, filter: {{{near}}}) {{ edges {{ cursor }} }} }}"
            body = self.compare(query, None, "regulator-beijing")
            out[name] = [e["cursor"] for e in body["data"]["addresses"]["edges"]]
        w = self.pair.world
        out["ids"] = [w.gid("Enterprise", k) for k in sorted(w.enterprises)[:8]]
        out["ids"] += [w.gid("Agency", k) for k in sorted(w.agencies)]
        out["ids"] += [w.gid("Address", "daxing-1"), to_global_id("Enterprise", 999_999), "QWdlbmN5OjA3", "bad"]
        return out


@pytest.fixture
def runner(database_url: str) -> Iterator[Runner]:
    r = Runner(database_url)
    try:
        yield r
    finally:
        r.close()


def test_documented_and_benchmark_queries_answer_alike(runner: Runner) -> None:
    documented = documented_queries()
    assert documented, "no GraphQL examples found in docs/"
    code = runner.compare("{ addresses(first: 1) { nodes { code } } }", None, None)["data"]["addresses"]["nodes"]
    cursor = runner.cursors()["enterprises|"][1]
    for who in CALLERS:
        for query in documented:
            runner.compare(query, None, who)
        for query, variables in bench_requests(runner.pair):
            if variables.get("code") == "__first__":
                variables = {"code": code[0]["code"]}
            if variables.get("after") == "__cursor__":
                variables = {"after": cursor}
            runner.compare(query, variables, who)


def _corpus(runner: Runner, examples: int) -> None:
    strategy = read_requests(runner.cursors(), CALLERS)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        print_blob=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(request=strategy)
    def check(request: Request) -> None:
        runner.compare(request.query, request.variables, request.as_)

    before, planned = runner.compared, runner.planned_statements()
    check()
    assert runner.compared - before >= examples
    # Most of the corpus goes through the planner (the rest falls back or is refused before any SQL).
    assert runner.planned_statements() - planned >= examples // 2, runner.planned_statements() - planned


def test_generated_reads_answer_alike(runner: Runner) -> None:
    _corpus(runner, CORPUS)


@pytest.mark.slow
def test_many_generated_reads_answer_alike(runner: Runner) -> None:
    _corpus(runner, SLOW_CORPUS)
