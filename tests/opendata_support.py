"""A registry with every case the open-data packages must show, built through the domain commands, and
helpers to publish it and read what was published."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain import commands
from domain.commands.agencies import AgencyPersonalInput
from domain.commands.enterprises import EnterprisePersonalInput
from opendata.release import Outcome, publish
from tests import factories
from tests.server import jiqun_command

PACKAGE_NAMES = ("approved-addresses", "public-notices")
BASE_URL = "http://opendata.test/opendata"
TODAY = dt.date(2026, 3, 2)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first17: str = "11010519880514302") -> str:
    """A resident identity number with a valid GB 11643 check digit."""
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


# Personal data the registry holds and no public file may show.
PERSON_NAME = "欧阳明远"
PERSON_ID = id_number()
PERSON_PHONE = "13912345678"


@dataclass
class Registry:
    """Ids of what :func:`build_registry` created."""

    agency_id: int
    idle_agency_id: int
    published_id: int
    suspended_id: int
    exited_id: int
    cancelled_id: int
    unpublished_id: int
    enterprise_id: int
    withdrawn_notice_id: int


async def build_registry(uow: Any) -> Registry:
    agency = await factories.agency(
        uow,
        personal=AgencyPersonalInput(
            legal_representative_name=PERSON_NAME,
            legal_representative_id_number=PERSON_ID,
            liaison_name=PERSON_NAME,
            liaison_phone=PERSON_PHONE,
        ),
    )
    idle = await factories.agency(uow, name="北京闲置孵化器有限公司", kind="incubator")
    published = await factories.published_address(
        uow, agency.id, key_industries=["digital_economy", "business_services"], capacity=3
    )
    suspended = await factories.published_address(uow, agency.id, address_text="北京市大兴区金星西路5号")
    exited = await factories.published_address(
        uow, agency.id, address_text="北京市大兴区黄村东大街9号", latitude=None, longitude=None
    )
    cancelled = await factories.published_address(uow, agency.id, address_text="北京市大兴区兴丰大街1号")
    async with uow() as u:
        unpublished = await commands.file_address(u, agency_id=agency.id, **factories.ADDRESS_DEFAULTS)
        await u.commit()
    enterprise = await factories.enterprise(
        uow,
        published.id,
        personal=EnterprisePersonalInput(
            legal_representative_name=PERSON_NAME,
            legal_representative_id_number=PERSON_ID,
            contact_person=PERSON_NAME,
            contact_phone=PERSON_PHONE,
        ),
    )
    async with uow() as u:
        await commands.suspend_address(u, suspended.id, reason="消防检查未通过", expected_version=None)
        await u.commit()
    async with uow() as u:
        await commands.begin_address_exit(
            u, exited.id, planned_exit_on=TODAY + dt.timedelta(days=40), reason="租约到期", expected_version=None
        )
        await u.commit()
    async with uow(today=TODAY + dt.timedelta(days=41)) as u:
        await commands.complete_address_exit(u, exited.id, expected_version=None)
        await u.commit()
    async with uow() as u:
        await commands.cancel_address(u, cancelled.id, reason="场所不再符合条件", expected_version=None)
        await u.commit()
    async with uow() as u:
        notice = await commands.create_notice(
            u,
            kind="supervision",
            jurisdiction_code="110115",
            title="集群注册地址专项检查结果",
            title_en="Results of the cluster-address inspection",
            body="本次检查未发现问题。",
            body_en="The inspection found no problem.",
            legal_basis="北京市行政执法公示办法 第十五条",
        )
        await u.commit()
    async with uow() as u:
        await commands.withdraw_notice(u, notice.id, reason="检查结论需复核", expected_version=None)
        await u.commit()
    return Registry(
        agency_id=agency.id,
        idle_agency_id=idle.id,
        published_id=published.id,
        suspended_id=suspended.id,
        exited_id=exited.id,
        cancelled_id=cancelled.id,
        unpublished_id=unpublished.id,
        enterprise_id=enterprise.id,
        withdrawn_notice_id=notice.id,
    )


async def publish_to(engine: AsyncEngine, out: Path, base_url: str = BASE_URL) -> dict[str, Outcome]:
    return {o.package: o for o in await publish(engine, out, base_url=base_url)}


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def reader_state(out: Path) -> dict[str, Any]:
    """What readers are served: where each ``latest`` points, the histories, the catalogue and its page."""
    state: dict[str, Any] = {"site": [(out / f).read_bytes() for f in ("index.html", "catalog.jsonld")]}
    for name in PACKAGE_NAMES:
        state[name] = (os.readlink(out / name / "latest"), (out / name / "releases.json").read_bytes())
    return state


def directory_state(out: Path) -> dict[str, list[str]]:
    """Every entry of each package directory and of its releases directory, hidden ones included."""
    return {
        name: sorted(p.name for p in (out / name).iterdir())
        + sorted(p.name for p in (out / name / "releases").iterdir())
        for name in PACKAGE_NAMES
    }


def run_cli(args: list[str], database_url: str, data_dir: Path, **env: str) -> subprocess.Popen[str]:
    """Start ``jiqun`` as a real process on the test database."""
    environment = {**os.environ, "JIQUN_DATABASE_URL": database_url, "JIQUN_DATA_DIR": str(data_dir), **env}
    return subprocess.Popen(
        [*jiqun_command(), *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
