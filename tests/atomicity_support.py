"""Every mutation of the served schema, called with generated inputs and held against the database.

The inputs start from the security suite's cases (tests/test_security_authorisation.py: for each
mutation an input that succeeds on a fresh object in a place, and one the command refuses), then
hypothesis may break them: a field set to another value of its type (texts that trip validators,
other objects' ids, edge numbers, any enum value) or to any JSON at all, a field dropped, the expected
version moved, an idempotency key added (also an empty, a 200-character or a reused one). The caller is
one allowed to act in the place mostly, any caller (anonymous, partner, another scope, a revoked key)
otherwise, and now and then the very same request is sent twice.

Around each call the whole database is snapshotted (tests/db_state.py), and the answer must agree:

* refused (``userErrors``, a top-level error, a null payload): every table exactly as before;
* replayed (``replayed: true``): nothing written, the answer the stored objects;
* accepted: the change log kept its old rows and gained a gapless run written at one instant, one row
  per entity at most; every address, agency, enterprise, notice and jurisdiction row added or changed
  has its row there; every new row's projection is the stored entity's projection (the log says what
  is stored); each object the payload answers is, read again by ``node(id:)`` as the same caller,
  exactly what was answered; a payload record that is not a node (a credit listing, a report, a
  contact, a finding) is among the rows the call added.

No answer may be a 5xx or carry INTERNAL_SERVER_ERROR.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_leaf_type,
)
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from api.app import api_schema
from api.settings import Settings
from domain.db import create_engine, create_sessionmaker
from domain.ids import from_global_id, to_global_id
from domain.model import Address, Agency, Base, Enterprise, Jurisdiction, Notice
from domain.projections import projection_of
from tests.db_state import DatabaseState, snapshot
from tests.graphql_strategies import input_value
from tests.graphql_support import Api, World, build_world, issue_keys, make_settings, open_api
from tests.security_support import CALLERS, UNLIMITED, Lab, add_revoked_admin
from tests.test_security_authorisation import CASES, Case, allowed

# The tables the change log stands for, by the kind of their global ids, and the model to load.
LOGGED: dict[str, tuple[str, type]] = {
    "agencies": ("Agency", Agency),
    "addresses": ("Address", Address),
    "enterprises": ("Enterprise", Enterprise),
    "notices": ("Notice", Notice),
    "jurisdictions": ("Jurisdiction", Jurisdiction),
}
# Payload records that are not nodes: the table a call that answers one must have added a row to.
RECORD_TABLES = {
    "CreditFact": "credit_facts",
    "QuarterlyReport": "quarterly_reports",
    "ContactLog": "contact_logs",
    "AnnualReport": "annual_reports",
    "EnterpriseFinding": "enterprise_findings",
}
# Mutations that add a row whenever they succeed (a replay aside), but for a tax filing older than the
# one stored, which changes nothing. (Computing a score again, or revoking a revoked key, may write
# nothing either: they are not among these.)
CREATIONS = ("register", "file", "create", "record")
MAY_CHANGE_NOTHING = frozenset({"recordTaxFiling"})
SPARE_ADDRESSES = ("daxing-2", "daxing-3", "daxing-pending")
IDEMPOTENCY_KEYS = ("atomicity-1", "atomicity-2", "", "k" * 200)


def _leaves(t: GraphQLObjectType) -> str:
    """Every leaf field of ``t`` that takes no required argument."""
    return " ".join(
        name
        for name, f in t.fields.items()
        if is_leaf_type(get_named_type(f.type))
        and not any(isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined for a in f.args.values())
    )


@dataclass(frozen=True)
class Shape:
    """A mutation as the schema declares it: its input type, the document asking for every leaf of every
    object its payload answers, and those objects (payload field -> type name)."""

    name: str
    input_type: GraphQLInputObjectType
    document: str
    objects: dict[str, str]


def shapes(schema: GraphQLSchema) -> dict[str, Shape]:
    assert schema.mutation_type is not None
    found = {}
    for name, f in schema.mutation_type.fields.items():
        payload = get_named_type(f.type)
        assert isinstance(payload, GraphQLObjectType), name
        objects = {
            field_name: get_named_type(pf.type).name
            for field_name, pf in payload.fields.items()
            if not is_leaf_type(get_named_type(pf.type)) and field_name != "userErrors"
        }
        selection = " ".join(
            f"{field_name} {{ {_leaves(schema.type_map[type_name])} }}"  # type: ignore[arg-type]
            for field_name, type_name in objects.items()
        )
        input_type = get_named_type(f.args["input"].type)
        assert isinstance(input_type, GraphQLInputObjectType), name
        document = (
            f"mutation ($input: {input_type.name}!) {{ {name}(input: $input) "
            f"{{ userErrors {{ code field message }} replayed {selection} }} }}"
        )
        found[name] = Shape(name, input_type, document, objects)
    return found


def _node_document(schema: GraphQLSchema, type_name: str) -> str:
    return f"query ($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ {_leaves(schema.type_map[type_name])} }} }} }}"  # type: ignore[arg-type]


@dataclass
class Figures:
    calls: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # accepted / replayed / refused, by mutation
    reasons: Counter[str] = field(default_factory=Counter)

    def accepted(self) -> set[str]:
        return {key.split(":")[0] for key in self.outcomes if key.endswith(":accepted")}


@dataclass
class Bench:
    """The API on a world of its own, and what the checks need of it."""

    api: Api
    sessionmaker: async_sessionmaker[AsyncSession]
    world: World
    lab: Lab
    schema: GraphQLSchema
    shapes: dict[str, Shape]
    figures: Figures = field(default_factory=Figures)

    # Inputs ------------------------------------------------------------------------------------------

    def variables(self, data: st.DataObject, shape: Shape, base: dict[str, Any]) -> dict[str, Any]:
        """``base`` as is mostly; broken in one to three places a third of the time."""
        out = dict(base)
        fields = shape.input_type.fields
        if "idempotencyKey" in fields and data.draw(st.integers(0, 3), label="keyed") == 0:
            out["idempotencyKey"] = data.draw(st.sampled_from(IDEMPOTENCY_KEYS), label="idempotencyKey")
        if data.draw(st.integers(0, 2), label="faulty") != 0:
            return out
        for _ in range(data.draw(st.integers(1, 3), label="faults")):
            how = data.draw(st.sampled_from(["set", "set", "set", "drop", "version"]), label="fault")
            version = out.get("expectedVersion")
            if how == "version" and isinstance(version, int) and not isinstance(version, bool):
                out["expectedVersion"] += data.draw(st.sampled_from([-1, 1, 5]), label="version step")
            elif how == "drop" and out:
                out.pop(data.draw(st.sampled_from(sorted(out)), label="dropped"))
            else:
                name = data.draw(st.sampled_from(sorted(fields)), label="field")
                faults = data.draw(st.integers(0, 3), label="any shape") == 0
                out[name] = input_value(data.draw, self.schema, fields[name].type, ids=self.ids(), faults=faults)
        return out

    def ids(self) -> list[str]:
        """Ids of world objects no case builds on (those the cases use must stay as they are, so that each
        mutation's valid input still succeeds); :func:`odd_ids` of tests.graphql_strategies adds the rest."""
        w = self.world
        return [w.gid("Address", name) for name in SPARE_ADDRESSES] + [w.gid("Enterprise", "daxing-e2")]

    async def room(self) -> None:
        """A published address with free places at each place's ``<place>-1``, where the cases register
        enterprises (a long run fills the world's)."""
        for place in ("daxing", "tongzhou", "wuxi"):
            async with self.sessionmaker() as session:
                address = await session.get(Address, self.lab.addresses[f"{place}-1"])
            assert address is not None
            if address.status != "published" or address.capacity - address.occupied < 5:
                self.lab.addresses[f"{place}-1"] = await self.lab.address(place, "published")

    # One call ----------------------------------------------------------------------------------------

    async def post(self, document: str, variables: dict[str, Any], caller: str) -> Any:
        # Escaped here, so that a lone surrogate travels as \ud800 (httpx would refuse to encode it).
        content = json.dumps({"query": document, "variables": variables}, ensure_ascii=True)
        headers = {**self.api.headers(caller), "Content-Type": "application/json"}
        return await self.api.client.post("/graphql", content=content, headers=headers)

    async def attempt(self, shape: Shape, variables: dict[str, Any], caller: str) -> None:
        before = await snapshot(self.sessionmaker)
        response = await self.post(shape.document, {"input": variables}, caller)
        after = await snapshot(self.sessionmaker)
        context = f"{shape.name} as {caller} with {variables!r}:\nHTTP {response.status_code} {response.text[:1500]}"
        self.figures.calls += 1
        assert response.status_code < 500, f"server error for {context}"
        body = response.json()
        codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or ()]
        assert "INTERNAL_SERVER_ERROR" not in codes, f"internal error for {context}"
        payload = (body.get("data") or {}).get(shape.name)
        if "SAVED_RESULT_UNAVAILABLE" in codes:
            self.figures.outcomes[f"{shape.name}:saved"] += 1
            await self.accepted(shape, variables, before, after, None, caller, context)
        elif payload is None or payload["userErrors"] or codes:
            self.figures.outcomes[f"{shape.name}:refused"] += 1
            errors = payload["userErrors"] if payload else body.get("errors") or ()
            self.figures.reasons.update(str(e.get("code") or (e.get("extensions") or {}).get("code")) for e in errors)
            assert after == before, f"refused, yet the database changed: {before.differences(after)}\n{context}"
        elif payload["replayed"]:
            self.figures.outcomes[f"{shape.name}:replayed"] += 1
            assert after == before, f"a replay wrote: {before.differences(after)}\n{context}"
            await self.answered_is_stored(shape, payload, caller, context)
        else:
            self.figures.outcomes[f"{shape.name}:accepted"] += 1
            await self.accepted(shape, variables, before, after, payload, caller, context)

    async def accepted(
        self,
        shape: Shape,
        variables: dict[str, Any],
        before: DatabaseState,
        after: DatabaseState,
        payload: dict[str, Any] | None,
        caller: str,
        context: str,
    ) -> None:
        columns = list(Base.metadata.tables["change_log"].columns.keys())
        old, new = before.rows["change_log"], after.rows["change_log"]
        assert new[: len(old)] == old, f"an accepted call changed earlier change-log rows\n{context}"
        entries = [dict(zip(columns, row, strict=True)) for row in new[len(old) :]]
        seqs = [e["seq"] for e in entries]
        assert seqs == list(range(before.max_seq + 1, after.max_seq + 1)), (
            f"change log went from {before.max_seq} to {after.max_seq} with seqs {seqs}\n{context}"
        )
        logged = [e["entity_id"] for e in entries]
        assert len(set(logged)) == len(logged), f"an entity logged twice by one command: {logged}\n{context}"
        assert len({e["occurred_at"] for e in entries}) <= 1, f"one command, several instants: {entries}\n{context}"
        unlogged = changed(before, after) - set(logged)
        assert not unlogged, f"{sorted(unlogged)} changed without a change-log row\n{context}"
        for entry in entries:
            if entry["projection"] is not None:
                stored = await self.projection(entry["entity_id"])
                assert entry["projection"] == stored, (
                    f"the change log says {entry['projection']}, the database holds {stored}\n{context}"
                )
        if payload is not None:
            answered = [payload.get(name) for name in shape.objects]
            assert any(a is not None for a in answered), f"accepted without the object it made or changed\n{context}"
            if shape.name.startswith(CREATIONS) and shape.name not in MAY_CHANGE_NOTHING:
                assert after != before, f"accepted, yet nothing was written\n{context}"
            if isinstance(variables.get("expectedVersion"), int):  # a change of a versioned object bumps its version
                versions = [a["version"] for a in answered if isinstance(a, dict) and "version" in a]
                assert versions and all(v > variables["expectedVersion"] for v in versions), (
                    f"accepted against version {variables['expectedVersion']}, answered {versions}\n{context}"
                )
            await self.answered_is_stored(shape, payload, caller, context)
            for field_name, type_name in shape.objects.items():
                table = RECORD_TABLES.get(type_name)
                if table is not None and payload.get(field_name) is not None:
                    assert before.rows[table] != after.rows[table], (
                        f"answered a {type_name}, yet {table} is unchanged\n{context}"
                    )

    async def projection(self, gid: str) -> dict[str, Any] | None:
        kind, pk = from_global_id(gid)
        model = next(m for k, m in LOGGED.values() if k == kind)
        key: Any = pk if kind == "Jurisdiction" else int(pk)
        async with self.sessionmaker() as session:
            statement: Any = select(model).where(model.__mapper__.primary_key[0] == key)  # type: ignore[attr-defined]
            if model is Address:
                statement = statement.options(selectinload(Address.key_industries))
            entity = (await session.execute(statement)).scalar_one_or_none()
            return None if entity is None else projection_of(entity)[3]

    async def answered_is_stored(self, shape: Shape, payload: dict[str, Any], caller: str, context: str) -> None:
        """Each node the payload answers, read again by the same caller, is what was answered."""
        for field_name, type_name in shape.objects.items():
            if type_name in RECORD_TABLES:
                continue
            answered = payload.get(field_name)
            for item in answered if isinstance(answered, list) else [answered]:
                if item is None:
                    continue
                response = await self.post(_node_document(self.schema, type_name), {"id": item["id"]}, caller)
                reread = response.json()
                assert "errors" not in reread, f"reading back {item['id']}: {reread}\n{context}"
                assert reread["data"]["node"] == item, f"answered {item}, stored {reread['data']['node']}\n{context}"


