"""Registrations follow the agency's status, notices name a real subject, an agency answers for the
addresses it hosts as host unit, termination waits for the premises to exit, and concurrent filings in
one area do not wait on each other."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from domain import commands
from domain.commands.agencies import hosted_enterprise_count
from domain.enums import AddressStatus, AgencyStatus, NoticeKind
from domain.errors import DomainError
from domain.model import Address, Agency, Notice
from tests import factories
from tests.factories import ADDRESS_DEFAULTS

LATER = dt.date(2026, 6, 1)


async def _suspend(uow, agency_id: int) -> None:
    async with uow() as u:
        await commands.suspend_agency(u, agency_id, reason="整改", expected_version=None)
        await u.commit()


async def _disqualify(uow, agency_id: int) -> None:
    async with uow() as u:
        await commands.disqualify_agency(u, agency_id, reason="严重违规", expected_version=None)
        await u.commit()


async def _begin_termination(uow, agency_id: int) -> None:
    async with uow() as u:
        await commands.begin_agency_termination(u, agency_id, expected_version=None)
        await u.commit()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        (_suspend, AgencyStatus.SUSPENDED),
        (_disqualify, AgencyStatus.DISQUALIFIED),
        (_begin_termination, AgencyStatus.TERMINATING),
    ],
)
async def test_no_registration_at_an_address_whose_agency_no_longer_serves(uow, sessionmaker, change, status):
    agency = await factories.agency(uow)
    address = await factories.published_address(uow, agency.id)
    await change(uow, agency.id)
    with pytest.raises(DomainError) as refused:
        await factories.enterprise(uow, address.id)
    error = refused.value
    assert (error.code, error.field) == ("AGENCY_NOT_ACTIVE", "addressId")
    assert status in error.message_en and status in error.message_zh and "托管机构" in error.message_zh
    assert error.details == {"agencyId": agency.id, "agencyStatus": status}
    async with sessionmaker() as s:
        assert (await s.get(Address, address.id)).occupied == 0


async def _hosted_by_a_host_unit(uow) -> tuple[Agency, Agency, Address]:
    """An operator's address under a host unit (主办单位), with one enterprise registered there."""
    operator = await factories.agency(uow)
    host = await factories.agency(uow, name="北京大兴主办单位有限公司", role="host_unit")
    address = await factories.published_address(uow, operator.id, host_unit_id=host.id)
    await factories.enterprise(uow, address.id)
    return operator, host, address


async def test_no_registration_while_the_host_unit_is_suspended(uow):
    _, host, address = await _hosted_by_a_host_unit(uow)
    await _suspend(uow, host.id)
    with pytest.raises(DomainError) as refused:
        await factories.enterprise(uow, address.id)
    assert refused.value.code == "AGENCY_NOT_ACTIVE"
    assert refused.value.details["agencyId"] == host.id


async def test_registration_reopens_when_the_agency_is_reinstated(uow):
    agency = await factories.agency(uow)
    address = await factories.published_address(uow, agency.id)
    await _suspend(uow, agency.id)
    async with uow() as u:
        await commands.reinstate_agency(u, agency.id, expected_version=None)
        await u.commit()
    assert (await factories.enterprise(uow, address.id)).address_id == address.id


NOTICE = {
    "kind": "supervision",
    "jurisdiction_code": "110115",
    "title": "公告",
    "title_en": "Notice",
    "body": "正文",
    "body_en": "Body",
    "legal_basis": "DX Art.13",
}


@pytest.mark.parametrize(
    ("subject_kind", "subject_id", "field", "code"),
    [
        ("Person", 1, "subjectKind", "INVALID_INPUT"),
        ("address", 1, "subjectKind", "INVALID_INPUT"),
        ("Notice", 1, "subjectKind", "INVALID_INPUT"),
        (None, 1, "subjectId", "INVALID_INPUT"),
        ("Agency", None, "subjectId", "INVALID_INPUT"),
        ("Agency", 424242, "subjectId", "NOT_FOUND"),
        ("Enterprise", 2**40, "subjectId", "NOT_FOUND"),
        ("Address", 0, "subjectId", "NOT_FOUND"),
    ],
)
async def test_a_notice_names_an_existing_subject(uow, sessionmaker, subject_kind, subject_id, field, code):
    await factories.agency(uow)
    with pytest.raises(DomainError) as refused:
        async with uow() as u:
            await commands.create_notice(u, **NOTICE, subject_kind=subject_kind, subject_id=subject_id)
            await u.commit()
    assert (refused.value.code, refused.value.field) == (code, field)
    assert refused.value.message_en and refused.value.message_zh
    async with sessionmaker() as s:
        assert (await s.execute(select(Notice))).scalars().all() == []


async def test_notices_about_each_kind_of_subject_and_about_nothing(uow):
    agency = await factories.agency(uow)
    address = await factories.published_address(uow, agency.id)
    enterprise = await factories.enterprise(uow, address.id)
    async with uow() as u:
        for kind, subject_id in (("Agency", agency.id), ("Address", address.id), ("Enterprise", enterprise.id)):
            n = await commands.create_notice(u, **NOTICE, subject_kind=kind, subject_id=subject_id)
            assert (n.subject_kind, n.subject_id) == (kind, subject_id)
        assert (await commands.create_notice(u, **NOTICE)).subject_kind is None
        await u.commit()


