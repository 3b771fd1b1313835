"""Agencies (托管机构 / 主办单位 / 运营单位): public registration data and grades for everyone; personal
data and ledgers for the agency itself and its regulator."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from domain.model import Agency as AgencyRow
from domain.model import AgencyPersonal as AgencyPersonalRow
from domain.model import ContactLog as ContactLogRow
from domain.model import CreditFact as CreditFactRow
from domain.model import QuarterlyReport as QuarterlyReportRow
from schema.context import Context
from schema.enums import AddressStatus, AgencyKind, AgencyRole, AgencyStatus, CreditFactKind, CreditSubject, Tenure
from schema.filters.addresses import AGENCY_ADDRESSES, AddressOrder, static_ordering
from schema.filters.common import values
from schema.loaders import ChildRelation, by_id, by_key, child_connection, child_page, grouped
from schema.pagination import After, Before, Connection, First, Last, Ordering, SortKey, connection_args
from schema.permissions import agency_insider, require
from schema.types.address import AddressConnection, address_connection
from schema.types.jurisdiction import Jurisdiction, jurisdiction
from schema.types.node import Node, gid
from schema.types.score import AGENCY_FINDINGS, RuleFinding, Score, findings_connection, scores_of

if TYPE_CHECKING:
    from schema.types.enterprise import Enterprise

EnterpriseRef = Annotated["Enterprise", strawberry.lazy("schema.types.enterprise")]


@strawberry.type(description="Personal data of an agency's people. The agency itself and its regulator only.")
class AgencyPersonal:
    legal_representative_name: str | None = strawberry.field(description="法定代表人姓名.")
    legal_representative_id_number: str | None = strawberry.field(description="法定代表人身份证号码.")
    liaison_name: str | None = strawberry.field(description="联络员姓名.")
    liaison_phone: str | None = strawberry.field(description="联络员电话.")


@strawberry.type(description="An agency's filing facts. The agency itself and its regulator only.")
class AgencyFiling:
    established_on: dt.date | None = strawberry.field(description="When the organisation was established.")
    tenure: Tenure | None = strawberry.field(description="How it holds its premises.")
    lease_end: dt.date | None = strawberry.field(description="When its lease ends.")
    owner_consent: bool | None = strawberry.field(description="Whether the owner consented.")


@strawberry.type(description="A credit listing of the agency or one of its people (no names).")
class CreditFact:
    subject: CreditSubject = strawberry.field(description="Whom the listing concerns.")
    kind: CreditFactKind = strawberry.field(description="The list.")
    listed_on: dt.date = strawberry.field(description="Listed on.")
    removed_on: dt.date | None = strawberry.field(description="Removed on, if removed.")
    note: str | None = strawberry.field(description="A note.")


@strawberry.type(description="A quarterly report of the agency to its regulator (WX Art.15).")
class QuarterlyReport:
    year: int = strawberry.field(description="The year.")
    quarter: int = strawberry.field(description="The quarter, 1–4.")
    submitted_on: dt.date = strawberry.field(description="When it was submitted.")
    summary: str | None = strawberry.field(description="The report's summary.")


@strawberry.type(description="A contact of the agency with a hosted enterprise (WX Art.13(3)).")
class ContactLog:
    contacted_on: dt.date = strawberry.field(description="When.")
    method: str = strawberry.field(description="How (phone, visit, ...).")
    reached: bool = strawberry.field(description="Whether the enterprise was reached.")
    note: str | None = strawberry.field(description="A note.")
    row: strawberry.Private[ContactLogRow]

    @classmethod
    def from_row(cls, r: ContactLogRow) -> ContactLog:
        return cls(contacted_on=r.contacted_on, method=r.method, reached=r.reached, note=r.note, row=r)

    @strawberry.field(description="The enterprise contacted.")
    async def enterprise(self, info: Info[Context, None]) -> EnterpriseRef | None:
        from schema.types.enterprise import enterprise_by_id

        return await enterprise_by_id(info.context, self.row.enterprise_id)


CONTACT_LOGS = ChildRelation(
    "agency.contact_logs", ContactLogRow, ContactLogRow.agency_id, lambda _ctx, _f: select(ContactLogRow)
)
CONTACT_ORDERING = Ordering(
    "contact:newest",
    (SortKey(ContactLogRow.contacted_on, True, dt.date), SortKey(ContactLogRow.id, True, int)),
)


@strawberry.type(
    description="托管机构 / 主办单位 / 运营单位: an organisation that runs cluster-registration addresses."
)
class Agency(Node):
    uscc: str = strawberry.field(description="Unified social credit code (统一社会信用代码).")
    name: str = strawberry.field(description="Registered name.")
    role: AgencyRole = strawberry.field(description="Hosting agency, host unit or operator.")
    kind: AgencyKind = strawberry.field(description="Kind of organisation.")
    jurisdiction_code: str = strawberry.field(description="The GB/T 2260 code it is filed in.")
    status: AgencyStatus = strawberry.field(description="Lifecycle state.")
    registered_on: dt.date = strawberry.field(description="When it was filed.")
    service_ended_on: dt.date | None = strawberry.field(description="When its service ended, if it has.")
    latest_grade: str | None = strawberry.field(description="Its latest credit grade (A–D), where rated.")
    latest_grade_year: int | None = strawberry.field(description="The year of the latest grade.")
    version: int = strawberry.field(description="Optimistic-concurrency version; pass it as expectedVersion.")
    row: strawberry.Private[AgencyRow]

    @classmethod
    def from_row(cls, r: AgencyRow) -> Agency:
        return cls(
            id=gid("Agency", r.id),
            uscc=r.uscc,
            name=r.name,
            role=r.role,  # type: ignore[arg-type]
            kind=r.kind,  # type: ignore[arg-type]
            jurisdiction_code=r.jurisdiction_code,
            status=r.status,  # type: ignore[arg-type]
            registered_on=r.registered_on,
            service_ended_on=r.service_ended_on,
            latest_grade=r.latest_grade,
            latest_grade_year=r.latest_grade_year,
            version=r.version,
            row=r,
        )

    @strawberry.field(description="The jurisdiction it is filed in.")
    async def jurisdiction(self, info: Info[Context, None]) -> Jurisdiction | None:
        return await jurisdiction(info.context, self.row.jurisdiction_code)

    @strawberry.field(description="The addresses it runs that the caller may see, by code by default.")
    async def addresses(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        status: Annotated[
            list[AddressStatus] | None, strawberry.argument(description="Only addresses in these states.")
        ] = None,
        order_by: Annotated[
            AddressOrder | None, strawberry.argument(description="The ordering (not DISTANCE).")
        ] = None,
    ) -> AddressConnection:
        chosen = values(status)
        page, count = await child_page(
            info.context,
            AGENCY_ADDRESSES,
            self.row.id,
            static_ordering(order_by),
            connection_args(first, after, last, before),
            tuple(chosen) if chosen is not None else None,
        )
        return address_connection(page, count, with_distance=False)

    @strawberry.field(description="Its credit ratings with their breakdowns, newest first.")
    async def ratings(self, info: Info[Context, None]) -> list[Score]:
        return await scores_of(info.context, "Agency", self.row.id)

    @strawberry.field(description="Rule findings recorded against it, newest first. The agency and its regulator only.")
    async def findings(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[RuleFinding] | None:
        require(agency_insider(info.context, self.row), "see this agency's findings")
        return await findings_connection(info.context, AGENCY_FINDINGS, self.row.id, (first, after, last, before))

    @strawberry.field(
        description="Personal data (法定代表人, 联络员). The agency and its regulator only; FORBIDDEN for others."
    )
    async def personal(self, info: Info[Context, None]) -> AgencyPersonal | None:
        require(agency_insider(info.context, self.row), "see this agency's personal data")
        row = await by_key(info.context, AgencyPersonalRow, AgencyPersonalRow.agency_id).load(self.row.id)
        if row is None:
            return None
        return AgencyPersonal(
            legal_representative_name=row.legal_representative_name,
            legal_representative_id_number=row.legal_representative_id_number,
            liaison_name=row.liaison_name,
            liaison_phone=row.liaison_phone,
        )

    @strawberry.field(description="Filing facts. The agency and its regulator only.")
    def filing(self, info: Info[Context, None]) -> AgencyFiling | None:
        require(agency_insider(info.context, self.row), "see this agency's filing facts")
        r = self.row
        return AgencyFiling(
            established_on=r.established_on,
            tenure=r.tenure,  # type: ignore[arg-type]
            lease_end=r.lease_end,
            owner_consent=r.owner_consent,
        )

    @strawberry.field(description="Credit listings. The agency and its regulator only.")
    async def credit_facts(self, info: Info[Context, None]) -> list[CreditFact] | None:
        require(agency_insider(info.context, self.row), "see this agency's credit listings")
        loader = grouped(
            info.context,
            "agency.credit_facts",
            CreditFactRow.agency_id,
            lambda keys: (
                select(CreditFactRow, CreditFactRow.agency_id)
                .where(CreditFactRow.agency_id.in_(keys))
                .order_by(CreditFactRow.listed_on, CreditFactRow.id)
            ),
        )
        return [
            CreditFact(subject=r.subject, kind=r.kind, listed_on=r.listed_on, removed_on=r.removed_on, note=r.note)
            for r in await loader.load(self.row.id)
        ]

    @strawberry.field(description="Quarterly reports, newest first. The agency and its regulator only.")
    async def quarterly_reports(self, info: Info[Context, None]) -> list[QuarterlyReport] | None:
        require(agency_insider(info.context, self.row), "see this agency's quarterly reports")
        loader = grouped(
            info.context,
            "agency.quarterly_reports",
            QuarterlyReportRow.agency_id,
            lambda keys: (
                select(QuarterlyReportRow, QuarterlyReportRow.agency_id)
                .where(QuarterlyReportRow.agency_id.in_(keys))
                .order_by(QuarterlyReportRow.year.desc(), QuarterlyReportRow.quarter.desc())
            ),
        )
        return [
            QuarterlyReport(year=r.year, quarter=r.quarter, submitted_on=r.submitted_on, summary=r.summary)
            for r in await loader.load(self.row.id)
        ]

    @strawberry.field(description="Contacts with hosted enterprises, newest first. The agency and its regulator only.")
    async def contact_logs(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ContactLog] | None:
        require(agency_insider(info.context, self.row), "see this agency's contact logs")
        return await child_connection(
            info.context,
            CONTACT_LOGS,
            self.row.id,
            CONTACT_ORDERING,
            connection_args(first, after, last, before),
            ContactLog.from_row,
        )


async def agency_by_id(ctx: Context, agency_id: int | None) -> Agency | None:
    """Agencies are public registration data: anyone may see any agency's public fields."""
    if agency_id is None:
        return None
    row = await by_id(ctx, AgencyRow).load(agency_id)
    return Agency.from_row(row) if row is not None else None