def changed(before: DatabaseState, after: DatabaseState) -> set[str]:
    """Global ids of the rows of the logged tables added or changed between two snapshots."""
    found: set[str] = set()
    for table, (kind, model) in LOGGED.items():
        key = model.__mapper__.primary_key[0].name  # type: ignore[attr-defined]
        at = list(Base.metadata.tables[table].columns.keys()).index(key)
        old = set(before.rows[table])
        found |= {to_global_id(kind, row[at]) for row in after.rows[table] if row not in old}
    return found


@contextlib.asynccontextmanager
async def bench(database_url: str) -> AsyncIterator[Bench]:
    engine = create_engine(database_url)
    try:
        sessionmaker = create_sessionmaker(engine)
        world = await build_world(sessionmaker)
        async for api in open_api(make_settings(database_url, **UNLIMITED)):
            await issue_keys(sessionmaker, world, api)
            await add_revoked_admin(sessionmaker, api)
            schema = api_schema(Settings(database_url=database_url))._schema
            lab = Lab(sessionmaker, world.agencies, world.addresses, world.enterprises)
            yield Bench(api, sessionmaker, world, lab, schema, shapes(schema))
    finally:
        await engine.dispose()


async def fixed_examples(b: Bench, case: Case, shape: Shape) -> None:
    """The case's valid input by an allowed caller, then its probe: each mutation's success and refusal
    are tried on every run, whatever hypothesis draws."""
    await b.room()
    for place in case.places:
        inputs = await case.prepare(b.lab, place)
        caller = next(c for c in CALLERS if allowed(case, c, place))
        await b.attempt(shape, inputs.valid, caller)
    inputs = await case.prepare(b.lab, case.places[0])
    await b.attempt(shape, inputs.probe, next(c for c in CALLERS if allowed(case, c, case.places[0])))


async def one_example(b: Bench, case: Case, shape: Shape, data: st.DataObject) -> None:
    place = data.draw(st.sampled_from(case.places), label="place")
    await b.room()
    inputs = await case.prepare(b.lab, place)
    base = inputs.valid if data.draw(st.integers(0, 3), label="probe") else inputs.probe
    variables = b.variables(data, shape, base)
    callers = [c for c in CALLERS if allowed(case, c, place)]
    if data.draw(st.integers(0, 3), label="outsider") == 0:
        callers = list(CALLERS)
    caller = data.draw(st.sampled_from(callers), label="caller")
    await b.attempt(shape, variables, caller)
    # The same request again: with an idempotency key a replay (or the same refusal), else a second effect
    # or a refusal of its own.
    if data.draw(st.integers(0, 1 if "idempotencyKey" in variables else 4), label="again") == 0:
        await b.attempt(shape, variables, caller)


def cases_in_order(b: Bench) -> list[tuple[Case, Shape]]:
    missing = sorted(set(b.shapes) - set(CASES))
    assert not missing, f"no input case for mutation(s) {missing} in tests/test_security_authorisation.py"
    return [(CASES[name], b.shapes[name]) for name in sorted(b.shapes, key=lambda n: CASES[n].last)]
