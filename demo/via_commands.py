"""Enterprise operations through the domain commands, one unit of work per operation, dated the day it
happened. Slow, and the reference the bulk path is compared with."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from demo.enterprises import (
    AnnualReport,
    Contact,
    Deregister,
    Finding,
    ListAbnormal,
    MoveOut,
    Op,
    Register,
    RemoveAbnormal,
    TaxFiling,
)
from demo.plan import Ids
from domain import commands
from domain.actor import Actor
from domain.unit_of_work import UnitOfWork


class CommandWriter:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], actor: Actor, ids: Ids) -> None:
        self.sessionmaker, self.actor, self.ids = sessionmaker, actor, ids
        self._enterprises: dict[int, int] = {}  # ordinal -> id, for the current chunk

    def _uow(self, today: dt.date) -> UnitOfWork:
        return UnitOfWork(self.sessionmaker, self.actor, today=today)

    async def write(self, ops: list[Op]) -> None:
        self._enterprises.clear()
        for op in ops:
            async with self._uow(op.on) as uow:
                await self._apply(uow, op)
                await uow.commit()

    async def _apply(self, uow: UnitOfWork, op: Op) -> None:
        if isinstance(op, Register):
            s = op.spec
            enterprise = await commands.register_enterprise(
                uow,
                uscc=s.uscc,
                name=s.name,
                kind=s.kind,
                industry_code=s.industry_code,
                address_id=self.ids.addresses[s.address],
                permit_items=s.permit_items,
                business_scope=s.business_scope,
                has_branch_with_fixed_premises=s.has_branch_with_fixed_premises,
                actual_address=s.actual_address,
                registered_on=op.on,
                personal=s.personal,
            )
            self._enterprises[op.ordinal] = enterprise.id
            return
        enterprise_id = self._enterprises[op.ordinal]
        match op:
            case AnnualReport():
                await commands.record_annual_report(uow, enterprise_id, year=op.year, filed_on=op.on)
            case TaxFiling():
                await commands.record_tax_filing(uow, enterprise_id, filed_on=op.on)
            case ListAbnormal():
                await commands.list_abnormal(uow, enterprise_id, reason=op.reason, expected_version=None, on=op.on)
            case RemoveAbnormal():
                await commands.remove_abnormal(uow, enterprise_id, expected_version=None)
            case Finding():
                await commands.record_finding(
                    uow, enterprise_id, kind=op.kind, found_on=op.on, description=op.description
                )
            case MoveOut():
                await commands.move_out_enterprise(uow, enterprise_id, expected_version=None, moved_out_on=op.on)
            case Deregister():
                await commands.deregister_enterprise(uow, enterprise_id, expected_version=None, deregistered_on=op.on)
            case Contact():
                await commands.record_contact_log(
                    uow,
                    self.ids.agencies[op.agency],
                    enterprise_id,
                    contacted_on=op.on,
                    method=op.method,
                    reached=op.reached,
                    note=op.note,
                )
            case _:
                raise TypeError(f"unknown operation {type(op).__name__}")
