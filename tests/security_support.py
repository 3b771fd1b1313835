"""Shared pieces of the security suite: who the callers are and what each one governs or holds, a
client with rate limits out of the way (the suite makes hundreds of calls a minute from one address),
fresh objects in a chosen state for attempts that must be able to succeed, and what a leak looks like.

The callers are the keys of :data:`tests.graphql_support.KEY_SPECS` plus anonymous and a revoked admin
key, so every role appears both inside and outside its scope: the Daxing agency and regulator act on
Daxing (their own) and on Wuxi (foreign); the Beijing city regulator covers Daxing and Tongzhou; the
Wuxi city regulator covers Xishan (320205).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, union_all
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import commands
from domain.actor import SYSTEM
from domain.ids import to_global_id
from domain.keys import create_key, revoke_key
from domain.model import Address, Agency, AgencyPersonal, Enterprise, EnterprisePersonal
from domain.privacy import find_personal_data
from domain.unit_of_work import UnitOfWork, china_today
from tests import factories
from tests.graphql_support import Api

UNLIMITED = {"rate_limit_anonymous_per_minute": 1_000_000, "rate_limit_key_per_minute": 1_000_000}


@dataclass(frozen=True)
class Place:
    """A district of the sample world: its code, its city and a point inside it."""

    code: str
    city: str
    latitude: float
    longitude: float


PLACES = {
    "daxing": Place("110115", "110000", 39.7300, 116.3400),
    "tongzhou": Place("110112", "110000", 39.9050, 116.6600),
    "wuxi": Place("320205", "320200", 31.5900, 120.3600),
}


@dataclass(frozen=True)
class Caller:
    """One identity the attacks are made as: a role, and the places it governs or the agency it holds."""

    role: str
    governs: frozenset[str] = frozenset()
    holds: str | None = None
    revoked: bool = False

    def relation(self, place: str) -> str:
        """``own`` / ``foreign`` for a scoped key, ``-`` for a role without a scope."""
        if self.role == "regulator":
            return "own" if place in self.governs else "foreign"
        if self.role == "agency":
            return "own" if place == self.holds else "foreign"
        return "-"


CALLERS: dict[str, Caller] = {
    "anonymous": Caller("anonymous"),
    "partner": Caller("partner"),
    "agency": Caller("agency", holds="daxing"),
    "agency-tongzhou": Caller("agency", holds="tongzhou"),
    "regulator": Caller("regulator", governs=frozenset({"daxing"})),
    "regulator-beijing": Caller("regulator", governs=frozenset({"daxing", "tongzhou"})),
    "regulator-tongzhou": Caller("regulator", governs=frozenset({"tongzhou"})),
    "regulator-wuxi": Caller("regulator", governs=frozenset({"wuxi"})),
    "admin": Caller("admin"),
    "revoked-admin": Caller("admin", revoked=True),
}
PUBLIC_CALLERS = ("anonymous", "partner")


async def add_revoked_admin(sessionmaker: async_sessionmaker[AsyncSession], api: Api) -> None:
    """An admin key that was revoked: it must open nothing, not even as anonymous."""
    async with sessionmaker() as session:
        key, token = await create_key(session, name="former admin", role="admin")
        await revoke_key(session, key.prefix)
        await session.commit()
    api.tokens["revoked-admin"] = token


@dataclass
class Lab:
    """Makes fresh objects in a given state through the domain commands (as the system, dated today as
    the API dates its commands), so each attempt has a target of its own and a success leaves the
    others untouched."""

    sessionmaker: async_sessionmaker[AsyncSession]
    agencies: dict[str, int]
    addresses: dict[str, int]
    enterprises: dict[str, int]
    today: dt.date = field(default_factory=china_today)
    serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def uow(self, today: dt.date | None = None) -> UnitOfWork:
        return UnitOfWork(self.sessionmaker, SYSTEM, today=today or self.today)

    def _n(self) -> int:
        return next(self.serial)

    async def agency(self, place: str) -> int:
        n = self._n()
        a = await factories.agency(
            self.uow, name=f"安全测试第{n}号孵化器有限公司", jurisdiction_code=PLACES[place].code, today=self.today
        )
        return a.id

    async def address(self, place: str, status: str = "published", agency_id: int | None = None) -> int:
        """A new address of ``place``'s world agency (or ``agency_id``): applied, filed, published,
        suspended, or exiting with its planned exit already past."""
        agency = agency_id or self.agencies[place]
        start = self.today - dt.timedelta(days=90) if status == "exiting" else self.today
        fields = {
            **factories.ADDRESS_DEFAULTS,
            "jurisdiction_code": PLACES[place].code,
            "address_text": f"安全测试路{self._n()}号",
            "latitude": PLACES[place].latitude,
            "longitude": PLACES[place].longitude,
        }
        async with self.uow(start) as u:
            address = await commands.file_address(u, agency_id=agency, **fields)
            await u.commit()
        steps: dict[str, list[Any]] = {
            "applied": [],
            "filed": [commands.approve_address],
            "published": [commands.approve_address, commands.publish_address],
            "suspended": [commands.approve_address, commands.publish_address, "suspend"],
            "exiting": [commands.approve_address, commands.publish_address, "exit"],
        }
        for step in steps[status]:
            async with self.uow(start) as u:
                if step == "suspend":
                    await commands.suspend_address(u, address.id, reason="消防检查", expected_version=None)
                elif step == "exit":
                    await commands.begin_address_exit(
                        u,
                        address.id,
                        planned_exit_on=start + dt.timedelta(days=40),
                        reason="租约到期",
                        expected_version=None,
                    )
                else:
                    await step(u, address.id, expected_version=None)
                await u.commit()
        return address.id

    async def enterprise(self, place: str, abnormal: bool = False) -> int:
        """A new enterprise at ``place``'s first world address, active or on the abnormal list."""
        e = await factories.enterprise(
            self.uow,
            self.addresses[f"{place}-1"],
            uscc=factories.make_uscc(PLACES[place].code),
            name=f"安全测试第{self._n()}号科技有限公司",
            today=self.today,
        )
        if abnormal:
            async with self.uow() as u:
                await commands.list_abnormal(u, e.id, reason="uncontactable", expected_version=None)
                await u.commit()
        return e.id

    async def agency_in(self, place: str, status: str) -> int:
        """A new agency with no address: active, suspended or terminating."""
        agency = await self.agency(place)
        if status != "active":
            async with self.uow() as u:
                if status == "suspended":
                    await commands.suspend_agency(u, agency, reason="检查", expected_version=None)
                else:
                    await commands.begin_agency_termination(u, agency, expected_version=None)
                await u.commit()
        return agency

    async def notice(self, place: str) -> int:
        async with self.uow() as u:
            n = await commands.create_notice(
                u,
                kind="other",
                jurisdiction_code=PLACES[place].code,
                title="集群注册地址核查通知",
                title_en="Inspection notice",
                body="请各托管机构配合核查。",
                body_en="Agencies assist the inspection.",
                legal_basis="DX Art.13",
            )
            await u.commit()
            return n.id

    async def key(self, place: str) -> str:
        """A new regulator key for ``place``; returns its prefix."""
        async with self.sessionmaker() as session:
            key, _ = await create_key(session, name="辖区监管", role="regulator", jurisdiction_code=PLACES[place].code)
            await session.commit()
            return key.prefix

    async def version(self, model: Any, pk: int) -> int:
        async with self.sessionmaker() as session:
            row = await session.get(model, pk)
            assert row is not None, (model, pk)
            return int(row.version)

    async def gid_version(self, kind: str, pk: int) -> tuple[str, int]:
        model = {"Agency": Agency, "Address": Address, "Enterprise": Enterprise}[kind]
        return to_global_id(kind, pk), await self.version(model, pk)


