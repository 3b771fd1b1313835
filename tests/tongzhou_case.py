"""A Tongzhou host unit with a published address and enterprises, for the supervision and indicator tests."""

from __future__ import annotations

import datetime as dt

from tests import factories

HOST_UNIT = {
    "name": "北京市通州区永顺镇人民政府",
    "role": "host_unit",
    "kind": "township_government",
    "jurisdiction_code": "110112",
}
TZ_ADDRESS = {
    "jurisdiction_code": "110112",
    "address_text": "北京市通州区新华西街1号",
    "key_industries": ["business_services"],
}


async def hosted_address(uow, enterprises: int) -> tuple[int, list[int]]:
    unit = await factories.agency(uow, today=dt.date(2024, 1, 10), **HOST_UNIT)
    address = await factories.published_address(uow, unit.id, today=dt.date(2024, 1, 10), **TZ_ADDRESS)
    ids = await factories.enterprises(
        uow,
        address.id,
        enterprises,
        today=dt.date(2024, 3, 1),
        area="110112",
        name="北京通州商务服务{n}有限公司",
        industry_code="7212",
        business_scope="企业管理咨询",
    )
    return address.id, ids
