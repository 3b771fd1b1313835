"""The read API: Relay node lookup, the directory connections, natural-key lookups, reference data."""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Annotated, Any, cast

import strawberry
from graphql import GraphQLError
from sqlalchemy import func, select
from strawberry.types import Info

from domain.capacity import free_places_sql
from domain.db import AnySelect
from domain.enums import Role as DomainRole
from domain.errors import DomainError
from domain.key_industries import KEY_INDUSTRIES
from domain.model import Address as AddressRow
from domain.model import AddressKeyIndustry
from domain.model import Agency as AgencyRow
from domain.model import ApiKey as ApiKeyRow
from domain.model import Enterprise as EnterpriseRow
from domain.model import Jurisdiction as JurisdictionRow
from domain.rules.framework import REGISTRY
from domain.validators import validate_uscc
from schema.context import Context
from schema.errors import BadUserInput, NotFoundError, from_domain
from schema.filters.addresses import AddressFilter, AddressOrder, address_query
from schema.filters.agencies import AgencyFilter, AgencyOrder, agency_ordering, agency_statement
from schema.filters.common import within_jurisdiction
from schema.filters.enterprises import EnterpriseFilter, EnterpriseOrder, enterprise_ordering, enterprise_statement
from schema.filters.notices import NoticeFilter, NoticeOrder, notice_ordering, notice_statement
from schema.pagination import (
    After,
    Before,
    Connection,
    First,
    Last,
    Ordering,
    PageArgs,
    SortKey,
    connection_args,
    count_rows,
    fetch_page,
    make_connection,
)
from schema.permissions import address_visibility, require_role
from schema.types.address import Address, AddressConnection, address_connection
from schema.types.agency import Agency
from schema.types.api_key import ApiKey
from schema.types.enterprise import Enterprise
from schema.types.jurisdiction import Jurisdiction
from schema.types.node import Node, decode
from schema.types.notice import Notice
from schema.types.reference import DirectoryStatistic, KeyIndustryInfo, Rule, Viewer
from schema.types.resolve import resolve_node

MAX_NODES = 100


async def _connection(ctx: Context, stmt: AnySelect, ordering: Ordering, args: PageArgs, convert: Any) -> Any:
    async with ctx.read() as session:
        page = await fetch_page(session, stmt, ordering, args)

    async def count() -> int:
        async with ctx.read() as session:
            return await count_rows(session, stmt)

    return make_connection(page, convert, count)


def address_not_found(code: str) -> NotFoundError:
    """The error of ``address(code)`` when the caller may see no address of that code."""
    return NotFoundError(f"no address {code!r} that this caller may see", messageZh=f"找不到地址 {code}")


def _uscc(value: str) -> str:
    try:
        return validate_uscc(value, "uscc")
    except DomainError as exc:
        raise from_domain(exc) from None


