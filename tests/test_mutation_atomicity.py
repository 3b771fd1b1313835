"""A mutation commits everything it answered, or nothing at all.

Hypothesis drives the lifecycle mutations (fileAddress, approveAddress, publishAddress, suspendAddress,
registerEnterprise, moveOutEnterprise, createNotice) through the GraphQL API with inputs that are
mostly valid (objects of the test world and the ones created on the way, their current versions, valid
USCCs and texts) and now and then not (wrong or stale versions, ids of another kind or of nothing, bad
codes, dates and texts, personal data in a public text, a caller without the right), as callers of
every role. The database is snapshotted (tests/db_state.py) around each call:

* an accepted call (a payload without userErrors) appended a gapless run of change-log entries, one
  for the object it reports and one for every row of an address, agency, enterprise or notice that it
  added or changed, and the object it reports is stored with the status and version it answered;
* any refusal (userErrors, a top-level error, a null payload) left every table exactly as it was;
* no call is answered with INTERNAL_SERVER_ERROR or a 5xx.

A command that wrote half of its work before failing, committed without logging, or answered success
for a change it rolled back fails one of these. The run is bounded (``EXAMPLES`` calls per database,
more under ``--slow``), on SQLite and on PostgreSQL.

The second test holds every mutation of the schema to the same rule (tests/atomicity_support.py): the
security suite's valid and refused input for each, and ``PER_MUTATION`` generated ones, which also
compare each logged projection with the stored entity and every object answered with the object read
back; a mutation added to the schema without an input case fails it by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.db import create_engine, create_sessionmaker
from domain.ids import to_global_id
from domain.model import Address, Base, ChangeLogEntry, Enterprise
from tests import factories
from tests.atomicity_support import Bench, Shape, bench, cases_in_order, fixed_examples, one_example
from tests.atomicity_support import Figures as EveryFigures
from tests.db_state import DatabaseState, snapshot
from tests.graphql_support import PERSON_ID, Api, World, build_world, issue_keys, make_settings, open_api
from tests.test_security_authorisation import CASES, Case

EXAMPLES = 150
SLOW_EXAMPLES = 1_500
# Tables whose rows the change log stands for, by the kind of their global ids.
LOGGED_TABLES = {"addresses": "Address", "agencies": "Agency", "enterprises": "Enterprise", "notices": "Notice"}

PAYLOADS = {
    "address": "address { id status version }",
    "enterprise": "enterprise { id status version }",
    "notice": "notice { id status version }",
}
MUTATIONS: dict[str, tuple[str, str]] = {  # name -> (input type, payload field)
    "fileAddress": ("FileAddressInput", "address"),
    "approveAddress": ("AddressChangeInput", "address"),
    "publishAddress": ("AddressChangeInput", "address"),
    "suspendAddress": ("AddressReasonInput", "address"),
    "registerEnterprise": ("RegisterEnterpriseInput", "enterprise"),
    "moveOutEnterprise": ("MoveOutEnterpriseInput", "enterprise"),
    "createNotice": ("CreateNoticeInput", "notice"),
}
BAD_TEXTS = ("", " ", "\x00", "a" * 5_000, f"联系人身份证 {PERSON_ID}", "电话 13800138000", "\ud800")
BAD_IDS = (
    to_global_id("Address", 999_999),
    to_global_id("Notice", 1),
    "QWdlbmN5OjE",
    "@@",
    "",
    to_global_id("Agency", 0),
)
DAXING = "110115"
# Drawn by weight, so that addresses move along their lifecycle and enterprises find published ones.
WEIGHTS = {"fileAddress": 2, "approveAddress": 2, "publishAddress": 2, "suspendAddress": 1,
           "registerEnterprise": 3, "moveOutEnterprise": 1, "createNotice": 2}  # fmt: skip
SERVER_LIMITS = {"rate_limit_key_per_minute": 1_000_000, "rate_limit_anonymous_per_minute": 1_000_000}


def document(name: str) -> str:
    input_type, payload = MUTATIONS[name]
    return (
        f"mutation ($input: {input_type}!) {{ {name}(input: $input) "
        f"{{ userErrors {{ code field }} {PAYLOADS[payload]} }} }}"
    )


@dataclass
class Known:
    """The world's objects and those created so far, to draw valid references from."""

    world: World
    addresses: dict[int, str] = field(default_factory=dict)  # Daxing addresses: primary key -> status
    enterprises: dict[int, str] = field(default_factory=dict)  # Daxing enterprises: primary key -> status


