"""Personal-data probes through every read path, as anonymous and partner callers.

The registry holds the names, identity numbers and phone numbers of agencies' and enterprises' people,
ledger entries only insiders may read (contact notes, quarterly summaries, findings, credit notes,
business scope), and objects the public may not see (an unpublished address, supervision runs, API
keys). None of it may reach a public caller by any path: ``node`` and ``nodes`` on every kind of id,
every field of the ``Query`` type page by page, text searches, refusals and error messages, the
``changes`` subscription over a real WebSocket to a real server process, and the files under
``/opendata/`` after a publish.

Documents are written from the served schema and ask for every field, personal ones included, so a
field, a root query or a subscription added later is probed without editing this file, and a kind of
node or a required argument the suite cannot fill fails by name. Each answer is checked twice: by the
shape detectors of :func:`tests.graphql_support.assert_public` (the ``api`` client runs them on every
anonymous and partner response) and for the exact stored values — read back from the personal-data
tables, so a value added later is covered — anywhere in its bytes.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
import zipfile
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from domain.ids import KINDS, to_global_id
from domain.model import Address, Agency, ApiKey, Enterprise, Jurisdiction, Notice, Score, SupervisionRun
from opendata.release import publish
from tests import factories
from tests.feed_support import LEGACY_WS, TRANSPORT_WS
from tests.graphql_support import OTHER_ID, PERSON_ID, Api, World, assert_public, id_number, make_settings, open_api
from tests.security_support import (
    PUBLIC_CALLERS,
    UNLIMITED,
    Schema,
    leaks,
    named,
    stored_personal_values,
    variable_type,
)
from tests.server import running_server

BOUND_S = 20.0
MODELS: dict[str, Any] = {
    "Jurisdiction": Jurisdiction, "Agency": Agency, "Address": Address, "Enterprise": Enterprise, "Notice": Notice,
    "ApiKey": ApiKey, "Score": Score, "SupervisionRun": SupervisionRun,
}  # fmt: skip
# Ledger entries and registration details only insiders may read, each a text no public field holds.
SENTINELS = {
    "contactLogs.note": "联络记录内部备注甲",
    "quarterlyReports.summary": "季度报告内部摘要乙",
    "findings.description": "监管发现内部描述丙",
    "creditFacts.note": "信用记录内部备注丁",
    "details.businessScope": "内部登记经营范围戊",
    "details.actualAddress": "北京市大兴区内部实际经营地址己号",
}
# People added through the API: one before the probes, one while subscribers listen.
FIRST_PERSON = ("郑秘书", "13987654321", id_number("11011519770707456"))
LIVE_PERSON = ("冯保密", "13566667777", id_number("11011519880808123"))
SERVER_ENV = {
    "JIQUN_POLL_INTERVAL_S": "0.2",
    "JIQUN_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "1000000",
    "JIQUN_RATE_LIMIT_KEY_PER_MINUTE": "1000000",
}
_DIGEST = re.compile(r"[0-9a-f]{64}")  # file digests in the open data: hex runs that are no phone numbers


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    """Production settings but for the per-minute rate limits: the suite makes hundreds of calls."""
    async for a in open_api(make_settings(database_url, **UNLIMITED)):
        yield a


@dataclass
class Registry:
    """The world with a ledger of every kind, and what no public answer may show."""

    world: World
    secrets: set[str]
    hidden: set[str]
    ids: dict[str, list[str]]
    pending_code: str
    personal: set[str]
    probes: Counter[str] = field(default_factory=Counter)

    def check(self, path: str, body: bytes | str, asked: Iterable[Any] = ()) -> None:
        """No stored personal value, ledger text or hidden id in ``body`` but those the caller itself
        ``asked`` for (a message may quote the key it did not find); counted under ``path``."""
        found = leaks(body, (self.secrets | self.hidden) - {str(a) for a in asked})
        assert not found, f"{path} shows {found}"
        self.probes[path] += 1


async def _insider(api: Api, mutation: str, variables: dict[str, Any], as_: str) -> dict[str, Any]:
    payload = next(iter((await api.data(mutation, variables, as_=as_)).values()))
    assert payload["userErrors"] == [], payload
    return dict(payload)


REGISTER = """mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) {
  enterprise { id } userErrors { code message } } }"""


async def register_person(api: Api, world: World, person: tuple[str, str, str], company: str) -> str:
    """The Daxing agency registers an enterprise with its people's details; the enterprise's global id."""
    name, phone, person_id = person
    personal = {"legalRepresentativeName": name, "legalRepresentativeIdNumber": person_id, "contactPerson": name,
                "contactPhone": phone, "liaisonName": name, "liaisonPhone": phone}  # fmt: skip
    enterprise = {"addressId": world.gid("Address", "daxing-2"), "uscc": factories.make_uscc(), "kind": "COMPANY",
                  "name": company, "industryCode": "6510", "personal": personal}  # fmt: skip
    payload = await _insider(api, REGISTER, {"input": enterprise}, "agency")
    return str(payload["enterprise"]["id"])


async def build_ledger(api: Api, world: World) -> str:
    """Insiders record, through the API, an entry of every restricted kind; returns a new key's secret."""
    s = SENTINELS
    daxing, e1 = world.gid("Agency", "daxing"), world.gid("Enterprise", "daxing-e1")
    await register_person(api, world, FIRST_PERSON, "北京晨星信息技术有限公司")
    calls: list[tuple[str, str, dict[str, Any], str]] = [
        ("registerEnterprise", "RegisterEnterpriseInput", {"addressId": world.gid("Address", "daxing-3"),
         "uscc": factories.make_uscc(), "name": "北京保密测试科技有限公司", "kind": "COMPANY", "industryCode": "6510",
         "businessScope": s["details.businessScope"], "actualAddress": s["details.actualAddress"]}, "agency"),
        ("recordContactLog", "RecordContactLogInput", {"agencyId": daxing, "enterpriseId": e1,
         "contactedOn": "2026-03-01", "method": "visit", "reached": True, "note": s["contactLogs.note"]}, "agency"),
        ("recordQuarterlyReport", "RecordQuarterlyReportInput", {"agencyId": daxing, "year": 2025, "quarter": 4,
         "submittedOn": "2026-01-10", "summary": s["quarterlyReports.summary"]}, "agency"),
        ("recordCreditFact", "RecordCreditFactInput", {"agencyId": daxing, "fact": {"subject": "LEGAL_REPRESENTATIVE",
         "kind": "DISHONEST_DEBTOR", "listedOn": "2025-05-01", "note": s["creditFacts.note"]}}, "regulator"),
        ("recordEnterpriseFinding", "RecordEnterpriseFindingInput", {"enterpriseId": world.gid("Enterprise",
         "daxing-e2"), "kind": "LOST_CONTACT", "foundOn": "2026-03-01", "description": s["findings.description"]},
         "regulator"),
        ("recordAnnualReport", "RecordAnnualReportInput", {"enterpriseId": e1, "year": 2025,
         "filedOn": "2026-03-01"}, "regulator"),
        ("recordTaxFiling", "RecordTaxFilingInput", {"enterpriseId": e1, "filedOn": "2026-02-15"}, "regulator"),
        ("runSupervision", "RunSupervisionInput", {"jurisdictionCode": "110000"}, "regulator-beijing"),
        ("rateWuxiAgency", "RateAgencyInput", {"agencyId": world.gid("Agency", "wuxi"), "year": 2026,
         "asOf": "2026-07-01"}, "regulator-wuxi"),
        ("computeTongzhouIndicators", "IndicatorsInput", {}, "regulator-tongzhou"),
        ("listEnterpriseAbnormal", "ListAbnormalInput", {"enterpriseId": world.gid("Enterprise", "wuxi-e1"),
         "reason": "UNCONTACTABLE", "expectedVersion": 1}, "regulator-wuxi"),
    ]  # fmt: skip
    for name, input_type, variables, caller in calls:
        mutation = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ code message }} }} }}"
        await _insider(api, mutation, {"input": variables}, caller)
    key = await _insider(
        api,
        'mutation { createApiKey(input: {name: "数据交换", role: PARTNER}) { token userErrors { code } } }',
        {},
        "admin",
    )
    return str(key["token"])