@strawberry.type(description="Relay object identification and the caller.")
class NodeQueries:
    @strawberry.field(description="Any object by its global id; NOT_FOUND when it does not exist or is not visible.")
    async def node(
        self, info: Info[Context, None], id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")]
    ) -> Node | None:
        kind, key = decode(id)
        return await resolve_node(info.context, kind, key)

    @strawberry.field(
        description="Objects by their global ids, in order: null for one that does not exist or that the caller may "
        "not see (no error, as in Relay), and null with an error at its index for a malformed id."
    )
    async def nodes(
        self,
        info: Info[Context, None],
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Up to 100 global ids.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise BadUserInput(f"at most {MAX_NODES} ids at once", argument="ids")
        found = await asyncio.gather(*(_node_at(info.context, i, n) for n, i in enumerate(ids)))
        return cast("list[Node | None]", list(found))  # an error entry is reported at its index, not returned

    @strawberry.field(description="Who is calling: the API key's role and scope.")
    def viewer(self, info: Info[Context, None]) -> Viewer:
        ctx = info.context
        return Viewer(role=ctx.role, jurisdiction_codes=sorted(ctx.scope_codes), agency_id=ctx.actor.agency_id)  # type: ignore[arg-type]


async def _node_at(ctx: Context, value: str, index: int) -> Node | GraphQLError | None:
    """One entry of ``nodes``: a malformed id becomes an error at its own index (graphql-core reports an
    exception returned as a list item there), so the other entries still resolve. Gathered, so the loads
    of one kind batch into one statement."""
    try:
        kind, key = decode(value, None, f"ids[{index}]")
    except GraphQLError as exc:
        return exc
    return await resolve_node(ctx, kind, key, quiet=True)


JURISDICTION_ORDERING = Ordering("jurisdiction:code", (SortKey(JurisdictionRow.code, False, str),))


@strawberry.type(description="The registry's directory.")
class DirectoryQueries:
    @strawberry.field(description="Jurisdictions, ordered by code.")
    async def jurisdictions(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        parent_code: Annotated[
            str | None, strawberry.argument(description="Only the districts under this city.")
        ] = None,
    ) -> Connection[Jurisdiction]:
        stmt = select(JurisdictionRow)
        if parent_code is not None:
            stmt = stmt.where(JurisdictionRow.parent_code == parent_code)
        args = connection_args(first, after, last, before)
        return await _connection(info.context, stmt, JURISDICTION_ORDERING, args, Jurisdiction.from_row)

    @strawberry.field(description="A jurisdiction by its GB/T 2260 code.")
    async def jurisdiction(
        self, info: Info[Context, None], code: Annotated[str, strawberry.argument(description="e.g. 110115.")]
    ) -> Jurisdiction | None:
        return await resolve_node(info.context, "Jurisdiction", code)  # type: ignore[return-value]

    @strawberry.field(description="Agencies (托管机构 / 主办单位 / 运营单位): public registration data and grades.")
    async def agencies(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[AgencyFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[AgencyOrder | None, strawberry.argument(description="Ordering; USCC by default.")] = None,
    ) -> Connection[Agency]:
        args = connection_args(first, after, last, before)
        return await _connection(
            info.context, agency_statement(filter), agency_ordering(order_by), args, Agency.from_row
        )

    @strawberry.field(description="An agency by its unified social credit code.")
    async def agency(
        self, info: Info[Context, None], uscc: Annotated[str, strawberry.argument(description="The USCC.")]
    ) -> Agency | None:
        code = _uscc(uscc)
        async with info.context.read() as session:
            row = (await session.execute(select(AgencyRow).where(AgencyRow.uscc == code))).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no agency with USCC {code}", messageZh=f"找不到统一社会信用代码为 {code} 的机构")
        return Agency.from_row(row)

    @strawberry.field(
        description="Cluster-registration addresses the caller may see: the investment-promotion search. Ordered by "
        "code, or nearest first when filter.near is given, unless orderBy says otherwise."
    )
    async def addresses(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[AddressFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[AddressOrder | None, strawberry.argument(description="Ordering.")] = None,
    ) -> AddressConnection:
        ctx = info.context
        args = connection_args(first, after, last, before)
        query = address_query(ctx, filter, order_by)
        async with ctx.read() as session:
            page = await fetch_page(session, query.statement, query.ordering, args, n_extra=int(query.with_distance))

        async def count() -> int:
            async with ctx.read() as session:
                return await count_rows(session, query.statement)

        return address_connection(page, count, query.with_distance)

    @strawberry.field(description="An address by its code (e.g. 110115-000012), if the caller may see it.")
    async def address(
        self, info: Info[Context, None], code: Annotated[str, strawberry.argument(description="The address code.")]
    ) -> Address | None:
        ctx = info.context
        async with ctx.read() as session:
            row = (
                await session.execute(
                    select(AddressRow).where(AddressRow.code == code.strip(), address_visibility(ctx))
                )
            ).scalar_one_or_none()
        if row is None:
            raise address_not_found(code)
        return Address.from_row(row)

    @strawberry.field(description="Enterprises at cluster addresses: public registration data.")
    async def enterprises(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[EnterpriseFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[
            EnterpriseOrder | None, strawberry.argument(description="Ordering; registration date by default.")
        ] = None,
    ) -> Connection[Enterprise]:
        args = connection_args(first, after, last, before)
        return await _connection(
            info.context, enterprise_statement(filter), enterprise_ordering(order_by), args, Enterprise.from_row
        )

    @strawberry.field(description="An enterprise by its unified social credit code.")
    async def enterprise(
        self, info: Info[Context, None], uscc: Annotated[str, strawberry.argument(description="The USCC.")]
    ) -> Enterprise | None:
        code = _uscc(uscc)
        async with info.context.read() as session:
            row = (await session.execute(select(EnterpriseRow).where(EnterpriseRow.uscc == code))).scalar_one_or_none()
        if row is None:
            raise NotFoundError(
                f"no enterprise with USCC {code}", messageZh=f"找不到统一社会信用代码为 {code} 的经营主体"
            )
        return Enterprise.from_row(row)

    @strawberry.field(description="Public notices (公示 / 公告), newest first by default.")
    async def notices(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[NoticeFilter | None, strawberry.argument(description="Conditions.")] = None,
        order_by: Annotated[NoticeOrder | None, strawberry.argument(description="Ordering.")] = None,
    ) -> Connection[Notice]:
        args = connection_args(first, after, last, before)
        return await _connection(
            info.context, notice_statement(filter), notice_ordering(order_by), args, Notice.from_row
        )


@strawberry.enum(description="A dimension to group directory statistics by.")
class StatisticsDimension(Enum):
    JURISDICTION = strawberry.enum_value("jurisdiction", description="The address's district.")
    STATUS = strawberry.enum_value("status", description="The address's status.")
    KEY_INDUSTRY = strawberry.enum_value("key_industry", description="A key industry of the address.")


@strawberry.type(description="Reference data and statistics.")
class ReferenceQueries:
    @strawberry.field(description="The rule catalogue: every encoded rule with its article and dates, by id.")
    def rules(
        self,
        pack: Annotated[str | None, strawberry.argument(description="Only this pack (DX, TZ, WX, BJ).")] = None,
        checkpoint: Annotated[str | None, strawberry.argument(description="Only rules checked here.")] = None,
    ) -> list[Rule]:
        chosen = sorted(REGISTRY.values(), key=lambda r: r.id)
        return [
            Rule.from_definition(r)
            for r in chosen
            if (pack is None or r.pack == pack) and (checkpoint is None or checkpoint in r.checkpoints)
        ]

    @strawberry.field(description="The key industries addresses can be set up to attract.")
    def key_industries(self) -> list[KeyIndustryInfo]:
        return [
            KeyIndustryInfo(
                key=k.key,  # type: ignore[arg-type]
                name_zh=k.name_zh,
                name_en=k.name_en,
                divisions=sorted(k.divisions),
                source=k.source,
            )
            for k in KEY_INDUSTRIES.values()
        ]

    @strawberry.field(
        description="Totals over the addresses the caller may see (addresses, capacity, free places, enterprises), "
        "grouped by the given dimensions."
    )
    async def directory_statistics(
        self,
        info: Info[Context, None],
        group_by: Annotated[
            list[StatisticsDimension], strawberry.argument(description="Dimensions to group by; none gives one total.")
        ],
        jurisdiction_code: Annotated[
            str | None, strawberry.argument(description="Only this district, or this city and its districts.")
        ] = None,
    ) -> list[DirectoryStatistic]:
        ctx = info.context
        dims = list(dict.fromkeys(group_by))
        columns: dict[StatisticsDimension, Any] = {
            StatisticsDimension.JURISDICTION: AddressRow.jurisdiction_code,
            StatisticsDimension.STATUS: AddressRow.status,
            StatisticsDimension.KEY_INDUSTRY: AddressKeyIndustry.industry,
        }
        keys = [columns[d].label(d.value) for d in dims]
        stmt = select(
            *keys,
            func.count(AddressRow.id.distinct()),
            func.coalesce(func.sum(AddressRow.capacity), 0),
            func.coalesce(func.sum(AddressRow.occupied), 0),
            func.coalesce(func.sum(free_places_sql()), 0),
        ).where(address_visibility(ctx))
        if StatisticsDimension.KEY_INDUSTRY in dims:
            stmt = stmt.join(AddressKeyIndustry, AddressKeyIndustry.address_id == AddressRow.id)
        else:
            stmt = stmt.select_from(AddressRow)
        if jurisdiction_code is not None:
            stmt = stmt.where(within_jurisdiction(AddressRow.jurisdiction_code, jurisdiction_code))
        stmt = stmt.group_by(*keys).order_by(*keys)
        async with ctx.read() as session:
            rows = (await session.execute(stmt)).all()
        out = []
        for row in rows:
            group = dict(zip(dims, row[: len(dims)], strict=True))
            addresses, capacity, occupied, free = (int(v) for v in row[len(dims) :])
            out.append(
                DirectoryStatistic(
                    jurisdiction_code=group.get(StatisticsDimension.JURISDICTION),
                    status=group.get(StatisticsDimension.STATUS),
                    key_industry=group.get(StatisticsDimension.KEY_INDUSTRY),
                    addresses=addresses,
                    capacity=capacity,
                    occupied=occupied,
                    free_places=free,
                    enterprises=occupied,
                )
            )
        return out


API_KEY_ORDERING = Ordering("apikey:id", (SortKey(ApiKeyRow.id, False, int),))


@strawberry.type(description="Administration.")
class AdminQueries:
    @strawberry.field(description="API keys, oldest first (never their secrets). Admins only; FORBIDDEN for others.")
    async def api_keys(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ApiKey] | None:
        require_role(info.context, (DomainRole.ADMIN,), "list API keys")
        args = connection_args(first, after, last, before)
        return await _connection(info.context, select(ApiKeyRow), API_KEY_ORDERING, args, ApiKey.from_row)
