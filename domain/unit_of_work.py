"""One command, one transaction: state changes, rule findings and change-log rows commit together.

``commit`` assigns ``seq`` values by incrementing the single counter row as the transaction's last
statement. The row lock is held until commit, so a second writer cannot obtain the next ``seq`` until
the first has committed: readers see ``seq`` values appear in increasing order with no gap that fills
later (invariant 2, docs/architecture.md). On SQLite the database lock gives the same order.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from domain.actor import Actor
from domain.db import WRITE_OPTION
from domain.errors import DomainError, RuleRefusal
from domain.findings import finding_record
from domain.model import ChangeLogCounter, ChangeLogEntry
from domain.parameters import PARAMETERS, Parameters
from domain.projections import projection_of
from domain.rules.framework import Finding, Severity, evaluate
from domain.types import utcnow

CHINA = ZoneInfo("Asia/Shanghai")
log = logging.getLogger("jiqun.uow")


async def allocate_seqs(session: AsyncSession, n: int) -> range:
    """The next ``n`` change-log sequence numbers, taken by moving the counter row, which stays locked
    until the transaction ends: a later writer waits for this one, so ``seq`` values become visible in
    commit order (invariant 2, docs/architecture.md)."""
    last = (
        await session.execute(
            update(ChangeLogCounter)
            .where(ChangeLogCounter.id == 1)
            .values(last_seq=ChangeLogCounter.last_seq + n)
            .returning(ChangeLogCounter.last_seq)
        )
    ).scalar_one()
    return range(last - n + 1, last + 1)


def china_today() -> dt.date:
    return dt.datetime.now(CHINA).date()


@dataclass
class _Pending:
    type: str
    entity: object
    fields: list[str]
    deleted: bool = False


@dataclass
class UnitOfWork:
    sessionmaker: async_sessionmaker[AsyncSession]
    actor: Actor
    today: dt.date = field(default_factory=china_today)
    on_commit: Callable[[int], Awaitable[None]] | None = None
    committed_seqs: list[int] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    # Every non-blocking finding of the checks, including ``info`` ones (a pack not in force, a priority
    # industry); warnings and info are both recorded against the subject.
    findings: list[Finding] = field(default_factory=list)
    parameters: Parameters = field(default_factory=lambda: PARAMETERS)

    async def __aenter__(self) -> UnitOfWork:
        self.session = self.sessionmaker()
        await self.session.connection(execution_options={WRITE_OPTION: True})
        self._pending: dict[int, _Pending] = {}
        return self

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if self.session.in_transaction():
                await self.session.rollback()
        finally:
            await self.session.close()
        if isinstance(exc, DATABASE_REFUSALS):
            raise as_domain_error(exc) from exc

    def record(self, type: str, entity: object, fields: Iterable[str] = (), *, deleted: bool = False) -> None:
        """Note that ``entity`` changed; one change-log row per entity per unit of work."""
        pending = self._pending.get(id(entity))
        if pending is None:
            self._pending[id(entity)] = _Pending(type, entity, sorted(set(fields)), deleted)
        else:
            pending.fields = sorted(set(pending.fields) | set(fields))
            pending.deleted = pending.deleted or deleted

    async def check_rules(
        self,
        checkpoint: str,
        packs: tuple[str, ...],
        facts: Mapping[str, Any],
        *,
        jurisdiction_code: str,
        subject_kind: str,
        subject_id: int | None = None,
        on: dt.date | None = None,
    ) -> list[Finding]:
        """Evaluate the rules at ``checkpoint``; refuse on any blocking finding, otherwise keep the
        warnings and info findings to record against the subject once it has an id."""
        findings = evaluate(checkpoint, packs, facts, on or self.today, self.parameters.as_mapping())
        if any(f.severity == Severity.BLOCK for f in findings):
            raise RuleRefusal(findings)
        self._findings_to_record = getattr(self, "_findings_to_record", [])
        self._findings_to_record.extend((f, jurisdiction_code, subject_kind, subject_id) for f in findings)
        self.warnings.extend(f for f in findings if f.severity == Severity.WARN)
        self.findings.extend(findings)
        return findings

    def attach_findings(self, subject_id: int) -> None:
        """Give warnings recorded before the subject existed the subject's new id."""
        self._findings_to_record = [
            (f, j, kind, sid if sid is not None else subject_id)
            for f, j, kind, sid in getattr(self, "_findings_to_record", [])
        ]

    async def commit(self) -> list[int]:
        session = self.session
        try:
            await session.flush()
            for f, jurisdiction_code, kind, subject_id in getattr(self, "_findings_to_record", []):
                session.add(
                    finding_record(
                        f, jurisdiction_code=jurisdiction_code, subject_kind=kind, subject_id=subject_id or 0
                    )
                )
            seqs: list[int] = []
            if self._pending:
                await session.flush()
                now = utcnow()
                rows = []
                for seq, pending in zip(
                    await allocate_seqs(session, len(self._pending)), self._pending.values(), strict=True
                ):
                    kind, gid, jurisdiction_code, projection = projection_of(pending.entity)
                    rows.append(
                        {
                            "seq": seq,
                            "occurred_at": now,
                            "type": pending.type,
                            "entity_kind": kind,
                            "entity_id": gid,
                            "jurisdiction_code": jurisdiction_code,
                            "actor": self.actor.id,
                            "changed_fields": pending.fields,
                            "projection": None if pending.deleted else projection,
                        }
                    )
                    seqs.append(seq)
                await session.execute(insert(ChangeLogEntry), rows)
        except DATABASE_REFUSALS as exc:
            raise as_domain_error(exc) from exc
        try:
            await session.commit()
        except DATABASE_REFUSALS as exc:
            raise as_domain_error(exc) from exc
        except (OperationalError, InterfaceError) as exc:
            # The connection failed during COMMIT: the database may have committed before it went away,
            # so "refused" would be a lie. Say the outcome is unknown; a retry with the same idempotency
            # key returns the first result if there was one.
            raise DomainError(
                "COMMIT_OUTCOME_UNKNOWN",
                "the database connection failed while committing; the change may or may not have been saved. "
                "Check, or retry with the same idempotency key",
                "提交时数据库连接中断，变更可能已保存也可能未保存；请核实，或使用相同的幂等键重试",
            ) from exc
        self._pending.clear()
        self.committed_seqs = seqs
        if seqs and self.on_commit is not None:
            try:
                await self.on_commit(seqs[-1])
            except Exception:
                # The change is committed; readers still find it by polling (invariant 3, docs/architecture.md).
                log.exception("wake-up after seq %s failed", seqs[-1])
        return seqs


# What only the database can see: a row another transaction inserted or changed meanwhile, a value
# out of the column's range. A flush inside a command or the commit may raise them.
DATABASE_REFUSALS = (StaleDataError, IntegrityError, DataError)


def as_domain_error(exc: StaleDataError | IntegrityError | DataError) -> DomainError:
    """The refusal a database error stands for, so a raw database error never reaches a caller."""
    if isinstance(exc, StaleDataError):
        return DomainError(
            "STALE_VERSION",
            "the entity was changed by another request meanwhile; nothing was written, reload and retry",
            "该数据已被其他请求修改，未写入任何数据；请刷新后重试",
            field="expectedVersion",
        )
    if isinstance(exc, IntegrityError):
        return DomainError(
            "CONFLICT",
            "the change conflicts with data stored meanwhile; nothing was written",
            "该变更与已保存的数据冲突，未写入任何数据",
        )
    return DomainError(
        "INVALID_INPUT",
        "a value is out of range for the database; nothing was written",
        "有取值超出数据库允许的范围，未写入任何数据",
    )