async def _ids(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    async with sessionmaker() as session:
        for kind, model in MODELS.items():
            key = model.code if kind == "Jurisdiction" else model.id
            found[kind] = [to_global_id(kind, k) for k in (await session.execute(select(key).order_by(key))).scalars()]
    return found


@pytest.fixture
async def registry(api: Api, world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> Registry:
    """The world and its ledger; the secrets are read back from the tables that keep them, and the hidden
    objects are the unpublished address (its id and code), the supervision run and the API keys."""
    token = await build_ledger(api, world)
    ids = await _ids(sessionmaker)
    secrets = await stored_personal_values(sessionmaker)
    assert {PERSON_ID, OTHER_ID, "张建国", "13800138000", *FIRST_PERSON} <= secrets  # the reading finds them
    async with sessionmaker() as session:
        pending = await session.get(Address, world.addresses["daxing-pending"])
        assert pending is not None and pending.published_on is None
        prefixes = set((await session.execute(select(ApiKey.prefix))).scalars())
    assert ids["SupervisionRun"] and len(ids["ApiKey"]) == len(prefixes) > 1
    hidden = {to_global_id("Address", pending.id), pending.code, *ids["SupervisionRun"], *ids["ApiKey"], *prefixes}
    return Registry(world, secrets | set(SENTINELS.values()) | {token}, hidden, ids, pending.code, secrets)


async def ask(api: Api, registry: Registry, path: str, query: str, variables: dict[str, Any], as_: str) -> Any:
    """A public caller's answer (the client scans it too), checked for every secret; the decoded body."""
    response = await api.post(query, variables, as_=as_)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    registry.check(path, response.content, variables.values())
    body = response.json()
    codes = {e.get("extensions", {}).get("code") for e in body.get("errors", ())}
    assert codes <= {"FORBIDDEN", "NOT_FOUND"}, (path, body["errors"])  # refusals and hidden objects only
    return body


async def test_node_and_nodes_on_every_kind_of_id(api: Api, registry: Registry) -> None:
    """Every id of every kind, one by one and all at once, with every field of its type."""
    schema = await Schema.load(api)
    kinds = [t["name"] for t in schema.types["Node"]["possibleTypes"]]
    missing = sorted(set(kinds) - set(MODELS))
    assert not missing, f"no privacy probe for node kind(s) {missing}: add them to MODELS"
    assert set(kinds) == set(KINDS), "every kind of global id is a node type"
    everything = [gid for kind in kinds for gid in registry.ids[kind]]
    assert len(everything) <= 100, "nodes(ids:) takes 100 ids at most; split the probe"
    shown: Counter[str] = Counter()
    for kind in kinds:
        one = schema.document(f"query($id: ID!) {{ node(id: $id) {{ ... on {kind} {{ SELECTION }} }} }}", kind, 2)
        many = schema.document(
            f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ __typename ... on {kind} {{ SELECTION }} }} }}", kind, 1
        )
        restricted = schema.restricted(kind)  # each must come back null, FORBIDDEN, wherever it is shown
        for caller in PUBLIC_CALLERS:
            for gid in registry.ids[kind]:
                body = await ask(api, registry, f"node({kind})", one, {"id": gid}, caller)
                if body["data"]["node"] is None:
                    assert gid in registry.hidden, (kind, gid, "a visible object is not found")
                    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
                else:
                    assert gid not in registry.hidden, (kind, gid, "a hidden object is shown")
                    shown[kind] += 1
                    refused = {e["path"][1] for e in body.get("errors", ()) if len(e["path"]) == 2}
                    assert restricted == refused, (kind, gid, restricted ^ refused)
                    assert all(body["data"]["node"][r] is None for r in restricted)
            body = await ask(api, registry, f"nodes({kind})", many, {"ids": everything}, caller)
            absent = {gid for gid, n in zip(everything, body["data"]["nodes"], strict=True) if n is None}
            assert absent == registry.hidden & set(everything), (kind, caller)
    # Every agency and enterprise was shown with its personal fields refused; runs and keys never.
    for kind in ("Jurisdiction", "Agency", "Enterprise", "Notice", "Score"):
        assert shown[kind] == len(PUBLIC_CALLERS) * len(registry.ids[kind]), (kind, shown)
    assert shown["Address"] == len(PUBLIC_CALLERS) * (len(registry.ids["Address"]) - 1)
    assert not shown["SupervisionRun"] and not shown["ApiKey"]