# ---------------------------------------------------------------------------------------------------
# What a leak looks like.


async def stored_personal_values(sessionmaker: async_sessionmaker[AsyncSession]) -> set[str]:
    """Every personal value the registry holds (names, identity numbers, phones), read from the tables
    that keep them apart, so values added by a later test or a new column of those tables are covered."""
    found: set[str] = set()
    async with sessionmaker() as session:
        for model in (AgencyPersonal, EnterprisePersonal):
            columns = [c for c in model.__table__.columns if not c.primary_key and not c.foreign_keys]
            statement = union_all(*(select(c.label("v")) for c in columns))
            found |= {str(v) for v in (await session.execute(statement)).scalars() if v}
    return found


def leaks(body: bytes | str, secrets: Iterable[str]) -> list[str]:
    """What of ``secrets`` or of anything shaped like an identity or phone number ``body`` carries, also
    when JSON escapes its characters (``\\u5f20``)."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    try:
        decoded = json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        decoded = text
    found = [s for s in secrets if s in text or s in decoded]
    found += [f"{kind}:{value}" for kind, value in find_personal_data(decoded)]
    return found


# ---------------------------------------------------------------------------------------------------
# Documents that ask for everything, written from the served schema.

INTROSPECTION = """
{ __schema { queryType { name } subscriptionType { name } types { kind name
    possibleTypes { name } interfaces { name } enumValues { name } inputFields { name }
    fields { name description args { name defaultValue type { ...T } } type { ...T } } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
"""
LEAF_KINDS = ("SCALAR", "ENUM")
# How schema.graphql says a field is for insiders: "The agency and its regulator only", "Insiders only".
RESTRICTED = re.compile(r"\b(?:[Rr]egulators?|Insiders|Admins|jurisdiction) only\b")


def named(type_ref: dict[str, Any]) -> dict[str, Any]:
    while type_ref.get("ofType"):
        type_ref = type_ref["ofType"]
    return type_ref


def variable_type(type_ref: dict[str, Any]) -> str:
    """How a variable of this type is declared, e.g. ``[String!]``."""
    if type_ref["kind"] == "NON_NULL":
        return f"{variable_type(type_ref['ofType'])}!"
    if type_ref["kind"] == "LIST":
        return f"[{variable_type(type_ref['ofType'])}]"
    return str(type_ref["name"])


@dataclass
class Schema:
    """The served schema as introspection reports it, and every-field selections written from it.

    A selection holds every field of its type. Object fields are followed into types that implement
    ``Node`` only ``depth`` times (a page, an edge, a personal-data block do not count), so a document
    asks for the personal fields of every agency and enterprise it reaches. Each (type, depth) is a
    fragment, so the document stays within the token limit however often a type recurs."""

    types: dict[str, dict[str, Any]]
    query_type: str
    subscription_type: str
    nested_page: int = 3
    fragments: dict[str, str] = field(default_factory=dict)

    @classmethod
    async def load(cls, api: Api) -> Schema:
        data = await api.data(INTROSPECTION)
        schema = data["__schema"]
        types = {t["name"]: t for t in schema["types"]}
        return cls(types, schema["queryType"]["name"], schema["subscriptionType"]["name"])

    def is_node(self, name: str) -> bool:
        return any(i["name"] == "Node" for i in self.types[name].get("interfaces") or ())

    def fields(self, type_name: str) -> list[dict[str, Any]]:
        return [f for f in self.types[type_name]["fields"] or () if not f["name"].startswith("__")]

    def restricted(self, type_name: str) -> set[str]:
        """The fields of ``type_name`` whose description keeps them to insiders."""
        return {f["name"] for f in self.fields(type_name) if RESTRICTED.search(f["description"] or "")}

    def kind(self, type_name: str) -> str:
        return str(self.types[type_name]["kind"])

    @staticmethod
    def required(f: dict[str, Any]) -> list[dict[str, Any]]:
        return [a for a in f["args"] if a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None]

    def fillable(self, arg: dict[str, Any]) -> bool:
        """Whether :meth:`literal` can give this argument a meaningful value (every value of an enum)."""
        return self.kind(named(arg["type"])["name"]) == "ENUM"

    def argument_text(self, f: dict[str, Any], skip: Iterable[str] = ()) -> str:
        """Every required argument filled in; a nested page asks for a few items only."""
        parts = []
        for a in f["args"]:
            if a["name"] in skip:
                continue
            if a["name"] == "first":
                parts.append(f"first: {self.nested_page}")
            elif a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None:
                parts.append(f"{a['name']}: {self.literal(a['type'])}")
        return f"({', '.join(parts)})" if parts else ""

    def literal(self, type_ref: dict[str, Any]) -> str:
        if type_ref["kind"] == "NON_NULL":
            return self.literal(type_ref["ofType"])
        if type_ref["kind"] == "LIST":
            inner = named(type_ref)
            if self.types[inner["name"]]["kind"] == "ENUM":
                return "[" + ", ".join(v["name"] for v in self.types[inner["name"]]["enumValues"]) + "]"
            return f"[{self.literal(type_ref['ofType'])}]"
        name = type_ref["name"]
        if self.types[name]["kind"] == "ENUM":
            return str(self.types[name]["enumValues"][0]["name"])
        samples = {"Date": '"2026-03-02"', "DateTime": '"2026-03-02T00:00:00"', "Int": "1", "Float": "1.0",
                   "Boolean": "true", "String": '"x"', "ID": '"x"'}  # fmt: skip
        return samples[name]

    def selection(self, type_name: str, depth: int) -> str:
        """The selection set (without braces) of every field of ``type_name``."""
        if self.kind(type_name) in ("INTERFACE", "UNION"):
            # Which object, by id: its own fields are asked of it by id (the members' fields of one
            # name may have different types, which one selection set cannot hold).
            return "__typename ... on Node { id }" if self.kind(type_name) == "INTERFACE" else "__typename"
        if self.is_node(type_name):
            key = f"{type_name}_{depth}"
            if key not in self.fragments:
                self.fragments[key] = ""  # a placeholder while its own fields are written
                self.fragments[key] = f"fragment {key} on {type_name} {{ {self._fields(type_name, depth)} }}"
            return f"...{key}"
        return self._fields(type_name, depth)

    def _fields(self, type_name: str, depth: int) -> str:
        parts = []
        for f in self.fields(type_name):
            target = named(f["type"])
            text = f["name"] + self.argument_text(f)
            if self.types[target["name"]]["kind"] in LEAF_KINDS:
                parts.append(text)
            elif type_name.endswith("Edge") and f["name"] == "node":
                parts.append(f"{text} {{ __typename }}")  # the connection's ``nodes`` asks for everything
            elif self.kind(target["name"]) in ("INTERFACE", "UNION"):
                parts.append(f"{text} {{ {self.selection(target['name'], depth)} }}")
            elif self.is_node(target["name"]):
                if depth > 0:
                    parts.append(f"{text} {{ {self.selection(target['name'], depth - 1)} }}")
            else:
                parts.append(f"{text} {{ {self.selection(target['name'], depth)} }}")
        return " ".join(parts)

    def document(self, template: str, type_name: str, depth: int) -> str:
        """``template`` with ``SELECTION`` replaced by every field of ``type_name``, and the fragments."""
        self.fragments = {}
        operation = template.replace("SELECTION", self.selection(type_name, depth))
        return "\n".join([operation, *self.fragments.values()])
