"""Valid inputs for the domain commands, so each test states only what it is about."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from domain import commands
from domain.model import Address, Agency, Enterprise
from domain.unit_of_work import UnitOfWork
from domain.validators import uscc_check_character

_seq = itertools.count(1)


def make_uscc(area: str = "110115", kind: str = "91") -> str:
    """A valid USCC: department and kind, area, a running organisation code, check character."""
    first17 = f"{kind}{area}{next(_seq):09d}"
    return first17 + uscc_check_character(first17)


AGENCY_DEFAULTS: dict[str, Any] = {
    "name": "北京兴业众创空间管理有限公司",
    "role": "hosting_agency",
    "kind": "maker_space",
    "jurisdiction_code": "110115",
    "established_on": dt.date(2018, 5, 1),
    "tenure": "owned",
}

ADDRESS_DEFAULTS: dict[str, Any] = {
    "jurisdiction_code": "110115",
    "kind": "cluster_registration",
    "address_text": "北京市大兴区兴华大街二段3号",
    "building": "2号楼",
    "room": "301",
    "premises_basis": "title_deed",
    "tenure": "owned",
    "residential": False,
    "planning_approved": True,
    "lawful_and_safe": True,
    "standardised": True,
    "capacity": 50,
    "latitude": 39.7265,
    "longitude": 116.3411,
    "floor_area_m2": 1200.0,
    "key_industries": ["digital_economy"],
}

ENTERPRISE_DEFAULTS: dict[str, Any] = {
    "name": "北京星河数字科技有限公司",
    "kind": "company",
    "industry_code": "6510",
}

UowFactory = Callable[..., UnitOfWork]


def _open(uow: UowFactory, today: dt.date | None) -> UnitOfWork:
    """A unit of work dated ``today`` when given (factories that take no arguments still work)."""
    return uow(today=today) if today is not None else uow()


async def agency(uow: UowFactory, *, today: dt.date | None = None, **overrides: Any) -> Agency:
    fields = {**AGENCY_DEFAULTS, **overrides}
    fields.setdefault("uscc", make_uscc(fields["jurisdiction_code"]))
    async with _open(uow, today) as u:
        a = await commands.register_agency(u, **fields)
        await u.commit()
        return a


async def published_address(
    uow: UowFactory, agency_id: int, *, today: dt.date | None = None, **overrides: Any
) -> Address:
    async with _open(uow, today) as u:
        a = await commands.file_address(u, agency_id=agency_id, **{**ADDRESS_DEFAULTS, **overrides})
        await u.commit()
    async with _open(uow, today) as u:
        await commands.approve_address(u, a.id, expected_version=None)
        await u.commit()
    async with _open(uow, today) as u:
        a = await commands.publish_address(u, a.id, expected_version=None)
        await u.commit()
        return a


async def enterprise(uow: UowFactory, address_id: int, *, today: dt.date | None = None, **overrides: Any) -> Enterprise:
    fields = {**ENTERPRISE_DEFAULTS, **overrides}
    fields.setdefault("uscc", make_uscc())
    async with _open(uow, today) as u:
        e = await commands.register_enterprise(u, address_id=address_id, **fields)
        await u.commit()
        return e


async def enterprises(
    uow: UowFactory, address_id: int, count: int, *, today: dt.date, area: str, name: str, **overrides: Any
) -> list[int]:
    """``count`` companies registered at ``address_id`` in one unit of work; ``name`` holds ``{n}``."""
    ids = []
    async with uow(today=today) as u:
        for n in range(count):
            fields = {**ENTERPRISE_DEFAULTS, **overrides, "name": name.format(n=n)}
            e = await commands.register_enterprise(u, uscc=make_uscc(area), address_id=address_id, **fields)
            ids.append(e.id)
        await u.commit()
    return ids
