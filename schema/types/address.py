"""Cluster-registration addresses (集群注册地址): the directory an investment-promotion site searches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import select
from strawberry.types import Info

from domain.capacity import free_places
from domain.model import Address as AddressRow
from domain.model import AddressStatusChange as StatusChangeRow
from domain.model import Notice as NoticeRow
from schema.context import Context
from schema.enums import AddressKind, AddressStatus, EnterpriseStatus, KeyIndustry, PremisesBasis, Tenure
from schema.filters.common import values
from schema.filters.enterprises import ADDRESS_ENTERPRISES, EnterpriseOrder, enterprise_ordering
from schema.loaders import by_id, child_connection, grouped
from schema.pagination import After, Before, Connection, First, Last, Page, PageInfo, connection_args, page_info
from schema.permissions import address_insider, may_see_address, require
from schema.types.jurisdiction import Jurisdiction, jurisdiction
from schema.types.node import Node, gid
from schema.types.score import ADDRESS_FINDINGS, RuleFinding, Score, findings_connection, scores_of

if TYPE_CHECKING:
    from schema.types.agency import Agency
    from schema.types.enterprise import Enterprise
    from schema.types.notice import Notice

AgencyRef = Annotated["Agency", strawberry.lazy("schema.types.agency")]
EnterpriseRef = Annotated["Enterprise", strawberry.lazy("schema.types.enterprise")]
NoticeRef = Annotated["Notice", strawberry.lazy("schema.types.notice")]


@strawberry.type(description="One change of an address's status (its history, oldest first).")
class AddressStatusChange:
    from_status: AddressStatus | None = strawberry.field(description="The status before; null when filed.")
    to_status: AddressStatus = strawberry.field(description="The status after.")
    changed_on: dt.date = strawberry.field(description="The date of the change.")
    reason: str | None = strawberry.field(description="The reason given, for suspensions, cancellations, exits.")


@strawberry.type(description="The premises facts behind an address's filing. Its agency and regulator only.")
class AddressPremises:
    tenure: Tenure = strawberry.field(description="Owned, leased or entrusted.")
    residential: bool = strawberry.field(description="Whether the premises are residential.")
    planning_approved: bool = strawberry.field(description="Whether the planning use allows it.")
    lawful_and_safe: bool = strawberry.field(description="Whether the premises are lawful and safe.")
    standardised: bool = strawberry.field(description="Whether the address text is standardised.")
    lease_end: dt.date | None = strawberry.field(description="When the lease ends, for leased premises.")
    owner_consent: bool | None = strawberry.field(description="Whether the owner consented, where needed.")
    floor_area_m2: float | None = strawberry.field(description="Floor area in square metres.")
    exit_notice_on: dt.date | None = strawberry.field(description="When an exit was announced.")


@strawberry.type(
    description="集群注册地址: premises approved so that many small enterprises can register there, with its "
    "capacity (总量控制), key industries and lifecycle."
)
class Address(Node):
    code: str = strawberry.field(description="The address code: jurisdiction and filing number, e.g. 110115-000012.")
    jurisdiction_code: str = strawberry.field(description="The GB/T 2260 code of its district.")
    kind: AddressKind = strawberry.field(description="Cluster registration or Tongzhou actual business.")
    address_text: str = strawberry.field(description="The standardised address (地址).")
    building: str | None = strawberry.field(description="Building.")
    room: str | None = strawberry.field(description="Room.")
    latitude: float | None = strawberry.field(description="WGS-84 latitude.")
    longitude: float | None = strawberry.field(description="WGS-84 longitude.")
    premises_basis: PremisesBasis = strawberry.field(description="The documents behind the premises.")
    capacity: int = strawberry.field(description="How many enterprises may register here (总量控制).")
    occupied: int = strawberry.field(description="How many enterprises are registered here now.")
    free_places: int = strawberry.field(
        description="Places an enterprise could still register at: capacity minus occupied while the address "
        "accepts registrations (published, 公示), otherwise 0."
    )
    key_industries: list[KeyIndustry] = strawberry.field(description="Industries the address is set up to attract.")
    status: AddressStatus = strawberry.field(description="Lifecycle state; enterprises register only when PUBLISHED.")
    status_changed_on: dt.date = strawberry.field(description="When the status last changed.")
    published_on: dt.date | None = strawberry.field(description="When it was published (公示).")
    planned_exit_on: dt.date | None = strawberry.field(description="When it leaves the register, once announced.")
    version: int = strawberry.field(description="Optimistic-concurrency version; pass it as expectedVersion.")
    row: strawberry.Private[AddressRow]

    @classmethod
    def from_row(cls, r: AddressRow) -> Address:
        return cls(
            id=gid("Address", r.id),
            code=r.code,
            jurisdiction_code=r.jurisdiction_code,
            kind=r.kind,  # type: ignore[arg-type]
            address_text=r.address_text,
            building=r.building,
            room=r.room,
            latitude=r.latitude,
            longitude=r.longitude,
            premises_basis=r.premises_basis,  # type: ignore[arg-type]
            capacity=r.capacity,
            occupied=r.occupied,
            free_places=free_places(r.status, r.capacity, r.occupied),
            key_industries=[k.industry for k in r.key_industries],  # type: ignore[misc]
            status=r.status,  # type: ignore[arg-type]
            status_changed_on=r.status_changed_on,
            published_on=r.published_on,
            planned_exit_on=r.planned_exit_on,
            version=r.version,
            row=r,
        )

    @strawberry.field(description="Its district.")
    async def jurisdiction(self, info: Info[Context, None]) -> Jurisdiction | None:
        return await jurisdiction(info.context, self.row.jurisdiction_code)

    @strawberry.field(description="The agency (托管机构 / 运营单位) that runs it.")
    async def agency(self, info: Info[Context, None]) -> AgencyRef | None:
        from schema.types.agency import agency_by_id

        return await agency_by_id(info.context, self.row.agency_id)

    @strawberry.field(description="The Tongzhou host unit (主办单位), where there is one.")
    async def host_unit(self, info: Info[Context, None]) -> AgencyRef | None:
        from schema.types.agency import agency_by_id

        return await agency_by_id(info.context, self.row.host_unit_id)

    @strawberry.field(description="Enterprises registered here (public registration data), oldest first by default.")
    async def enterprises(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        status: Annotated[
            list[EnterpriseStatus] | None, strawberry.argument(description="Only enterprises in these states.")
        ] = None,
        order_by: Annotated[EnterpriseOrder | None, strawberry.argument(description="The ordering.")] = None,
    ) -> Connection[EnterpriseRef]:
        from schema.types.enterprise import Enterprise

        chosen = values(status)
        return await child_connection(
            info.context,
            ADDRESS_ENTERPRISES,
            self.row.id,
            enterprise_ordering(order_by),
            connection_args(first, after, last, before),
            Enterprise.from_row,
            tuple(chosen) if chosen is not None else None,
        )

    @strawberry.field(description="Every status change, oldest first.")
    async def status_history(self, info: Info[Context, None]) -> list[AddressStatusChange]:
        loader = grouped(
            info.context,
            "address.history",
            StatusChangeRow.address_id,
            lambda keys: (
                select(StatusChangeRow, StatusChangeRow.address_id)
                .where(StatusChangeRow.address_id.in_(keys))
                .order_by(StatusChangeRow.changed_at, StatusChangeRow.id)
            ),
        )
        return [
            AddressStatusChange(
                from_status=r.from_status, to_status=r.to_status, changed_on=r.changed_on, reason=r.reason
            )
            for r in await loader.load(self.row.id)
        ]

    @strawberry.field(description="Indicators computed for this address (e.g. Tongzhou host-unit indicators).")
    async def indicators(self, info: Info[Context, None]) -> list[Score]:
        return await scores_of(info.context, "Address", self.row.id)

    @strawberry.field(description="The public notices about this address, newest first.")
    async def notices(self, info: Info[Context, None]) -> list[NoticeRef]:
        from schema.types.notice import Notice

        loader = grouped(
            info.context,
            "address.notices",
            NoticeRow.subject_id,
            lambda keys: (
                select(NoticeRow, NoticeRow.subject_id)
                .where(NoticeRow.subject_kind == "Address", NoticeRow.subject_id.in_(keys))
                .order_by(NoticeRow.published_on.desc(), NoticeRow.id.desc())
            ),
        )
        return [Notice.from_row(r) for r in await loader.load(self.row.id)]

    @strawberry.field(description="Premises facts. Its agency and regulator only; FORBIDDEN for others.")
    def premises(self, info: Info[Context, None]) -> AddressPremises | None:
        require(address_insider(info.context, self.row), "see this address's premises facts")
        r = self.row
        return AddressPremises(
            tenure=r.tenure,  # type: ignore[arg-type]
            residential=r.residential,
            planning_approved=r.planning_approved,
            lawful_and_safe=r.lawful_and_safe,
            standardised=r.standardised,
            lease_end=r.lease_end,
            owner_consent=r.owner_consent,
            floor_area_m2=r.floor_area_m2,
            exit_notice_on=r.exit_notice_on,
        )

    @strawberry.field(description="Rule findings recorded against this address, newest first. Insiders only.")
    async def findings(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[RuleFinding] | None:
        require(address_insider(info.context, self.row), "see this address's findings")
        return await findings_connection(info.context, ADDRESS_FINDINGS, self.row.id, (first, after, last, before))


@strawberry.type(description="An address in a search result, with its distance when searching near a point.")
class AddressEdge:
    cursor: str = strawberry.field(description="Pass as after/before to page from this item.")
    node: Address = strawberry.field(description="The address.")
    distance_km: float | None = strawberry.field(description="Kilometres from filter.near; null without it.")


@strawberry.type(description="A page of addresses (Relay connection) with keyset cursors.")
class AddressConnection:
    edges: list[AddressEdge] = strawberry.field(description="The addresses of the page with cursors and distances.")
    nodes: list[Address] = strawberry.field(description="The addresses of the page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many addresses match the filter (all pages).")
    async def total_count(self) -> int:
        return await self.count()


def address_connection(page: Page[Any], count: Callable[[], Awaitable[int]], with_distance: bool) -> AddressConnection:
    nodes = [Address.from_row(r) for r in page.rows]
    distances = [e[0] for e in page.extras] if with_distance else [None] * len(nodes)
    return AddressConnection(
        edges=[
            AddressEdge(cursor=c, node=n, distance_km=round(d, 3) if d is not None else None)
            for c, n, d in zip(page.cursors, nodes, distances, strict=True)
        ],
        nodes=nodes,
        page_info=page_info(page),
        count=count,
    )


async def address_by_id(ctx: Context, address_id: int | None) -> Address | None:
    """The address if the caller may see it."""
    if address_id is None:
        return None
    row = await by_id(ctx, AddressRow).load(address_id)
    return Address.from_row(row) if row is not None and may_see_address(ctx, row) else None
