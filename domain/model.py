"""The registry's tables, in SQLAlchemy 2.0's typed ORM style.

Personal data (legal representatives' identity numbers, personal names, phone numbers, liaison details)
lives only in ``agency_personal`` and ``enterprise_personal``. Those tables are reachable from the public
rows only through relationships declared ``lazy="raise"``, so no query loads them unless it asks for
them by name; the API and the publisher select from the public tables alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from domain.types import UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Versioned:
    """Optimistic concurrency: every update bumps ``version``; commands compare ``expected_version``."""

    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Jurisdiction(Base):
    """A GB/T 2260 administrative division and the rule pack that governs it."""

    __tablename__ = "jurisdictions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    level: Mapped[str] = mapped_column(String(16))  # city | district
    rule_pack: Mapped[str] = mapped_column(String(2))
    licence_annotation: Mapped[str] = mapped_column(String(16))


class Agency(Versioned, Base):
    """托管机构 / 主办单位 / 运营单位: whoever runs cluster-registration addresses."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    established_on: Mapped[dt.date | None] = mapped_column(Date)
    tenure: Mapped[str | None] = mapped_column(String(16))
    lease_end: Mapped[dt.date | None] = mapped_column(Date)
    owner_consent: Mapped[bool | None] = mapped_column(Boolean)
    service_ended_on: Mapped[dt.date | None] = mapped_column(Date)
    latest_grade: Mapped[str | None] = mapped_column(String(1))
    latest_grade_year: Mapped[int | None] = mapped_column(Integer)

    personal: Mapped[AgencyPersonal | None] = relationship(lazy="raise", uselist=False)


class AgencyPersonal(Base):
    """Personal data of an agency's people; only the jurisdiction's regulator and the agency see it."""

    __tablename__ = "agency_personal"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    legal_representative_name: Mapped[str | None] = mapped_column(String(64))
    legal_representative_id_number: Mapped[str | None] = mapped_column(String(18))
    liaison_name: Mapped[str | None] = mapped_column(String(64))
    liaison_phone: Mapped[str | None] = mapped_column(String(32))


class Address(Versioned, Base):
    """集群注册地址: a site approved so that many enterprises can register there."""

    __tablename__ = "addresses"
    __table_args__ = (Index("ix_addresses_jurisdiction_status", "jurisdiction_code", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    host_unit_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    address_text: Mapped[str] = mapped_column(String(300))
    building: Mapped[str | None] = mapped_column(String(100))
    room: Mapped[str | None] = mapped_column(String(50))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    premises_basis: Mapped[str] = mapped_column(String(32))
    tenure: Mapped[str] = mapped_column(String(16))
    residential: Mapped[bool] = mapped_column(Boolean)
    planning_approved: Mapped[bool] = mapped_column(Boolean)
    lawful_and_safe: Mapped[bool] = mapped_column(Boolean)
    standardised: Mapped[bool] = mapped_column(Boolean)
    lease_end: Mapped[dt.date | None] = mapped_column(Date)
    owner_consent: Mapped[bool | None] = mapped_column(Boolean)
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    capacity: Mapped[int] = mapped_column(Integer)
    occupied: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    status_changed_on: Mapped[dt.date] = mapped_column(Date)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    exit_notice_on: Mapped[dt.date | None] = mapped_column(Date)
    planned_exit_on: Mapped[dt.date | None] = mapped_column(Date)

    key_industries: Mapped[list[AddressKeyIndustry]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="AddressKeyIndustry.industry"
    )


class AddressKeyIndustry(Base):
    """An industry an address is set up to attract (keys of :mod:`domain.key_industries`)."""

    __tablename__ = "address_key_industries"

    address_id: Mapped[int] = mapped_column(ForeignKey("addresses.id", ondelete="CASCADE"), primary_key=True)
    industry: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class AddressStatusChange(Base):
    __tablename__ = "address_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_id: Mapped[int] = mapped_column(ForeignKey("addresses.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    changed_on: Mapped[dt.date] = mapped_column(Date)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))


