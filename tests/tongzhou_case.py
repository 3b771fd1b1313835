"""A Tongzhou host unit with a published address and enterprises, for the supervision and indicator tests."""

from __future__ import annotations

import datetime as dt

from domain import commands
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
    ids = []
    async with uow(today=dt.date(2024, 3, 1)) as u:
        for n in range(enterprises):
            e = await commands.register_enterprise(
                u,
                uscc=factories.make_uscc("110112"),
                name=f"北京通州商务服务{n}有限公司",
                kind="company",
                industry_code="7212",
                business_scope="企业管理咨询",
                address_id=address.id,
            )
            ids.append(e.id)
        await u.commit()
    return address.id, ids
