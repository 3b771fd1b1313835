"""GraphQL enums mirroring the domain's stored string enumerations.

Each is a copy of the domain enum (same values), so the domain classes stay free of Strawberry. Values
arrive in resolvers as members equal to the stored strings, and stored strings serialise directly.
"""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import Any

import strawberry

from domain import enums as d
from domain.key_industries import KEY_INDUSTRIES
from domain.rules.wx import GRADE_BANDS, LOWEST_GRADE


def _mirror(
    domain_enum: type[StrEnum],
    description: str,
    *,
    name: str | None = None,
    exclude: tuple[str, ...] = (),
    by_value: bool = False,
) -> Any:
    members = [(m.value.upper() if by_value else m.name, m.value) for m in domain_enum if m.value not in exclude]
    copy = StrEnum(name or domain_enum.__name__, members)  # type: ignore[misc]
    return strawberry.enum(copy, description=description)


RulePack = _mirror(d.RulePack, "A rule pack: DX Daxing, TZ Tongzhou, WX Wuxi, BJ Beijing city-wide.", by_value=True)
AgencyRole = _mirror(d.AgencyRole, "托管机构 (hosting agency), 主办单位 (host unit) or 运营单位 (operator).")
AgencyKind = _mirror(d.AgencyKind, "What kind of organisation an agency is (incubator, maker space, law firm, ...).")
AgencyStatus = _mirror(d.AgencyStatus, "An agency's lifecycle state.")
AddressKind = _mirror(d.AddressKind, "Cluster-registration address, or Tongzhou actual-business address.")
PremisesBasis = _mirror(d.PremisesBasis, "The documents behind the premises (TZ §五(一)2).")
Tenure = _mirror(d.Tenure, "Owned, leased or entrusted premises.")
AddressStatus = _mirror(
    d.AddressStatus, "An address's lifecycle state: applied → filed (备案) → published (公示) → ..."
)
EnterpriseKind = _mirror(d.EnterpriseKind, "The legal form of an enterprise.")
EnterpriseStatus = _mirror(d.EnterpriseStatus, "An enterprise's state at its cluster address.")
FindingKind = _mirror(d.FindingKind, "What a regulator found about an enterprise.")
HazardSeverity = _mirror(
    d.HazardSeverity, "A safety hazard's severity as the reporting department set it (DX Art.13(1))."
)
AbnormalReason = _mirror(d.AbnormalReason, "Why an enterprise was put on the abnormal list (经营异常名录).")
CreditFactKind = _mirror(d.CreditFactKind, "A credit listing (abnormal list, dishonest lists, major cases).")
CreditSubject = _mirror(d.CreditSubject, "Whom a credit listing concerns.")
NoticeKind = _mirror(d.NoticeKind, "The kind of a public notice (公示/公告).")
NoticeStatus = _mirror(d.NoticeStatus, "Published, or withdrawn with a reason.")
Role = _mirror(d.Role, "Who is calling: the role of the API key, or anonymous.", exclude=("system",))
KeyRole = _mirror(d.Role, "The role an API key can be given.", name="KeyRole", exclude=("system", "anonymous"))


def _key_industry_enum() -> Any:
    members = {
        k.upper(): strawberry.enum_value(k, description=f"{v.name_en} ({v.name_zh}); {v.source}")
        for k, v in KEY_INDUSTRIES.items()
    }
    return strawberry.enum(
        Enum("KeyIndustry", members),  # type: ignore[call-overload]
        description="An industry an address is set up to attract (重点产业).",
    )


KeyIndustry = _key_industry_enum()


def _credit_grade_enum() -> Any:
    grades = [*(grade for grade, _ in GRADE_BANDS), LOWEST_GRADE]
    copy = StrEnum("CreditGrade", [(g, g) for g in grades])  # type: ignore[misc]
    return strawberry.enum(
        copy, description="An agency's credit grade (信用等级) from its latest rating, A best to D worst (WX Art.22)."
    )


CreditGrade = _credit_grade_enum()


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("asc", description="Ascending.")
    DESC = strawberry.enum_value("desc", description="Descending.")