class Enterprise(Versioned, Base):
    """经营主体 registered at a cluster address; public registration data only."""

    __tablename__ = "enterprises"
    __table_args__ = (
        Index("ix_enterprises_address_status", "address_id", "status"),
        # The default ordering of enterprise lists; keyset pages deep in the list seek on it.
        Index("ix_enterprises_registered_on_id", "registered_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    industry_code: Mapped[str] = mapped_column(String(4), index=True)
    permit_items: Mapped[bool] = mapped_column(Boolean, default=False)
    business_scope: Mapped[str | None] = mapped_column(String(2000))
    has_branch_with_fixed_premises: Mapped[bool] = mapped_column(Boolean, default=False)
    address_id: Mapped[int] = mapped_column(ForeignKey("addresses.id"))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    registered_address: Mapped[str] = mapped_column(String(400))
    actual_address: Mapped[str | None] = mapped_column(String(300))
    registered_on: Mapped[dt.date] = mapped_column(Date)
    moved_out_on: Mapped[dt.date | None] = mapped_column(Date)
    deregistered_on: Mapped[dt.date | None] = mapped_column(Date)
    # 歇业备案: when the business suspension was filed; cleared when it resumes.
    business_suspended_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    abnormal_since: Mapped[dt.date | None] = mapped_column(Date)
    abnormal_reason: Mapped[str | None] = mapped_column(String(32))
    last_tax_filing_on: Mapped[dt.date | None] = mapped_column(Date)

    personal: Mapped[EnterprisePersonal | None] = relationship(lazy="raise", uselist=False)


class EnterprisePersonal(Base):
    """Personal data from the agencies' ledgers (DX Art.8, TZ §五(一)4, WX Art.13(4))."""

    __tablename__ = "enterprise_personal"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True)
    legal_representative_name: Mapped[str | None] = mapped_column(String(64))
    legal_representative_id_number: Mapped[str | None] = mapped_column(String(18))
    contact_person: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    liaison_name: Mapped[str | None] = mapped_column(String(64))
    liaison_phone: Mapped[str | None] = mapped_column(String(32))


class AnnualReport(Base):
    __tablename__ = "annual_reports"
    __table_args__ = (UniqueConstraint("enterprise_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    filed_on: Mapped[dt.date] = mapped_column(Date)
    on_time: Mapped[bool] = mapped_column(Boolean)


class EnterpriseFinding(Base):
    """A regulator's finding about an enterprise: false materials, lost contact, complaints, hazards."""

    __tablename__ = "enterprise_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    found_on: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(String(1000))
    # WX Art.26(7) acts on the agency supplying false materials: verified that it took part, not only that
    # an enterprise it hosts did.
    agency_involved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # DX Art.13(1) acts on a major hazard "经有关部门界定": the severity the reporting department set, and who.
    hazard_severity: Mapped[str | None] = mapped_column(String(16))
    reported_by: Mapped[str | None] = mapped_column(String(200))


class QuarterlyReport(Base):
    """WX Art.15: the agency's written report within 10 working days after each quarter."""

    __tablename__ = "quarterly_reports"
    __table_args__ = (UniqueConstraint("agency_id", "year", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)


class ContactLog(Base):
    """WX Art.13(3): the agency contacts each hosted enterprise at least once a quarter."""

    __tablename__ = "contact_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    contacted_on: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(32))
    reached: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(500))


class CreditFact(Base):
    """A listing of an agency or one of its people (abnormal list, dishonest lists, major cases)."""

    __tablename__ = "credit_facts"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    listed_on: Mapped[dt.date] = mapped_column(Date)
    removed_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))


class Score(Base):
    """A computed score (Wuxi rating, Tongzhou indicators, demonstration-base evaluation) with the
    breakdown and the facts it was computed from, so anyone can recompute it."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id", "scheme", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    scheme: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(16))
    as_of: Mapped[dt.date] = mapped_column(Date)
    score: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(8))
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SupervisionRun(Base):
    __tablename__ = "supervision_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RuleFindingRecord(Base):
    """A recorded rule finding: a warning a command let through, or what a supervision run found."""

    __tablename__ = "rule_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_runs.id", ondelete="CASCADE"), index=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(32))
    article: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))
    action: Mapped[str | None] = mapped_column(String(32))
    message_zh: Mapped[str] = mapped_column(String(500))
    message_en: Mapped[str] = mapped_column(String(500))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_rule_findings_subject", "subject_kind", "subject_id"),)


class Notice(Versioned, Base):
    """公示 / 公告. Its title and body never carry personal data; withdrawn notices stay, with reason."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    subject_kind: Mapped[str | None] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(300))
    published_on: Mapped[dt.date] = mapped_column(Date, index=True)
    deadline_on: Mapped[dt.date | None] = mapped_column(Date)
    deadline_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (Index("ix_notices_subject", "subject_kind", "subject_id"),)


class ApiKey(Base):
    """An API key; only a SHA-256 of the secret is stored, looked up by its public prefix."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    jurisdiction_code: Mapped[str | None] = mapped_column(ForeignKey("jurisdictions.code"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()


class IdempotencyRecord(Base):
    """The first result of a creation, replayed when the same key comes again from the same caller."""

    __tablename__ = "idempotency_records"

    actor: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    operation: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ChangeLogEntry(Base):
    """One row per changed entity per command; ``seq`` is assigned in commit order (invariants 1–2 in
    docs/architecture.md)."""

    __tablename__ = "change_log"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    occurred_at: Mapped[dt.datetime] = mapped_column()
    type: Mapped[str] = mapped_column(String(64), index=True)
    entity_kind: Mapped[str] = mapped_column(String(32), index=True)
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    jurisdiction_code: Mapped[str | None] = mapped_column(String(6), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    changed_fields: Mapped[list[Any]] = mapped_column(JSON)
    projection: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ChangeLogCounter(Base):
    """A single row holding the last assigned ``seq``. A writer increments it as the last statement of
    its transaction and holds the row lock until commit, so seq N+1 cannot be assigned, let alone become
    visible, before seq N's transaction has committed."""

    __tablename__ = "change_log_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