def _lookups(keys: dict[str, list[str]]) -> dict[str, list[dict[str, Any]]]:
    """Natural-key lookups: every key the registry holds, the hidden address's code among them."""
    return {
        "jurisdiction": [{"code": c} for c in keys["jurisdictions"]],
        "agency": [{"uscc": u} for u in keys["agencies"]],
        "address": [{"code": c} for c in keys["addresses"]],
        "enterprise": [{"uscc": u} for u in keys["enterprises"]],
    }


async def _natural_keys(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, list[str]]:
    async with sessionmaker() as session:
        return {
            "jurisdictions": list((await session.execute(select(Jurisdiction.code))).scalars()),
            "agencies": list((await session.execute(select(Agency.uscc))).scalars()),
            "addresses": list((await session.execute(select(Address.code))).scalars()),
            "enterprises": list((await session.execute(select(Enterprise.uscc))).scalars()),
        }


def _root_query(schema: Schema, f: dict[str, Any], variables: list[str]) -> str:
    """``f`` called with ``variables`` declared and every other required argument filled in."""
    declared = {a["name"]: a for a in f["args"]}
    header = ", ".join(f"${n}: {variable_type(declared[n]['type'])}" for n in variables)
    passed = [f"{n}: ${n}" for n in variables]
    filled = schema.argument_text(f, skip=[*variables, "first"])
    arguments = ", ".join([*passed, *([filled[1:-1]] if filled else [])])
    target = named(f["type"])["name"]
    paged = pages(schema, f)
    template = f"query{f'({header})' if header else ''} {{ {f['name']}{f'({arguments})' if arguments else ''}" + (
        " { SELECTION } }" if schema.kind(target) not in ("SCALAR", "ENUM") else " }"
    )
    return schema.document(template, target, 1 if paged else 2)


