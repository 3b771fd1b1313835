"""Names of demo organisations, in the patterns Chinese registrations use: place, trade name (字号),
industry words, organisational form (有限公司, 合伙企业（有限合伙）, 分公司, 代表处, 个体户 names)."""

from __future__ import annotations

import random

from demo.catalogue import IndustryClass
from demo.places import District

_TRADE_CHARACTERS = (
    "华创博瑞智联信达恒远鑫源泰宏盛通汇嘉诚卓新科明德星云海天锦润和中安兴盈众益正鼎峰晟昊宸睿弘昌丰旭辰阳"
    "光景成启航越宇腾飞凯泽清澜悦佳优尚品格致思维途易捷迅畅顺聚力拓领芯微蓝青禾森林金川江岳铭翰墨雅韵欣怡乐康"
    "宁祥福喜元亨利贞朗驰骏数讯格灵曜"
)
_COUNTRIES = ("新加坡", "日本", "韩国", "德国", "美国", "英国", "法国", "瑞士", "荷兰", "香港")

_AGENCY_PATTERNS: dict[str, tuple[str, ...]] = {
    "incubator": ("{city}{t}科技企业孵化器有限公司", "{city}{t}孵化器管理有限公司"),
    "maker_space": ("{city}{t}众创空间管理有限公司", "{city}{t}创业服务有限公司", "{city}{t}创客空间科技有限公司"),
    "park_operator": ("{city}{t}产业园运营管理有限公司", "{city}{t}科技园发展有限公司", "{city}{t}园区管理有限公司"),
    "business_secretary": ("{city}{t}商务秘书有限公司", "{city}{t}商务秘书服务有限公司"),
    "bookkeeping_agency": ("{city}{t}财务管理有限公司", "{city}{t}代理记账有限公司", "{city}{t}财税咨询有限公司"),
    "accounting_firm": ("{province}{t}会计师事务所有限公司", "{city}{t}会计师事务所（普通合伙）"),
    "law_firm": ("{province}{t}律师事务所",),
    "tax_agent_firm": ("{city}{t}税务师事务所有限公司",),
    "other_enterprise": ("{city}{t}企业管理有限公司", "{city}{t}商务服务有限公司", "{city}{t}企业服务有限公司"),
}

# Tongzhou's host units (TZ §二): township and sub-district governments and park committees.
TONGZHOU_HOST_UNITS: tuple[tuple[str, str], ...] = (
    ("township_government", "北京市通州区宋庄镇人民政府"),
    ("park_committee", "北京市通州区运河商务区管理委员会"),
    ("township_government", "北京市通州区张家湾镇人民政府"),
    ("park_committee", "中关村科技园区通州园管理委员会"),
    ("township_government", "北京市通州区永顺镇人民政府"),
    ("township_government", "北京市通州区梨园镇人民政府"),
    ("township_government", "北京市通州区潞城镇人民政府"),
    ("township_government", "北京市通州区台湖镇人民政府"),
    ("township_government", "北京市通州区马驹桥镇人民政府"),
    ("township_government", "北京市通州区于家务回族乡人民政府"),
    ("township_government", "北京市通州区新华街道办事处"),
    ("township_government", "北京市通州区永乐店镇人民政府"),
    ("park_committee", "北京市通州区文化旅游区管理委员会"),
)


def trade_name(rng: random.Random) -> str:
    first, second = rng.sample(_TRADE_CHARACTERS, 2)
    return first + second


def agency_name(rng: random.Random, kind: str, district: District) -> str:
    province = "北京" if district.code.startswith("11") else "江苏"
    pattern = rng.choice(_AGENCY_PATTERNS[kind])
    return pattern.format(city=district.city, province=province, t=trade_name(rng))


def enterprise_name(rng: random.Random, kind: str, industry: IndustryClass, district: District) -> str:
    t, words = trade_name(rng), rng.choice(industry.words)
    match kind:
        case "individual_business":
            suffix = rng.choice(("工作室", "经营部", "服务部", "商行"))
            return f"{district.prefix}{t}{words}{suffix}"
        case "partnership":
            return f"{district.city}{t}{words}合伙企业（有限合伙）"
        case "foreign_invested":
            return f"{t}（{district.city}）{words}有限公司"
        case "branch":
            return f"{district.city}{t}{words}有限公司{district.short}分公司"
        case "foreign_rep_office":
            return f"{rng.choice(_COUNTRIES)}{t}{words}有限公司{district.city}代表处"
    form = "股份有限公司" if rng.random() < 0.03 else "有限公司"
    return f"{district.city}{t}{words}{form}"