class Inputs:
    """Draws the input of one mutation: valid mostly, broken in one or more places now and then."""

    def __init__(self, data: st.DataObject, known: Known, versions: dict[str, int]) -> None:
        self.data = data
        self.known = known
        self.versions = versions
        # A third of the calls carry faults; the rest are valid but for the caller and the object's state.
        self.faulty = bool(data.draw(st.integers(0, 2), label="faulty") == 0)

    def draw(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.data.draw(strategy)

    def bad(self, one_in: int = 4) -> bool:
        return self.faulty and bool(self.draw(st.integers(0, one_in - 1)) == 0)

    def text(self, valid: str) -> str:
        return str(self.draw(st.sampled_from(BAD_TEXTS))) if self.bad() else valid

    def address(self, *statuses: str) -> str:
        """A Daxing address in one of ``statuses`` mostly, any Daxing address otherwise."""
        fitting = [pk for pk, status in self.known.addresses.items() if status in statuses]
        any_status = self.draw(st.integers(0, 4)) == 0
        return self.gid("Address", list(self.known.addresses) if any_status or not fitting else fitting)

    def caller(self, name: str) -> str:
        """A caller that may make the call mostly; one of another district, a partner or nobody now and then."""
        if self.bad(3):
            return str(self.draw(st.sampled_from(["regulator-tongzhou", "regulator-wuxi", "partner", "anonymous"])))
        agency_may = name in ("fileAddress", "registerEnterprise", "moveOutEnterprise")
        return str(self.draw(st.sampled_from(["regulator", "regulator-beijing", *(["agency"] if agency_may else [])])))

    def pick(self, items: Sequence[Any]) -> Any:
        """One of ``items``, drawn the same way whatever their number: the items come from the database,
        which the earlier calls changed, and Hypothesis needs the same draws for the same choices."""
        index = self.draw(st.integers(0, 2**16))
        return items[index % len(items)] if items else None

    def gid(self, kind: str, pks: list[int]) -> str:
        bad = self.bad(6)
        chosen = self.pick(pks)
        w = self.known.world
        foreign = (w.gid("Address", "tongzhou-1"), w.gid("Address", "wuxi-1"), w.gid("Enterprise", "tongzhou-e1"))
        wrong = str(self.draw(st.sampled_from(BAD_IDS + foreign)))
        return wrong if bad or chosen is None else to_global_id(kind, chosen)

    def version(self, gid: str) -> int:
        """The stored version of ``gid`` mostly; a stale, future or absurd one now and then."""
        current = self.versions.get(gid, 1)
        if self.bad(6):
            return int(self.draw(st.sampled_from([current - 1, current + 1, 0, -1, 2**31 - 1])))
        return current

    def date(self) -> str | None:
        choice = self.draw(st.sampled_from(["none", "none", "near", "bad"]))
        if choice == "near":
            days = self.draw(st.integers(-400, 60) if self.faulty else st.integers(-400, 0))
            return (dt.date(2026, 3, 2) + dt.timedelta(days=days)).isoformat()
        if choice == "bad" and self.bad(1):
            return str(self.draw(st.sampled_from(["2026-02-30", "0000-01-01", "２０２６-０３-０２", "x"])))
        return None

    def of(self, name: str) -> dict[str, Any]:
        w = self.known.world
        if name == "fileAddress":
            number = self.draw(st.integers(1, 10_000))
            return {
                "agencyId": self.gid("Agency", [w.agencies["tongzhou" if self.bad() else "daxing"]]),
                "jurisdictionCode": self.draw(st.sampled_from(["110112", "999999", "１１０１１５"]))
                if self.bad()
                else "110115",
                "kind": self.draw(st.sampled_from(["CLUSTER_REGISTRATION"] * 4 + ["ACTUAL_BUSINESS"])),
                "addressText": self.text(f"北京市大兴区兴华大街{number}号"),
                "premisesBasis": self.draw(st.sampled_from(["TITLE_DEED", "OTHER", "SAFETY_APPRAISAL"])),
                "tenure": self.draw(st.sampled_from(["OWNED", "LEASED", "ENTRUSTED"])),
                "residential": self.bad(),
                "planningApproved": not self.bad(),
                "lawfulAndSafe": not self.bad(),
                "standardised": not self.bad(),
                "capacity": self.draw(st.sampled_from([0, -1, 10**6])) if self.bad() else 50,
                "latitude": self.draw(st.sampled_from([None, 91.0, 0.0])) if self.bad() else 39.7265,
                "longitude": self.draw(st.sampled_from([None, -181.0])) if self.bad() else 116.3411,
                "floorAreaM2": self.draw(st.sampled_from([None, -5.0])) if self.bad() else 1200.0,
                "keyIndustries": self.draw(st.sampled_from([["DIGITAL_ECONOMY"], [], None])),
                "leaseEnd": self.date() if self.bad() else None,
            }
        if name in ("approveAddress", "publishAddress", "suspendAddress"):
            wanted = {"approveAddress": "applied", "publishAddress": "filed", "suspendAddress": "published"}[name]
            address = self.address(wanted)
            out: dict[str, Any] = {"addressId": address, "expectedVersion": self.version(address)}
            if name == "suspendAddress":
                out["reason"] = self.text("场所存在安全隐患，暂停新增登记")
            return out
        if name == "registerEnterprise":
            area = "110112" if self.bad() else "110115"
            uscc = factories.make_uscc(area)
            if self.bad():
                uscc = self.draw(st.sampled_from([uscc[:-1] + ("0" if uscc[-1] != "0" else "1"), uscc[:17], ""]))
            out = {
                "addressId": self.address("published"),
                "uscc": uscc,
                "name": self.text(f"北京星河数字科技{self.draw(st.integers(1, 9_999))}有限公司"),
                "kind": self.draw(st.sampled_from(["BRANCH", "FOREIGN_REP_OFFICE"])) if self.bad() else "COMPANY",
                "industryCode": self.draw(st.sampled_from(["9999", "", "65"])) if self.bad() else "6510",
                "registeredOn": self.date(),
            }
            if self.draw(st.booleans()):
                out["personal"] = {
                    "legalRepresentativeName": "赵志刚",
                    "legalRepresentativeIdNumber": PERSON_ID if not self.bad() else PERSON_ID[:-1] + "0",
                    "contactPhone": "13700001111" if not self.bad() else "123",
                }
            return out
        if name == "moveOutEnterprise":
            active = [pk for pk, status in self.known.enterprises.items() if status == "active"]
            enterprise = self.gid("Enterprise", active or list(self.known.enterprises))
            return {
                "enterpriseId": enterprise,
                "expectedVersion": self.version(enterprise),
                "movedOutOn": self.date(),
            }
        assert name == "createNotice"
        out = {
            "kind": self.draw(st.sampled_from(["OTHER", "OTHER", "SUPERVISION", "ADDRESS_PUBLISHED"])),
            "jurisdictionCode": self.draw(st.sampled_from(["110112", "320205", "99"])) if self.bad() else "110115",
            "title": self.text("集群注册工作提示"),
            "titleEn": self.text("Notice"),
            "body": self.text("请各托管机构按期报送季度报告。"),
            "bodyEn": "Report every quarter.",
            "legalBasis": self.text("DX Art.13"),
            "publishedOn": self.date(),
        }
        if self.draw(st.booleans()):
            out["subjectId"] = self.gid(
                self.draw(st.sampled_from(["Address", "Enterprise"])),
                list(self.known.addresses if self.draw(st.booleans()) else self.known.enterprises),
            )
        if self.bad(4):
            out["deadlineWorkingDays"] = self.draw(st.sampled_from([10, 0, 366, -1]))
        return out


async def stored(sessionmaker: async_sessionmaker[AsyncSession], world: World) -> tuple[Known, dict[str, int]]:
    """The Daxing addresses and enterprises, where the callers may act, with their statuses, and the
    version of each, by global id."""
    async with sessionmaker() as session:
        addresses = (
            await session.execute(
                select(Address.id, Address.status, Address.version).where(Address.jurisdiction_code == DAXING)
            )
        ).all()
        enterprises = (
            await session.execute(
                select(Enterprise.id, Enterprise.status, Enterprise.version).where(
                    Enterprise.jurisdiction_code == DAXING
                )
            )
        ).all()
    versions = {to_global_id("Address", pk): v for pk, _, v in addresses}
    versions |= {to_global_id("Enterprise", pk): v for pk, _, v in enterprises}
    known = Known(world, {pk: str(s) for pk, s, _ in addresses}, {pk: str(s) for pk, s, _ in enterprises})
    return known, versions


def changed_objects(before: DatabaseState, after: DatabaseState) -> set[str]:
    """Global ids of the addresses, agencies, enterprises and notices added or changed between two
    snapshots (a row of the four tables the change log stands for)."""
    found: set[str] = set()
    for table, kind in LOGGED_TABLES.items():
        at = list(Base.metadata.tables[table].columns.keys()).index("id")
        old = set(before.rows[table])
        found |= {to_global_id(kind, row[at]) for row in after.rows[table] if row not in old}
    return found


async def new_entries(sessionmaker: async_sessionmaker[AsyncSession], after_seq: int) -> list[tuple[Any, ...]]:
    async with sessionmaker() as session:
        result = await session.execute(
            select(ChangeLogEntry.seq, ChangeLogEntry.entity_id, ChangeLogEntry.occurred_at, ChangeLogEntry.projection)
            .where(ChangeLogEntry.seq > after_seq)
            .order_by(ChangeLogEntry.seq)
        )
        return [tuple(r) for r in result]


@dataclass
class Figures:
    calls: int = 0
    accepted: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


async def check_call(
    api: Api,
    sessionmaker: async_sessionmaker[AsyncSession],
    name: str,
    caller: str,
    variables: dict[str, Any],
    figures: Figures,
) -> None:
    """Send one mutation; hold its answer against the database before and after it."""
    before = await snapshot(sessionmaker)
    # Encoded here with every non-ASCII character escaped: a lone surrogate travels as \\ud800.
    content = json.dumps({"query": document(name), "variables": {"input": variables}}, ensure_ascii=True)
    headers = {**api.headers(caller), "Content-Type": "application/json", "Accept": "application/graphql-response+json"}
    response = await api.client.post("/graphql", content=content, headers=headers)
    after = await snapshot(sessionmaker)
    context = f"{name} as {caller} with {variables!r}: HTTP {response.status_code} {response.text[:600]}"
    figures.calls += 1
    assert response.status_code < 500, f"server error for {context}"
    body = response.json()
    codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or ()]
    assert "INTERNAL_SERVER_ERROR" not in codes, f"internal error for {context}"
    payload = (body.get("data") or {}).get(name)
    field_name = MUTATIONS[name][1]
    if payload is None or payload["userErrors"] or codes:
        figures.refused += 1
        errors = payload["userErrors"] if payload else body.get("errors") or ()
        figures.reasons.update(
            f"{name}:{e.get('code') or (e.get('extensions') or {}).get('code')}:{e.get('field')}" for e in errors
        )
        assert "SAVED_RESULT_UNAVAILABLE" not in codes, f"a committed result the check cannot hold: {context}"
        assert after == before, f"refused, yet the database changed {before.differences(after)} for {context}"
        return
    figures.accepted[name] = figures.accepted.get(name, 0) + 1
    reported = payload[field_name]
    assert reported is not None, f"accepted without the {field_name} it made or changed: {context}"
    entries = await new_entries(sessionmaker, before.max_seq)
    seqs = [e[0] for e in entries]
    assert seqs == list(range(before.max_seq + 1, after.max_seq + 1)) and seqs, (
        f"accepted, yet the change log went from {before.max_seq} to {after.max_seq} with {seqs} for {context}"
    )
    assert len({e[2] for e in entries}) == 1, f"the entries of one command were not written at once: {entries}"
    logged = {e[1] for e in entries}
    assert reported["id"] in logged, f"the reported {reported['id']} is not in the new entries {logged}: {context}"
    unlogged = changed_objects(before, after) - logged
    assert not unlogged, f"{sorted(unlogged)} changed without a change-log entry: {context}"
    last = next(e[3] for e in reversed(entries) if e[1] == reported["id"])
    if last is not None and "version" in last:
        assert last["version"] == reported["version"], f"answered version {reported['version']}, logged {last}"
    differences = before.differences(after)
    assert differences, f"accepted, yet nothing changed: {context}"