def pages(schema: Schema, f: dict[str, Any]) -> bool:
    """Whether a root field is a connection one pages through with ``first``/``after``."""
    target = named(f["type"])["name"]
    fields = {x["name"] for x in schema.fields(target)} if schema.kind(target) == "OBJECT" else set()
    return "pageInfo" in fields and "after" in {a["name"] for a in f["args"]}


async def test_every_query_field_as_anonymous_and_partner(
    api: Api, registry: Registry, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Each field of the Query type (but ``node``/``nodes``, probed above), every page of it, with every
    field of what it returns; lookups with every natural key, the hidden address's among them."""
    schema = await Schema.load(api)
    lookups = _lookups(await _natural_keys(sessionmaker))
    by_id = {"node", "nodes"}
    fields = {f["name"]: f for f in schema.fields(schema.query_type)}
    restricted = schema.restricted(schema.query_type)
    assert by_id <= set(fields)
    read: Counter[str] = Counter()
    for name, f in fields.items():
        if name in by_id:
            continue
        unfilled = [a["name"] for a in schema.required(f) if not schema.fillable(a)]
        assert name in lookups or not unfilled, f"no privacy probe for Query.{name}: give values for {unfilled}"
        paged = pages(schema, f)
        for arguments in lookups.get(name, [{}]):
            query = _root_query(schema, f, [*arguments, *(["first", "after"] if paged else [])])
            after: str | None = None
            while True:
                variables = {**arguments, **({"first": 20, "after": after} if paged else {})}
                for caller in PUBLIC_CALLERS:
                    body = await ask(api, registry, f"Query.{name}", query, variables, caller)
                read[name] += 1
                result = (body.get("data") or {}).get(name)
                if name in restricted:  # "Admins only; FORBIDDEN for others"
                    assert result is None and [e["path"] for e in body["errors"]] == [[name]], (name, body)
                if not paged or result is None or not result["pageInfo"]["hasNextPage"]:
                    break
                after = result["pageInfo"]["endCursor"]
    assert set(read) == set(fields) - by_id
    assert read["changes"] > 1 and read["snapshot"] > 1, read  # the feed was read over several pages


async def test_searching_by_a_persons_details_finds_nothing(api: Api, registry: Registry) -> None:
    """A text search that matched personal fields would tell who stands behind an enterprise."""
    schema = await Schema.load(api)
    searches = []
    for f in schema.fields(schema.query_type):
        for a in f["args"]:
            filter_type = named(a["type"])["name"]
            if a["name"] == "filter" and "text" in {x["name"] for x in schema.types[filter_type]["inputFields"]}:
                searches.append((f["name"], filter_type))
    assert {"agencies", "addresses", "enterprises", "notices"} <= {s for s, _ in searches}
    personal = sorted(registry.personal)
    for name, filter_type in searches:
        query = f"query($f: {filter_type}) {{ {name}(filter: $f, first: 5) {{ totalCount }} }}"
        for value in personal:
            for caller in PUBLIC_CALLERS:
                body = await ask(api, registry, f"search {name}", query, {"f": {"text": value}}, caller)
                assert body["data"][name]["totalCount"] == 0, (name, value)


async def test_refusals_and_errors_name_no_value(api: Api, registry: Registry) -> None:
    """Asking for personal fields, or acting on the people's records, is refused without echoing any
    of it; a hidden address is reported exactly as a missing one."""
    w = registry.world
    documents = [
        ("""query($u: String!) { enterprise(uscc: $u) { personal { legalRepresentativeName legalRepresentativeIdNumber
             contactPerson contactPhone liaisonName liaisonPhone } details { businessScope actualAddress } } }""",
         {"u": w.usccs["daxing-e1"]}),
        ("""query($u: String!) { agency(uscc: $u) { personal { legalRepresentativeName legalRepresentativeIdNumber
             liaisonName liaisonPhone } creditFacts { note } quarterlyReports { summary }
             contactLogs { nodes { note } } } }""", {"u": w.usccs["daxing"]}),
        ("""query($id: ID!) { node(id: $id) { ... on Enterprise { personal { contactPhone } nosuchfield } } }""",
         {"id": w.gid("Enterprise", "daxing-e1")}),
        ("""query($id: ID!) { node(id: $id) { ... on Enterprise { personal { contactPhone(x: 1) } } } }""",
         {"id": w.gid("Enterprise", "daxing-e1")}),
        ("""mutation($id: ID!) { moveOutEnterprise(input: {enterpriseId: $id, expectedVersion: 1}) {
             enterprise { personal { contactPhone legalRepresentativeIdNumber } } } }""",
         {"id": w.gid("Enterprise", "daxing-e1")}),
        ("""mutation($a: ID!, $e: ID!) { recordContactLog(input: {agencyId: $a, enterpriseId: $e,
             contactedOn: "2026-03-01", method: "phone", reached: true}) {
             contactLog { note enterprise { personal { contactPhone } } } } }""",
         {"a": w.gid("Agency", "daxing"), "e": w.gid("Enterprise", "daxing-e1")}),
        ("""query($id: ID!) { node(id: $id) { ... on Address { code premises { tenure } } } }""",
         {"id": w.gid("Address", "daxing-pending")}),
    ]  # fmt: skip
    for query, variables in documents:
        for caller in PUBLIC_CALLERS:
            response = await api.post(query, variables, as_=caller)
            registry.check(f"refusal as {caller}", response.content)
            body = response.json()
            codes = {e.get("extensions", {}).get("code") for e in body["errors"]}
            assert codes and codes <= {"FORBIDDEN", "NOT_FOUND", "GRAPHQL_VALIDATION_FAILED"}, body
    lookup = "query($c: String!) { address(code: $c) { code } }"
    hidden = (await api.post(lookup, {"c": registry.pending_code})).json()
    missing = (await api.post(lookup, {"c": "110115-999999"})).json()
    assert hidden["data"] == missing["data"] == {"address": None}
    assert json.dumps(hidden["errors"]).replace(registry.pending_code, "?") == json.dumps(missing["errors"]).replace(
        "110115-999999", "?"
    )


# ---------------------------------------------------------------------------------------------------
# The change feed over a real WebSocket.


@dataclass
class Feed:
    """One subscription on a graphql-transport-ws or a legacy graphql-ws connection, every raw frame
    checked as it arrives."""

    ws: ClientConnection
    protocol: Subprotocol
    registry: Registry
    label: str
    events: list[dict[str, Any]] = field(default_factory=list)
    frames: int = 0

    async def receive(self, until_ids: set[str], count: int) -> None:
        """Read until ``count`` events arrived and every one of ``until_ids`` was among them."""
        deadline = time.monotonic() + BOUND_S
        while len(self.events) < count or not until_ids <= {e["entityId"] for e in self.events}:
            remaining = deadline - time.monotonic()
            assert remaining > 0, (self.label, len(self.events), count, until_ids)
            raw = await asyncio.wait_for(self.ws.recv(), remaining)
            text = raw if isinstance(raw, str) else raw.decode("utf-8")
            self.registry.check(f"subscription as {self.label}", text)
            assert_public(text.encode("utf-8"))
            self.frames += 1
            message = json.loads(text)
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
            elif message["type"] in ("next", "data"):
                assert not message["payload"].get("errors"), message
                self.events += message["payload"]["data"]["changes"]["events"]
            else:
                assert message["type"] == "ka", message  # legacy keep-alive; nothing ends the feed


async def open_feed(
    stack: AsyncExitStack,
    url: str,
    token: str | None,
    protocol: Subprotocol,
    document: str,
    registry: Registry,
    label: str,
) -> Feed:
    ws = await stack.enter_async_context(connect(url, subprotocols=[protocol]))
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"} if token else {}})
    )
    while (ack := json.loads(await asyncio.wait_for(ws.recv(), BOUND_S)))["type"] == "ka":
        pass
    assert ack["type"] == "connection_ack", ack
    start = "subscribe" if protocol == TRANSPORT_WS else "start"
    await ws.send(json.dumps({"id": "feed", "type": start, "payload": {"query": document, "variables": {"first": 7}}}))
    return Feed(ws, protocol, registry, label)