async def test_hosted_enterprises_include_those_at_addresses_the_agency_hosts_as_host_unit(uow):
    operator, host, hosted = await _hosted_by_a_host_unit(uow)
    own = await factories.published_address(uow, host.id, address_text="北京市大兴区金星西路5号")
    await factories.enterprise(uow, hosted.id)
    await factories.enterprise(uow, own.id)
    async with uow() as u:
        assert await hosted_enterprise_count(u, host.id) == 3
        assert await hosted_enterprise_count(u, operator.id) == 2


async def test_a_host_unit_cannot_end_its_service_while_enterprises_remain_at_addresses_it_hosts(uow):
    _, host, _ = await _hosted_by_a_host_unit(uow)
    await _begin_termination(uow, host.id)
    with pytest.raises(DomainError) as refused:
        async with uow() as u:
            await commands.terminate_agency(u, host.id, expected_version=None)
    assert refused.value.code == "ENTERPRISES_REMAIN"


async def _exit(uow, address_id: int) -> None:
    async with uow() as u:
        await commands.begin_address_exit(
            u, address_id, planned_exit_on=LATER, reason="服务终止", expected_version=None
        )
        await u.commit()
    async with uow(today=LATER) as u:
        await commands.complete_address_exit(u, address_id, expected_version=None)
        await u.commit()


async def test_termination_waits_until_every_address_has_left_the_register(uow, sessionmaker):
    """WX Art.12: the premises are removed after the service ends, so the agency exits them first."""
    agency = await factories.agency(uow)
    first = await factories.published_address(uow, agency.id)
    second = await factories.published_address(uow, agency.id, address_text="北京市大兴区金星西路5号")
    await _begin_termination(uow, agency.id)
    async with uow() as u:
        await commands.suspend_address(u, second.id, reason="整改", expected_version=None)
        await u.commit()
    for remaining, leaving in (([first.code, second.code], first.id), ([second.code], second.id)):
        with pytest.raises(DomainError) as refused:
            async with uow(today=LATER) as u:
                await commands.terminate_agency(u, agency.id, expected_version=None)
        error = refused.value
        assert (error.code, error.field, error.details) == ("ADDRESSES_REMAIN", "agencyId", {"addresses": remaining})
        assert "WX Art.12" in error.message_en and "第十二条" in error.message_zh
        await _exit(uow, leaving)
    async with uow(today=LATER) as u:
        await commands.terminate_agency(u, agency.id, expected_version=None)
        await u.commit()
    async with sessionmaker() as s:
        assert (await s.get(Agency, agency.id)).status == AgencyStatus.TERMINATED
        statuses = (await s.execute(select(Address.status).where(Address.agency_id == agency.id))).scalars()
        assert set(statuses) == {AddressStatus.EXITED}
        notice = (await s.execute(select(Notice).where(Notice.kind == NoticeKind.AGENCY_TERMINATED))).scalar_one()
        assert "none of its addresses remains in the register" in notice.body_en
        assert "均已退出地址库" in notice.body


async def test_the_disqualification_notice_claims_no_removal(uow, sessionmaker):
    agency = await factories.agency(uow)
    address = await factories.published_address(uow, agency.id)
    await _disqualify(uow, agency.id)
    async with sessionmaker() as s:
        notice = (await s.execute(select(Notice).where(Notice.kind == NoticeKind.AGENCY_DISQUALIFIED))).scalar_one()
        assert (await s.get(Address, address.id)).status == AddressStatus.PUBLISHED
    for text in (notice.body, notice.body_en):
        assert "移除" not in text and "leave the register" not in text and "removed" not in text
    assert "take no new registrations" in notice.body_en and "不再办理新的集群注册" in notice.body


async def test_concurrent_filings_in_one_area_do_not_wait_on_each_other(uow, sessionmaker, database_url):
    """Both filings hold their new row uncommitted at once; on PostgreSQL a shared temporary code would
    make the second wait on the first's unique-index entry until the first ends."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises every write transaction anyway")
    first_agency = await factories.agency(uow)
    second_agency = await factories.agency(uow, name="北京兴业第二众创空间管理有限公司")
    async with uow() as first, uow() as second:
        a = await commands.file_address(first, agency_id=first_agency.id, **ADDRESS_DEFAULTS)
        b = await asyncio.wait_for(
            commands.file_address(
                second, agency_id=second_agency.id, **{**ADDRESS_DEFAULTS, "address_text": "北京市大兴区金星西路5号"}
            ),
            timeout=15,
        )
        await first.commit()
        await second.commit()
    async with sessionmaker() as s:
        codes = set((await s.execute(select(Address.code))).scalars())
    assert codes == {f"110115-{a.id:06d}", f"110115-{b.id:06d}"}
