"""Address mutations: filing (the agency or its regulator) and the lifecycle (DX Art.7, TZ §五(一)3,
WX Art.10, 12; exits DX Art.14)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain import commands
from domain.access import Scope, address_scope
from domain.errors import DomainError
from domain.unit_of_work import UnitOfWork
from schema.context import Context
from schema.enums import AddressKind, KeyIndustry, PremisesBasis, Tenure
from schema.errors import user_errors
from schema.mutations.base import (
    AGENCY_OR_REGULATOR,
    EXPECTED_VERSION,
    IDEMPOTENCY,
    REGULATOR,
    Outcome,
    Target,
    act,
    ref,
)
from schema.mutations.payloads import AddressPayload
from schema.permissions import require_role

Roles = tuple[Any, ...]


@strawberry.input(description="Apply to have premises filed as a cluster address (WX Art.10, DX Art.7, TZ §五(一)).")
class FileAddressInput:
    agency_id: strawberry.ID = strawberry.field(description="The agency that will run the address.")
    jurisdiction_code: str = strawberry.field(description="The district of the premises.")
    kind: AddressKind = strawberry.field(description="Cluster registration or Tongzhou actual business.")
    address_text: str = strawberry.field(description="The standardised address.")
    premises_basis: PremisesBasis = strawberry.field(description="The documents behind the premises.")
    tenure: Tenure = strawberry.field(description="Owned, leased or entrusted.")
    residential: bool = strawberry.field(description="Whether the premises are residential.")
    planning_approved: bool = strawberry.field(description="Whether the planning use allows it.")
    lawful_and_safe: bool = strawberry.field(description="Whether the premises are lawful and safe.")
    standardised: bool = strawberry.field(description="Whether the address text is standardised.")
    capacity: int = strawberry.field(description="How many enterprises may register (总量控制).")
    building: str | None = strawberry.field(default=None, description="Building.")
    room: str | None = strawberry.field(default=None, description="Room.")
    latitude: float | None = strawberry.field(default=None, description="WGS-84 latitude.")
    longitude: float | None = strawberry.field(default=None, description="WGS-84 longitude.")
    lease_end: dt.date | None = strawberry.field(default=None, description="When the lease ends.")
    owner_consent: bool | None = strawberry.field(default=None, description="Whether the owner consented.")
    floor_area_m2: float | None = strawberry.field(default=None, description="Floor area in square metres.")
    key_industries: list[KeyIndustry] | None = strawberry.field(default=None, description="Industries to attract.")
    host_unit_id: strawberry.ID | None = strawberry.field(default=None, description="A Tongzhou host unit (主办单位).")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="A lifecycle change of an address.")
class AddressChangeInput:
    address_id: strawberry.ID = strawberry.field(description="The address.")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)


@strawberry.input(description="A lifecycle change of an address that needs a reason (it appears in the notice).")
class AddressReasonInput:
    address_id: strawberry.ID = strawberry.field(description="The address.")
    reason: str = strawberry.field(description="The reason, published in the notice (no personal data).")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)


@strawberry.input(description="Announce an address's exit (DX Art.14: tell hosted enterprises ≥ 30 days ahead).")
class BeginAddressExitInput:
    address_id: strawberry.ID = strawberry.field(description="The address.")
    planned_exit_on: dt.date = strawberry.field(description="When it will leave the register.")
    reason: str = strawberry.field(description="The reason, published in the notice (no personal data).")
    expected_version: int = strawberry.field(description=EXPECTED_VERSION)


def _address(address_id: str) -> Target:
    return Target("Address", address_id, "addressId", address_scope)


async def _transition(
    ctx: Context, operation: str, what: str, roles: Roles, address_id: str, command: Any
) -> AddressPayload:
    async def work(uow: UnitOfWork, pk: int) -> dict[str, Any]:
        return {"address": (await command(uow, pk)).id}

    outcome = await act(ctx, operation=operation, roles=roles, what=what, target=_address(address_id), work=work)
    return await AddressPayload.build(ctx, outcome)


def _optional_ref(value: str | None, kind: str, field: str) -> int | None:
    return ref(value, kind, field) if value is not None else None


@strawberry.type(description="Address mutations.")
class AddressMutations:
    @strawberry.mutation(
        description="File premises as a cluster address (status APPLIED). The agency itself (as agency or host unit) "
        "or the regulator of the premises' jurisdiction."
    )
    async def file_address(
        self,
        info: Info[Context, None],
        input: Annotated[FileAddressInput, strawberry.argument(description="The premises.")],
    ) -> AddressPayload | None:
        ctx = info.context
        what = "file addresses for this agency here"
        require_role(ctx, AGENCY_OR_REGULATOR, what)
        try:
            agency_id = ref(input.agency_id, "Agency", "agencyId")
            host_unit_id = _optional_ref(input.host_unit_id, "Agency", "hostUnitId")
        except DomainError as exc:
            return await AddressPayload.build(ctx, Outcome(None, user_errors(exc)))

        async def work(uow: UnitOfWork, _: int) -> dict[str, Any]:
            address = await commands.file_address(
                uow,
                agency_id=agency_id,
                jurisdiction_code=input.jurisdiction_code,
                kind=input.kind.value,
                address_text=input.address_text,
                premises_basis=input.premises_basis.value,
                tenure=input.tenure.value,
                residential=input.residential,
                planning_approved=input.planning_approved,
                lawful_and_safe=input.lawful_and_safe,
                standardised=input.standardised,
                capacity=input.capacity,
                building=input.building,
                room=input.room,
                latitude=input.latitude,
                longitude=input.longitude,
                lease_end=input.lease_end,
                owner_consent=input.owner_consent,
                floor_area_m2=input.floor_area_m2,
                key_industries=[k.value for k in input.key_industries or []],
                host_unit_id=host_unit_id,
            )
            return {"address": address.id}

        outcome = await act(
            ctx,
            operation="fileAddress",
            roles=AGENCY_OR_REGULATOR,
            what=what,
            scope=Scope(input.jurisdiction_code.strip(), (agency_id, host_unit_id)),
            work=work,
            idempotency_key=input.idempotency_key,
            data=input,
        )
        return await AddressPayload.build(ctx, outcome)

    @strawberry.mutation(description="Approve (备案) an applied address: APPLIED → FILED. Its regulators.")
    async def approve_address(
        self,
        info: Info[Context, None],
        input: Annotated[AddressChangeInput, strawberry.argument(description="The change.")],
    ) -> AddressPayload | None:
        return await _transition(
            info.context,
            "approveAddress",
            "approve this address",
            REGULATOR,
            input.address_id,
            lambda uow, pk: commands.approve_address(uow, pk, expected_version=input.expected_version),
        )

    @strawberry.mutation(
        description="Publish (公示) a filed address: FILED → PUBLISHED, open for registrations; publishes a notice. "
        "Its regulators."
    )
    async def publish_address(
        self,
        info: Info[Context, None],
        input: Annotated[AddressChangeInput, strawberry.argument(description="The change.")],
    ) -> AddressPayload | None:
        return await _transition(
            info.context,
            "publishAddress",
            "publish this address",
            REGULATOR,
            input.address_id,
            lambda uow, pk: commands.publish_address(uow, pk, expected_version=input.expected_version),
        )

    @strawberry.mutation(description="Suspend registrations at an address; publishes a notice. Its regulators.")
    async def suspend_address(
        self,
        info: Info[Context, None],
        input: Annotated[AddressReasonInput, strawberry.argument(description="The change.")],
    ) -> AddressPayload | None:
        return await _transition(
            info.context,
            "suspendAddress",
            "suspend this address",
            REGULATOR,
            input.address_id,
            lambda uow, pk: commands.suspend_address(
                uow, pk, reason=input.reason, expected_version=input.expected_version
            ),
        )

    @strawberry.mutation(description="Reopen a suspended address; publishes a notice. Its regulators.")
    async def reinstate_address(
        self,
        info: Info[Context, None],
        input: Annotated[AddressChangeInput, strawberry.argument(description="The change.")],
    ) -> AddressPayload | None:
        return await _transition(
            info.context,
            "reinstateAddress",
            "reinstate this address",
            REGULATOR,
            input.address_id,
            lambda uow, pk: commands.reinstate_address(uow, pk, expected_version=input.expected_version),
        )

    @strawberry.mutation(description="Cancel an address; a published one gets a notice. Its regulators.")
    async def cancel_address(
        self,
        info: Info[Context, None],
        input: Annotated[AddressReasonInput, strawberry.argument(description="The change.")],
    ) -> AddressPayload | None:
        return await _transition(
            info.context,
            "cancelAddress",
            "cancel this address",
            REGULATOR,
            input.address_id,
            lambda uow, pk: commands.cancel_address(
                uow, pk, reason=input.reason, expected_version=input.expected_version
            ),
        )

    @strawberry.mutation(description="Announce an address's exit; publishes a notice. Its agency or its regulators.")
    async def begin_address_exit(
        self,
        info: Info[Context, None],
        input: Annotated[BeginAddressExitInput, strawberry.argument(description="The change.")],
    ) -> AddressPayload | None:
        return await _transition(
            info.context,
            "beginAddressExit",
            "announce this address's exit",
            AGENCY_OR_REGULATOR,
            input.address_id,
            lambda uow, pk: commands.begin_address_exit(
                uow,
                pk,
                planned_exit_on=input.planned_exit_on,
                reason=input.reason,
                expected_version=input.expected_version,
            ),
        )

    @strawberry.mutation(description="Complete an exit once no enterprise remains; publishes a notice. Its regulators.")
    async def complete_address_exit(
        self,
        info: Info[Context, None],
        input: Annotated[AddressChangeInput, strawberry.argument(description="The change.")],
    ) -> AddressPayload | None:
        return await _transition(
            info.context,
            "completeAddressExit",
            "complete this address's exit",
            REGULATOR,
            input.address_id,
            lambda uow, pk: commands.complete_address_exit(uow, pk, expected_version=input.expected_version),
        )