async def public_event_count(api: Api, caller: str) -> int:
    count, after = 0, None
    while True:
        page = (
            await api.data(
                """query($after: String) { changes(after: $after, first: 1000) {
            nodes { seq } pageInfo { hasNextPage endCursor } } }""",
                {"after": after},
                as_=caller,
            )
        )["changes"]
        count += len(page["nodes"])
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return count


async def test_changes_subscription_over_a_real_websocket(api: Api, registry: Registry, database_url: str) -> None:
    """Anonymous and partner subscribers, on both protocols, replay the whole log and then receive a
    change committed while they listen: an enterprise registered with its people's details."""
    schema = await Schema.load(api)
    subscriptions = [f["name"] for f in schema.fields(schema.subscription_type)]
    assert subscriptions == ["changes"], f"no privacy probe for subscription(s) {subscriptions}"
    (f,) = schema.fields(schema.subscription_type)
    document = schema.document(
        "subscription($first: Int!) { changes(first: $first) { SELECTION } }", named(f["type"])["name"], 2
    )
    expected = {caller: await public_event_count(api, caller) for caller in PUBLIC_CALLERS}
    assert expected["anonymous"] == expected["partner"] > 20
    callers = [(caller, protocol) for caller in PUBLIC_CALLERS for protocol in (TRANSPORT_WS, LEGACY_WS)]
    with running_server(database_url, env=SERVER_ENV) as server:
        async with AsyncExitStack() as stack:
            feeds = [
                await open_feed(stack, server.websocket_url, api.tokens.get(caller), protocol, document, registry,
                                f"{caller} over {protocol}")
                for caller, protocol in callers
            ]  # fmt: skip
            for feed, (caller, _) in zip(feeds, callers, strict=True):
                await feed.receive(set(), expected[caller])
            registry.secrets |= set(LIVE_PERSON)
            live = await register_person(api, registry.world, LIVE_PERSON, "北京暮云数据服务有限公司")
            for feed in feeds:
                await feed.receive({live}, 0)
                assert {e["entityKind"] for e in feed.events} >= {"Agency", "Address", "Enterprise", "Notice"}
                assert not {e["entityId"] for e in feed.events} & registry.hidden
    assert sum(feed.frames for feed in feeds) > len(feeds) * 3


