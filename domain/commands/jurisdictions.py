"""New jurisdictions: a city, or a district under one, with the rule pack that governs it."""

from __future__ import annotations

from domain.commands.common import get_jurisdiction, parse_enum
from domain.enums import RulePack
from domain.errors import AlreadyExists, InvalidInput
from domain.model import Jurisdiction
from domain.unit_of_work import UnitOfWork
from domain.validators import validate_division_code, validate_text


async def create_jurisdiction(
    uow: UnitOfWork,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    rule_pack: str,
    licence_annotation: str,
    parent_code: str | None = None,
) -> Jurisdiction:
    """A district names its city as parent and shares its province prefix; a city has no parent."""
    code = validate_division_code(code, "code")
    parse_enum(RulePack, rule_pack, "rulePack")
    if await uow.session.get(Jurisdiction, code) is not None:
        raise AlreadyExists("Jurisdiction", code, "code")
    parent = await get_jurisdiction(uow.session, parent_code, "parentCode") if parent_code is not None else None
    if parent is not None and (parent.level != "city" or parent.code[:2] != code[:2]):
        raise InvalidInput(
            "parentCode",
            f"{parent.code} is not a city of the same province as {code}",
            f"{parent.code} 不是与 {code} 同一省份的市级行政区",
        )
    jurisdiction = Jurisdiction(
        code=code,
        name_zh=validate_text(name_zh, "nameZh", max_length=64) or "",
        name_en=validate_text(name_en, "nameEn", max_length=64) or "",
        parent_code=parent.code if parent is not None else None,
        level="district" if parent is not None else "city",
        rule_pack=rule_pack,
        licence_annotation=validate_text(licence_annotation, "licenceAnnotation", max_length=16) or "",
    )
    uow.session.add(jurisdiction)
    uow.record("jurisdiction.created", jurisdiction, ["*"])
    return jurisdiction
