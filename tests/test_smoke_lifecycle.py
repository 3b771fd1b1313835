"""An address's whole lifecycle through the commands, with its change log and notices."""

from __future__ import annotations

from sqlalchemy import func, select

from domain import commands
from domain.model import ChangeLogEntry, Notice
from tests import factories


async def test_address_lifecycle_is_logged_in_order(uow, sessionmaker):
    agency = await factories.agency(uow)
    address = await factories.published_address(uow, agency.id, capacity=2)
    first = await factories.enterprise(uow, address.id)
    await factories.enterprise(uow, address.id)
    async with uow() as u:
        await commands.move_out_enterprise(u, first.id, expected_version=first.version)
        await u.commit()
    async with sessionmaker() as s:
        entries = (await s.execute(select(ChangeLogEntry).order_by(ChangeLogEntry.seq))).scalars().all()
        notices = (await s.execute(select(func.count(Notice.id)))).scalar_one()
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    types = [e.type for e in entries]
    assert types[:3] == ["agency.registered", "address.filed", "address.approved"]
    assert "enterprise.moved_out" in types
    last_address = [e for e in entries if e.entity_kind == "Address"][-1]
    assert last_address.projection["occupied"] == 1 and last_address.projection["freePlaces"] == 1
    assert notices == 1
