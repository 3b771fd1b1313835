"""What the demo's enterprises do, and how often, per rule pack.

Each row is a GB/T 4754-2017 class, its weight in Daxing, Tongzhou and Wuxi, the words a company name
built on it uses, and its business scope (经营范围) in the standard "一般项目" form. The weights lean to
software and IT, business services, technology services and wholesale, as cluster registrations do.
Wuxi weights are zero for what WX Art.6 keeps out of cluster registration (production, food, warehousing
and logistics, recycling, after-school care, homestays, entertainment) and for every class whose scope
needs a permit; Daxing refuses individual businesses (DX Art.11), so its kind weights leave them out.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.key_industries import KEY_INDUSTRIES

GENERAL_SUFFIX = "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
PERMIT_SUFFIX = "（依法须经批准的项目，经相关部门批准后方可开展经营活动，具体经营项目以相关部门批准文件或许可证件为准）"


@dataclass(frozen=True)
class IndustryClass:
    code: str
    weights: tuple[float, float, float]  # DX, TZ, WX
    words: tuple[str, ...]
    scope: str
    permit: str | None = None

    def business_scope(self) -> str:
        general = f"一般项目：{self.scope}{GENERAL_SUFFIX}"
        return f"许可项目：{self.permit}。{PERMIT_SUFFIX}{general}" if self.permit else general


def _c(code: str, dx: float, tz: float, wx: float, words: str, scope: str, permit: str | None = None) -> IndustryClass:
    return IndustryClass(code, (dx, tz, wx), tuple(words.split()), scope, permit)


TECH = "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广"

CLASSES: tuple[IndustryClass, ...] = (
    # I 信息传输、软件和信息技术服务业
    _c("6513", 8, 8, 9, "信息技术 软件开发 网络科技 数字科技", f"软件开发；信息技术咨询服务；{TECH}"),
    _c("6511", 1, 1, 1.5, "软件技术 信息科技", "基础软件开发；软件开发；信息系统运行维护服务"),
    _c("6519", 1, 1, 1, "软件科技 智能科技", f"软件开发；人工智能应用软件开发；{TECH}"),
    _c("6531", 3, 3, 4, "信息系统 智能科技 数据科技", "信息系统集成服务；计算机系统服务；软件开发"),
    _c("6532", 2, 2, 3, "物联网科技 智联科技", f"物联网技术服务；物联网应用服务；{TECH}"),
    _c("6540", 1, 1, 1, "信息技术服务 网络技术", "信息系统运行维护服务；计算机系统服务；网络技术服务"),
    _c("6550", 1, 1, 1, "数据科技 云计算科技", f"数据处理服务；大数据服务；{TECH}"),
    _c("6560", 2, 2, 2, "信息咨询 科技咨询", "信息技术咨询服务；信息咨询服务（不含许可类信息咨询服务）"),
    _c("6579", 1, 1, 1, "数字文化 数字科技", "数字文化创意软件开发；数字文化创意内容应用服务；软件开发"),
    _c("6599", 1, 1, 1, "信息科技 网络科技", f"信息技术咨询服务；{TECH}"),
    _c("6490", 2, 2, 2, "网络科技 互联网科技", "互联网数据服务；网络技术服务；软件开发"),
    _c("6440", 0.5, 0.5, 0.5, "网络安全 信息安全", "网络与信息安全软件开发；信息安全设备销售；技术服务、技术开发"),
    _c("6429", 1, 1, 0, "网络科技 文化传媒", "软件开发；技术服务、技术开发", permit="第二类增值电信业务"),
    # L 租赁和商务服务业
    _c(
        "7243",
        5,
        5,
        5,
        "企业管理咨询 商务咨询 管理咨询",
        "企业管理咨询；信息咨询服务（不含许可类信息咨询服务）；市场营销策划",
    ),
    _c(
        "7249",
        2,
        2,
        2,
        "咨询服务 商务信息咨询",
        "信息咨询服务（不含许可类信息咨询服务）；企业管理咨询；社会经济咨询服务",
    ),
    _c("7212", 1, 1.5, 1, "企业管理 实业", "企业管理；以自有资金从事投资活动；企业管理咨询"),
    _c("7211", 0.5, 0.5, 0.5, "控股 企业管理", "企业总部管理；企业管理；企业管理咨询"),
    _c("7221", 0.5, 0.5, 0.5, "园区管理 产业园管理", "园区管理服务；物业管理；企业管理咨询"),
    _c("7224", 1.5, 1.5, 1.5, "供应链管理", "供应链管理服务；国内贸易代理；销售代理；企业管理咨询"),
    _c("7241", 1, 1, 1, "财务咨询 财税咨询", "财务咨询；税务服务；企业管理咨询"),
    _c("7242", 0.5, 0.5, 0.5, "市场调研 信息咨询", "市场调查（不含涉外调查）；信息咨询服务（不含许可类信息咨询服务）"),
    _c("7251", 1.5, 1.5, 1.5, "数字营销 网络科技", "广告设计、代理；广告发布；数字广告设计、代理；市场营销策划"),
    _c("7259", 2, 2, 2, "文化传媒 广告 传媒", "广告设计、代理；广告发布；图文设计；企业形象策划；组织文化艺术交流活动"),
    _c(
        "7264",
        0.5,
        0.5,
        0.5,
        "创业服务 企业服务",
        "创业空间服务；企业管理咨询；人力资源服务（不含职业中介活动、劳务派遣服务）",
    ),
    _c("7269", 1, 1, 1, "人力资源 人力资源管理", "人力资源服务（不含职业中介活动、劳务派遣服务）；企业管理咨询"),
    _c(
        "7263",
        0.5,
        0.5,
        0,
        "人力资源 劳务服务",
        "企业管理咨询；人力资源服务（不含职业中介活动）",
        permit="劳务派遣服务",
    ),
    _c("7281", 0.5, 0.5, 0.5, "会展服务 科技会展", "会议及展览服务；科技中介服务"),
    _c("7284", 0.5, 1.5, 0.5, "文化发展 会展", "组织文化艺术交流活动；会议及展览服务；文艺创作"),
    _c("7289", 0.5, 0.5, 0.5, "会展服务 展览展示", "会议及展览服务；礼仪服务；企业形象策划"),
    _c("7293", 0.5, 0.5, 0.5, "商务服务 办公服务", "办公服务；打字复印；商务秘书服务"),
    _c("7294", 0.5, 0.5, 0.5, "翻译服务 语言服务", "翻译服务；信息咨询服务（不含许可类信息咨询服务）"),
    _c("7297", 1, 1, 1, "商务服务 企业服务", "商务代理代办服务；企业管理咨询；办公服务"),
    _c("7299", 1, 1, 1, "商务服务 商务发展", "企业管理咨询；商务代理代办服务；礼仪服务"),
    _c("7291", 0.3, 0.6, 0, "国际旅行社 旅游文化", "旅游开发项目策划咨询；会议及展览服务", permit="旅游业务"),
    # M 科学研究和技术服务业
    _c("7519", 4, 4, 5, "科技发展 科技 技术", f"{TECH}；科技中介服务"),
    _c("7512", 1.5, 1, 1.5, "生物科技 生物技术", f"{TECH}；生物基材料技术研发"),
    _c("7513", 0.5, 0.5, 1, "新材料科技 材料科技", f"新材料技术推广服务；新材料技术研发；{TECH}"),
    _c("7514", 0.5, 0.5, 1, "节能科技 能源科技", f"节能管理服务；合同能源管理；{TECH}"),
    _c("7515", 1.5, 0.5, 1, "新能源科技 氢能科技", f"新兴能源技术研发；储能技术服务；{TECH}"),
    _c("7516", 0.5, 0.5, 1, "环保科技 环境科技", f"环保咨询服务；{TECH}"),
    _c("7520", 0.5, 0.5, 0.5, "知识产权服务 知识产权代理", "知识产权服务（专利代理服务除外）；版权代理"),
    _c("7530", 0.5, 0.5, 0.5, "科技服务 科技中介", f"科技中介服务；{TECH}"),
    _c("7540", 0.5, 0.5, 0.5, "创业孵化 孵化器", "创业空间服务；科技中介服务；企业管理咨询"),
    _c("7590", 0.5, 0.5, 0.5, "科技推广 科技应用", f"{TECH}；科技推广和应用服务"),
    _c("7491", 1, 1, 1.5, "工业设计 设计", "工业设计服务；专业设计服务"),
    _c("7492", 2, 2, 2, "设计 创意设计 文化创意", "专业设计服务；平面设计；图文设计"),
    _c("7484", 0.5, 0.5, 0.5, "规划设计 城市规划", "规划设计管理；工程管理服务"),
    _c("7481", 0.5, 0.5, 0.5, "工程管理 工程咨询", "工程管理服务；工程技术服务（规划管理、勘察、设计、监理除外）"),
    _c("7320", 1, 0.5, 1, "科技研究院 技术研究", f"工程和技术研究和试验发展；{TECH}"),
    _c("7340", 2, 0.5, 1, "医药科技 医学科技", f"医学研究和试验发展；{TECH}"),
    _c("7310", 0.5, 0.3, 0.5, "科学研究 科技研究", f"自然科学研究和试验发展；{TECH}"),
    _c("7330", 0, 0.4, 0, "农业科技 种业科技", f"农业科学研究和试验发展；{TECH}"),
    # F 批发和零售业
    _c("5176", 3, 3, 3, "科技 电子科技 商贸", "计算机软硬件及辅助设备批发；电子产品销售；软件销售"),
    _c("5179", 2, 2, 2, "机电设备 科技", "机械设备销售；电子元器件批发；仪器仪表销售"),
    _c("5175", 1, 1, 1, "电气设备 电力科技", "电气设备销售；电线、电缆经营；电子产品销售"),
    _c("5174", 1, 1, 1, "五金 建材", "五金产品批发；建筑材料销售；日用百货销售"),
    _c("5177", 1, 1, 1, "通信设备 通讯", "通讯设备销售；电子产品销售"),
    _c("5137", 1, 1, 1, "家电 商贸", "家用电器销售；日用家电零售"),
    _c("5139", 0.5, 0.5, 0.5, "商贸 日用品", "日用百货销售；日用品批发"),
    _c("5141", 0.5, 0.5, 0.5, "文化用品 商贸", "文具用品批发；办公用品销售"),
    _c("5132", 1, 1, 1, "服饰 服装", "服装服饰批发；鞋帽批发"),
    _c("5134", 0.5, 0.5, 0.5, "化妆品 商贸", "化妆品批发；个人卫生用品销售"),
    _c("5165", 0.5, 0.5, 0.5, "建材 建筑材料", "建筑材料销售；轻质建筑材料销售"),
    _c("5181", 2, 2, 2, "贸易 国际贸易", "国内贸易代理；销售代理；货物进出口；技术进出口"),
    _c("5193", 1.5, 1.5, 1.5, "电子商务 商贸", "互联网销售（除销售需要许可的商品）；日用百货销售"),
    _c("5199", 1, 1, 1, "商贸 贸易", "日用百货销售；工艺美术品及收藏品批发（象牙及其制品除外）"),
    _c("5123", 0.5, 0.5, 0, "商贸 食品", "日用百货销售；食用农产品批发", permit="食品销售"),
    _c("5292", 1.5, 1.5, 1.5, "电子商务 网络科技", "互联网销售（除销售需要许可的商品）；电子产品销售"),
    _c("5273", 0.5, 0.5, 0.5, "电子科技 数码科技", "计算机软硬件及辅助设备零售；电子产品销售"),
    # K, R, J, A
    _c("7030", 0.5, 0.5, 0.5, "房地产经纪 置业", "房地产经纪；房地产咨询"),
    _c("7020", 0.5, 0.5, 0.5, "物业管理 物业服务", "物业管理；停车场服务"),
    _c("8810", 0.3, 1.5, 0.5, "文化艺术 文化传播", "组织文化艺术交流活动；文艺创作；会议及展览服务"),
    _c("8890", 0.3, 1, 0.5, "文化发展 文化传播", "组织文化艺术交流活动；艺术品代理；文化用品设备出租"),
    _c("6760", 0.2, 1, 0.2, "投资 资本管理", "以自有资金从事投资活动；企业管理咨询"),
    _c("6940", 0.2, 1, 0.2, "金融信息 金融科技", f"{TECH}；软件开发；数据处理服务"),
    _c("0511", 0, 0.6, 0, "种业 农业科技", f"农作物种子种苗培育；{TECH}"),
)

CLASS_BY_CODE = {c.code: c for c in CLASSES}
PACK_INDEX = {"DX": 0, "TZ": 1, "WX": 2}

# Enterprise kinds and their weights (DX Art.11: no individual businesses in Daxing).
ENTERPRISE_KINDS: dict[str, dict[str, float]] = {
    "DX": {"company": 90, "partnership": 4, "foreign_invested": 3, "branch": 3},
    "TZ": {
        "company": 83,
        "individual_business": 5,
        "partnership": 4,
        "foreign_invested": 5,
        "branch": 2,
        "foreign_rep_office": 1,
    },
    "WX": {"company": 80, "individual_business": 12, "partnership": 4, "foreign_invested": 2, "branch": 2},
}

# The industries an address is set up to attract (domain.key_industries), as each place promotes them.
ADDRESS_KEY_INDUSTRIES: dict[str, dict[str, float]] = {
    "DX": {
        "digital_economy": 3,
        "technology_services": 3,
        "business_services": 2,
        "medicine_health": 2,
        "hydrogen_energy": 0.7,
        "advanced_manufacturing": 0.5,
    },
    "TZ": {
        "digital_economy": 3,
        "business_services": 3,
        "technology_services": 2,
        "modern_finance": 1.5,
        "culture_tourism": 1.5,
        "modern_seed": 0.5,
    },
    "WX": {
        "digital_economy": 3,
        "technology_services": 3,
        "business_services": 2,
        "medicine_health": 1,
        "advanced_manufacturing": 1,
    },
}


def weighted(rng: random.Random, table: Mapping[str, float]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


class IndustryPicker:
    """Weighted choice of an industry class for one pack, optionally among an address's key industries."""

    def __init__(self, pack: str) -> None:
        i = PACK_INDEX[pack]
        self._classes = [c for c in CLASSES if c.weights[i] > 0]
        self._weights = [c.weights[i] for c in self._classes]
        self._by_key: dict[str, tuple[list[IndustryClass], list[float]]] = {}
        for key, industry in KEY_INDUSTRIES.items():
            matching = [
                (c, w) for c, w in zip(self._classes, self._weights, strict=True) if c.code[:2] in industry.divisions
            ]
            if matching:
                self._by_key[key] = ([c for c, _ in matching], [w for _, w in matching])

    def pick(self, rng: random.Random, key_industries: Sequence[str] = (), focus: float = 0.0) -> IndustryClass:
        """With probability ``focus``, a class belonging to one of ``key_industries``."""
        keys = [k for k in key_industries if k in self._by_key]
        if keys and rng.random() < focus:
            classes, weights = self._by_key[rng.choice(keys)]
            return rng.choices(classes, weights=weights)[0]
        return rng.choices(self._classes, weights=self._weights)[0]
