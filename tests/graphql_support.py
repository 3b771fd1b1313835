"""Fixtures for the GraphQL tests: the ASGI app on a fresh database, API keys for every role, a small
registry in three jurisdictions with personal data in it, and a client that fails the test whenever an
anonymous or partner response carries an identity number, a phone number or a personal field."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from api.settings import Settings
from domain import commands
from domain.actor import SYSTEM
from domain.commands.agencies import AgencyPersonalInput
from domain.commands.enterprises import EnterprisePersonalInput
from domain.ids import to_global_id
from domain.keys import create_key
from domain.privacy import find_personal_data, id_number_valid
from domain.unit_of_work import UnitOfWork
from tests import factories

PERSONAL_KEYS = frozenset(
    {
        "legalRepresentativeName",
        "legalRepresentativeIdNumber",
        "liaisonName",
        "liaisonPhone",
        "contactPerson",
        "contactPhone",
    }
)
TODAY = dt.date(2026, 3, 2)
ROLES = ("anonymous", "partner", "agency", "regulator", "admin")


def id_number(prefix17: str) -> str:
    """A resident identity number with a valid GB 11643 check digit."""
    for check in "0123456789X":
        if id_number_valid(prefix17 + check):
            return prefix17 + check
    raise AssertionError(prefix17)


PERSON_ID = id_number("11011519850307123")
OTHER_ID = id_number("32020519900101456")


def personal_values(value: Any) -> list[tuple[str, Any]]:
    """Every non-null value under a personal key, anywhere in a decoded JSON body."""
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k in PERSONAL_KEYS and v is not None:
                found.append((k, v))
            found.extend(personal_values(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(personal_values(v))
    return found


def assert_public(body: bytes) -> None:
    """What anonymous and partner callers receive must hold no personal data (invariant 4, docs/architecture.md)."""
    text = body.decode("utf-8", errors="replace")
    leaked = list(find_personal_data(text))
    assert not leaked, f"personal data in a public response: {leaked}"
    try:
        decoded = json.loads(text)
    except ValueError:
        return
    fields = personal_values(decoded)
    assert not fields, f"personal fields in a public response: {fields}"


@dataclass
class Api:
    client: httpx.AsyncClient
    tokens: dict[str, str] = field(default_factory=dict)
    public_tokens: set[str] = field(default_factory=set)
    public_responses: int = 0

    def headers(self, as_: str | None) -> dict[str, str]:
        if as_ is None or as_ == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.tokens[as_]}"}

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: str | None = None,
        accept: str | None = "application/graphql-response+json",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        all_headers = {**self.headers(as_), **(headers or {})}
        if accept is not None:
            all_headers["Accept"] = accept
        return await self.client.post("/graphql", json=body, headers=all_headers)

    async def get(
        self, params: dict[str, str], *, as_: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.client.get("/graphql", params=params, headers={**self.headers(as_), **(headers or {})})

    async def run(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = None
    ) -> dict[str, Any]:
        """The decoded body of a POST that must succeed at the HTTP level."""
        response = await self.post(query, variables, as_=as_)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = None
    ) -> dict[str, Any]:
        """The data of a query that must raise no error at all."""
        body = await self.run(query, variables, as_=as_)
        assert "errors" not in body, body["errors"]
        return body["data"]


def _scan(api_ref: list[Api]) -> Callable[[httpx.Response], Any]:
    async def hook(response: httpx.Response) -> None:
        auth = response.request.headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else None
        api = api_ref[0]
        if token is None or token in api.public_tokens:
            await response.aread()
            assert_public(response.content)
            api.public_responses += 1

    return hook


def make_settings(database_url: str, **overrides: Any) -> Settings:
    return Settings(database_url=database_url, **overrides)


async def open_api(settings: Settings, client: tuple[str, int] = ("127.0.0.1", 50000)) -> AsyncIterator[Api]:
    """The app on ``settings`` behind an httpx client; ``client`` is the address requests come from."""
    app = create_app(settings)
    holder: list[Api] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://jiqun.test", event_hooks={"response": [_scan(holder)]}
        ) as http:
            api = Api(http)
            holder.append(api)
            yield api


class StatementCounter:
    """The SQL statements an engine runs while it is counted (SQLAlchemy's ``before_cursor_execute``)."""

    def __init__(self, engine: Any) -> None:
        self.count = 0
        self.statements: list[str] = []
        self.engine = engine.sync_engine
        event.listen(self.engine, "before_cursor_execute", self._count)

    def _count(self, _connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.count += 1
        self.statements.append(statement)

    @property
    def queries(self) -> int:
        """The statements but SQLite's own ``BEGIN`` (PostgreSQL's is not a statement SQLAlchemy sees)."""
        return sum(not s.lstrip().upper().startswith("BEGIN") for s in self.statements)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[Api]:
    async for a in open_api(make_settings(database_url)):
        yield a


@dataclass
class World:
    """The registry the tests query: ids are database keys; ``gid`` gives global ids."""

    agencies: dict[str, int] = field(default_factory=dict)
    addresses: dict[str, int] = field(default_factory=dict)
    enterprises: dict[str, int] = field(default_factory=dict)
    usccs: dict[str, str] = field(default_factory=dict)

    def gid(self, kind: str, name: str) -> str:
        table = {"Agency": self.agencies, "Address": self.addresses, "Enterprise": self.enterprises}[kind]
        return to_global_id(kind, table[name])


def agency_personal(name: str, phone: str, person_id: str) -> AgencyPersonalInput:
    return AgencyPersonalInput(
        legal_representative_name=name, legal_representative_id_number=person_id, liaison_name=name, liaison_phone=phone
    )


def enterprise_personal(name: str, phone: str, person_id: str) -> EnterprisePersonalInput:
    return EnterprisePersonalInput(
        legal_representative_name=name,
        legal_representative_id_number=person_id,
        contact_person=name,
        contact_phone=phone,
        liaison_name=name,
        liaison_phone=phone,
    )


async def build_world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    """Agencies in Daxing (DX), Tongzhou (TZ) and Xishan, Wuxi (WX); published addresses in each; one
    Daxing address not yet published; enterprises with personal data at the published ones."""

    def uow(actor: Any = SYSTEM, today: dt.date | None = None) -> UnitOfWork:
        return UnitOfWork(sessionmaker, actor, today=today or TODAY)

    w = World()
    specs = {
        "daxing": ("110115", "北京兴业众创空间管理有限公司", "张建国", "13800138000", PERSON_ID),
        "tongzhou": ("110112", "北京通州运河商务秘书有限公司", "李红梅", "13912345678", PERSON_ID),
        "wuxi": ("320205", "无锡锡山创业孵化器有限公司", "王晓东", "13611112222", OTHER_ID),
    }
    for key, (code, name, person, phone, pid) in specs.items():
        uscc = factories.make_uscc(code)
        a = await factories.agency(
            uow, uscc=uscc, name=name, jurisdiction_code=code, personal=agency_personal(person, phone, pid)
        )
        w.agencies[key], w.usccs[key] = a.id, uscc
    places = {
        "daxing-1": ("daxing", "110115", "北京市大兴区兴华大街二段3号", 39.7265, 116.3411, ["digital_economy"], 50),
        "daxing-2": ("daxing", "110115", "北京市大兴区亦庄科创十三街29号", 39.7800, 116.5000, ["digital_economy"], 20),
        "daxing-3": ("daxing", "110115", "北京市大兴区黄村西大街6号", 39.7400, 116.3300, ["medicine_health"], 30),
        "tongzhou-1": ("tongzhou", "110112", "北京市通州区运河东大街56号", 39.9050, 116.6600, ["digital_economy"], 40),
        "wuxi-1": ("wuxi", "320205", "无锡市锡山区东亭街道春笋路1号", 31.5900, 120.3600, ["digital_economy"], 40),
    }
    for key, (agency_key, code, text, lat, lon, industries, capacity) in places.items():
        address = await factories.published_address(
            uow,
            w.agencies[agency_key],
            jurisdiction_code=code,
            address_text=text,
            latitude=lat,
            longitude=lon,
            key_industries=industries,
            capacity=capacity,
        )
        w.addresses[key] = address.id
    async with uow() as u:
        pending = await commands.file_address(
            u,
            agency_id=w.agencies["daxing"],
            **{**factories.ADDRESS_DEFAULTS, "address_text": "北京市大兴区未公示路1号"},
        )
        await u.commit()
    w.addresses["daxing-pending"] = pending.id
    people = {
        "daxing-e1": ("daxing-1", "北京星河数字科技有限公司", "110115", "赵志刚", "13700001111", PERSON_ID),
        "daxing-e2": ("daxing-1", "北京云帆软件有限公司", "110115", "钱美玲", "13700002222", PERSON_ID),
        "tongzhou-e1": ("tongzhou-1", "北京运河数据服务有限公司", "110112", "孙立新", "13700003333", PERSON_ID),
        "wuxi-e1": ("wuxi-1", "无锡春笋信息技术有限公司", "320205", "周文华", "13700004444", OTHER_ID),
    }
    for key, (address_key, name, code, person, phone, pid) in people.items():
        uscc = factories.make_uscc(code)
        e = await factories.enterprise(
            uow,
            w.addresses[address_key],
            uscc=uscc,
            name=name,
            personal=enterprise_personal(person, phone, pid),
            business_scope="软件开发；信息技术咨询服务",
        )
        w.enterprises[key], w.usccs[key] = e.id, uscc
    return w


KEY_SPECS: dict[str, dict[str, Any]] = {
    "partner": {"role": "partner"},
    "agency": {"role": "agency", "agency": "daxing"},
    "agency-tongzhou": {"role": "agency", "agency": "tongzhou"},
    "regulator": {"role": "regulator", "jurisdiction_code": "110115"},
    "regulator-beijing": {"role": "regulator", "jurisdiction_code": "110000"},
    "regulator-tongzhou": {"role": "regulator", "jurisdiction_code": "110112"},
    "regulator-wuxi": {"role": "regulator", "jurisdiction_code": "320200"},
    "admin": {"role": "admin"},
}


async def issue_keys(sessionmaker: async_sessionmaker[AsyncSession], world: World, api: Api) -> None:
    async with sessionmaker() as session:
        for name, spec in KEY_SPECS.items():
            agency = spec.get("agency")
            _, token = await create_key(
                session,
                name=name,
                role=spec["role"],
                jurisdiction_code=spec.get("jurisdiction_code"),
                agency_id=world.agencies[agency] if agency else None,
            )
            api.tokens[name] = token
        await session.commit()
    api.public_tokens = {api.tokens["partner"]}


@pytest.fixture
async def world(api: Api, sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    w = await build_world(sessionmaker)
    await issue_keys(sessionmaker, w, api)
    return w
