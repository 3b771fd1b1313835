"""A Wuxi hosting agency with enterprises, for the supervision and rating tests."""

from __future__ import annotations

import datetime as dt

from tests import factories

REGISTERED = dt.date(2024, 8, 1)
ENTERPRISES_REGISTERED = dt.date(2024, 9, 1)
WX_AGENCY = {
    "name": "无锡梁溪创客空间运营有限公司",
    "kind": "maker_space",
    "jurisdiction_code": "320213",
    "tenure": "leased",
    "lease_end": dt.date(2029, 12, 31),
    "owner_consent": True,
}
WX_ADDRESS = {
    "jurisdiction_code": "320213",
    "address_text": "无锡市梁溪区中山路100号",
    "tenure": "leased",
    "lease_end": dt.date(2029, 12, 31),
    "owner_consent": True,
    "key_industries": [],
}


async def wuxi_agency(uow, enterprises: int) -> tuple[int, list[int]]:
    """An agency registered on 2024-08-01 and ``enterprises`` companies registered at its address on
    2024-09-01; returns the agency id and the enterprise ids."""
    agency = await factories.agency(uow, today=REGISTERED, uscc=factories.make_uscc("320213"), **WX_AGENCY)
    address = await factories.published_address(uow, agency.id, today=REGISTERED, **WX_ADDRESS)
    ids = await factories.enterprises(
        uow,
        address.id,
        enterprises,
        today=ENTERPRISES_REGISTERED,
        area="320213",
        name="无锡梁溪软件{n}有限公司",
        industry_code="6510",
        business_scope="软件开发；信息技术咨询服务",
    )
    return agency.id, ids