# ---------------------------------------------------------------------------------------------------
# The open-data files.


def _texts(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """Every text in a published file, opening archives and workbooks."""
    if name.endswith((".zip", ".xlsx")):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for entry in archive.namelist():
                yield from _texts(f"{name}!{entry}", archive.read(entry))
    else:
        yield name, data.decode("utf-8")


def served_paths(out: Path) -> list[str]:
    """Every file a reader can fetch: the stored ones, the same through each package's ``latest``,
    and the site's index."""
    paths = [""]
    for path in sorted(out.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
            paths.append(path.relative_to(out).as_posix())
    for latest in sorted(out.glob("*/latest")):
        target = latest.resolve()
        paths += [f"{latest.relative_to(out).as_posix()}/{p.relative_to(target).as_posix()}"
                  for p in sorted(target.rglob("*")) if p.is_file()]  # fmt: skip
    return paths


async def test_open_data_files_after_a_publish(
    registry: Registry, sessionmaker: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    """Every file under /opendata/, fetched from a real server after a publish of the whole registry."""
    out = tmp_path / "opendata"
    await publish(sessionmaker.kw["bind"], out, base_url="http://opendata.test/opendata")
    paths = served_paths(out)
    assert len(paths) > 40 and any("/latest/" in p for p in paths)
    secrets = registry.secrets | {
        registry.pending_code,
        to_global_id("Address", registry.world.addresses["daxing-pending"]),
    }
    scanned = 0
    with running_server(database_url, env={**SERVER_ENV, "JIQUN_DATA_DIR": str(out)}) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=BOUND_S) as client:
            for path in paths:
                response = await client.get(f"/opendata/{path}")
                assert response.status_code == 200, (path, response.status_code)
                for name, text in _texts(path, response.content):
                    found = leaks(_DIGEST.sub(" ", text), secrets)
                    assert not found, f"/opendata/{name} shows {found}"
                    scanned += 1
    assert scanned > len(paths)  # archives and workbooks were opened too
    registry.probes["opendata"] += scanned