@contextlib.asynccontextmanager
async def session_world(database_url: str) -> AsyncIterator[tuple[Api, async_sessionmaker[AsyncSession], World]]:
    engine = create_engine(database_url)
    try:
        sessionmaker = create_sessionmaker(engine)
        world = await build_world(sessionmaker)
        async for api in open_api(make_settings(database_url, **SERVER_LIMITS)):
            await issue_keys(sessionmaker, world, api)
            yield api, sessionmaker, world
    finally:
        await engine.dispose()


def run_atomicity(database_url: str, examples: int) -> Figures:
    figures = Figures()
    with asyncio.Runner() as runner:
        stack = contextlib.AsyncExitStack()
        api, sessionmaker, world = runner.run(stack.enter_async_context(session_world(database_url)))
        try:

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                print_blob=True,
                # Each call changes the database the next one runs on: shrinking could not replay a
                # failure, and the failure message holds the whole call.
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(data=st.data())
            def check(data: st.DataObject) -> None:
                known, versions = runner.run(stored(sessionmaker, world))
                inputs = Inputs(data, known, versions)
                name = data.draw(st.sampled_from([n for n, w in WEIGHTS.items() for _ in range(w)]), label="mutation")
                caller = inputs.caller(name)
                variables = inputs.of(name)
                runner.run(check_call(api, sessionmaker, name, caller, variables, figures))

            check()
        finally:
            runner.run(stack.aclose())
    return figures


def atomicity(database_url: str, examples: int) -> None:
    figures = run_atomicity(database_url, examples)
    print(f"\nmutation atomicity: {figures.calls} calls, accepted {figures.accepted}, {figures.refused} refused")
    print(f"  refusals: {dict(figures.reasons.most_common())}")
    # Both outcomes must be exercised, or the test proves only half of its claim.
    assert sum(figures.accepted.values()) >= figures.calls // 10, f"too few calls accepted: {figures}"
    assert len(figures.accepted) >= 4, f"too few kinds of mutation ever accepted: {figures}"
    assert figures.refused >= figures.calls // 10, f"too few calls refused: {figures}"


def test_mutations_commit_what_they_answer_or_nothing(database_url: str) -> None:
    """Injected: 150 lifecycle mutations with valid and invalid inputs by callers of every role. Checked:
    each either wrote exactly what it answered, all of it in the change log, or nothing at all."""
    atomicity(database_url, EXAMPLES)


@pytest.mark.slow
def test_many_mutations_commit_what_they_answer_or_nothing(database_url: str) -> None:
    """The same with 1,500 mutations."""
    atomicity(database_url, SLOW_EXAMPLES)


# Every mutation of the schema ---------------------------------------------------------------------------

PER_MUTATION = 3
SLOW_PER_MUTATION = 25


def generated(runner: asyncio.Runner, b: Bench, case: Case, shape: Shape, examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        print_blob=True,
        # Each call changes the database the next one runs on: shrinking could not replay a failure,
        # and the failure message holds the whole call.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        runner.run(one_example(b, case, shape, data))

    check()


def every_mutation(database_url: str, per_mutation: int) -> EveryFigures:
    with asyncio.Runner() as runner:
        stack = contextlib.AsyncExitStack()
        b = runner.run(stack.enter_async_context(bench(database_url)))
        try:
            for case, shape in cases_in_order(b):
                runner.run(fixed_examples(b, case, shape))
                generated(runner, b, case, shape, per_mutation)
        finally:
            runner.run(stack.aclose())
    return b.figures


def test_every_mutation_commits_what_it_answers_or_nothing(database_url: str) -> None:
    """Injected: each of the schema's mutations with its valid input, its refused input, and 3 generated
    inputs (fields set to other values or any JSON, dropped, versions moved, idempotency keys), by
    allowed callers and others, some sent twice. Checked: a refusal or a replay wrote nothing; an
    accepted call logged every row it changed, once, gaplessly, at one instant, with the stored
    projection, and every object it answered is stored as answered (tests/atomicity_support.py)."""
    figures = every_mutation(database_url, PER_MUTATION)
    outcomes = Counter(key.split(":")[1] for key in figures.outcomes.elements())
    print(f"\nevery mutation: {figures.calls} calls: {dict(outcomes)}; {len(figures.accepted())} mutations accepted")
    print(f"  refusals: {dict(figures.reasons.most_common(12))}")
    assert len(figures.accepted()) == sum(1 for c in CASES.values() if c.succeeds_in), figures.outcomes


@pytest.mark.slow
def test_every_mutation_many_times(database_url: str) -> None:
    """The same with 25 generated inputs per mutation."""
    every_mutation(database_url, SLOW_PER_MUTATION)
