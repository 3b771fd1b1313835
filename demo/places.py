"""Where the demo's premises are: the districts, their towns and sub-districts with a WGS-84 anchor point,
and real road names there.

Faker's ``zh_CN`` addresses pick cities and roads at random across China, so they would not fall inside
the district an address is filed in; the roads here do, and coordinates are drawn within about a
kilometre of the locality's anchor.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

JITTER_DEGREES = 0.007


@dataclass(frozen=True)
class Locality:
    name: str
    lat: float
    lon: float
    roads: tuple[str, ...]


@dataclass(frozen=True)
class District:
    code: str
    prefix: str  # how a street address there begins
    short: str  # as in a branch name: 大兴分公司
    city: str  # as in a company name: 北京XX科技有限公司
    localities: tuple[Locality, ...]


def _l(name: str, lat: float, lon: float, roads: str) -> Locality:
    return Locality(name, lat, lon, tuple(roads.split()))


DAXING = District(
    "110115",
    "北京市大兴区",
    "大兴",
    "北京",
    (
        _l("兴丰街道", 39.735, 116.335, "兴丰大街 兴华大街 黄村西大街 金星路"),
        _l("林校路街道", 39.745, 116.325, "林校北路 林校南路 兴华中路"),
        _l("清源街道", 39.760, 116.332, "清源路 兴业大街 康庄路"),
        _l("观音寺街道", 39.727, 116.356, "黄村东大街 兴政街 金苑路"),
        _l("天宫院街道", 39.676, 116.322, "天华大街 天河西路 天河北路"),
        _l("高米店街道", 39.765, 116.337, "兴华北路 金星西路 香海园路"),
        _l("西红门镇", 39.790, 116.330, "宏业路 欣宁街 西红门路 金盛大街"),
        _l("旧宫镇", 39.810, 116.455, "旧宫东路 德茂路 清和路"),
        _l("魏善庄镇", 39.640, 116.385, "魏永路 魏善庄大街"),
        _l("庞各庄镇", 39.640, 116.315, "京开路 庞安路"),
        _l("北臧村镇", 39.697, 116.305, "天富街 天荣街 华佗路 永大路 天贵街 永旺西路"),
        _l("礼贤镇", 39.530, 116.460, "礼贤大街 永兴河北路"),
        _l("采育镇", 39.655, 116.660, "采育大街 育兴路"),
        _l("青云店镇", 39.680, 116.510, "青云店大街 青礼路"),
    ),
)

TONGZHOU = District(
    "110112",
    "北京市通州区",
    "通州",
    "北京",
    (
        _l("新华街道", 39.905, 116.655, "新华西街 新华南路 新华北路 新华大街"),
        _l("中仓街道", 39.900, 116.667, "车站路 中仓路"),
        _l("北苑街道", 39.910, 116.640, "北苑南路 通朝大街"),
        _l("玉桥街道", 39.890, 116.672, "玉桥中路 玉桥西路"),
        _l("永顺镇", 39.925, 116.660, "永顺南街 新华东街"),
        _l("梨园镇", 39.875, 116.660, "九棵树东路 云景东路 梨园北街"),
        _l("运河商务区", 39.915, 116.700, "运河东大街 新华东街 潞苑南大街"),
        _l("潞城镇", 39.905, 116.735, "潞苑北大街 潞城中路"),
        _l("宋庄镇", 39.960, 116.710, "宋庄路 徐宋路 小堡南街"),
        _l("张家湾镇", 39.845, 116.705, "张采路 张凤路"),
        _l("台湖镇", 39.835, 116.620, "台湖大街 光华路"),
        _l("马驹桥镇", 39.760, 116.555, "兴贸一街 兴贸二街 通马路"),
        _l("于家务回族乡", 39.735, 116.720, "于家务大街 渠头路"),
        _l("永乐店镇", 39.690, 116.800, "永乐大街 柴厂屯路"),
    ),
)

WUXI = (
    District(
        "320213",
        "无锡市梁溪区",
        "梁溪",
        "无锡",
        (
            _l("崇安寺街道", 31.578, 120.305, "中山路 人民中路 学前街"),
            _l("广益街道", 31.600, 120.330, "广瑞路 锡沪路 广益路"),
            _l("金星街道", 31.565, 120.320, "清扬路 解放南路"),
            _l("黄巷街道", 31.610, 120.290, "兴源北路 通江大道"),
        ),
    ),
    District(
        "320211",
        "无锡市滨湖区",
        "滨湖",
        "无锡",
        (
            _l("蠡园街道", 31.540, 120.260, "蠡湖大道 建筑西路 隐秀路"),
            _l("太湖新城", 31.495, 120.300, "金石路 立信大道 观山路 具区路"),
            _l("山水城", 31.535, 120.225, "梁清路 湖滨路"),
            _l("华庄街道", 31.510, 120.320, "华谊路 华清大道"),
        ),
    ),
    District(
        "320214",
        "无锡市新吴区",
        "新吴",
        "无锡",
        (
            _l("旺庄街道", 31.565, 120.355, "长江路 新华路 珠江路"),
            _l("江溪街道", 31.545, 120.355, "汉江路 新洲路 和风路"),
            _l("硕放街道", 31.495, 120.430, "菱湖大道 净慧东道 震泽路"),
            _l("梅村街道", 31.565, 120.420, "锡梅路 梅育路"),
            _l("新安街道", 31.520, 120.375, "景贤路 高浪东路 清源路"),
        ),
    ),
    District(
        "320205",
        "无锡市锡山区",
        "锡山",
        "无锡",
        (
            _l("东亭街道", 31.590, 120.375, "团结中路 东亭北路 友谊北路"),
            _l("锡山经济技术开发区", 31.625, 120.370, "芙蓉中三路 荟智路"),
            _l("安镇街道", 31.610, 120.440, "锡沪东路 润锡路"),
        ),
    ),
    District(
        "320206",
        "无锡市惠山区",
        "惠山",
        "无锡",
        (
            _l("堰桥街道", 31.680, 120.290, "政和大道 惠山大道 堰新路"),
            _l("长安街道", 31.660, 120.320, "盛岸西路 惠澄大道"),
            _l("钱桥街道", 31.615, 120.240, "钱皋路 藕杨路"),
        ),
    ),
    District(
        "320281",
        "江阴市",
        "江阴",
        "江阴",
        (
            _l("澄江街道", 31.910, 120.280, "人民中路 虹桥北路 澄江中路"),
            _l("江阴高新区", 31.885, 120.330, "长山大道 金山路 芙蓉大道"),
            _l("华士镇", 31.815, 120.460, "华西路 华士大道"),
        ),
    ),
    District(
        "320282",
        "宜兴市",
        "宜兴",
        "宜兴",
        (
            _l("宜城街道", 31.360, 119.820, "人民北路 解放东路 阳泉西路"),
            _l("宜兴经济技术开发区", 31.380, 119.880, "东氿大道 文庄路"),
            _l("环保科技工业园", 31.405, 119.745, "绿园路 兴业大道"),
        ),
    ),
)

DISTRICTS: dict[str, District] = {d.code: d for d in (DAXING, TONGZHOU, *WUXI)}

_BUILDING_PATTERNS = ("{n}号楼", "{n}号楼", "{letter}座", "综合楼", "科创中心{n}号楼", "{stem}大厦", "创新园{n}号楼")
_ROAD_SUFFIX = re.compile(r"(大街|大道|[东南西北中]?路|[东南西北]?街|道)$")


@dataclass(frozen=True)
class Premises:
    locality: Locality
    address_text: str
    building: str
    room: str
    latitude: float
    longitude: float


def premises(rng: random.Random, district: District) -> Premises:
    """A street address with building, room and coordinates inside ``district``."""
    locality = rng.choice(district.localities)
    road = rng.choice(locality.roads)
    number = rng.randint(1, 168)
    courtyard = "院" if district.code.startswith("11") and rng.random() < 0.4 else ""
    building = rng.choice(_BUILDING_PATTERNS).format(
        n=rng.randint(1, 12), letter=rng.choice("ABCDEF"), stem=_ROAD_SUFFIX.sub("", road)
    )
    floor = rng.randint(1, 18)
    room = f"{floor}{rng.randint(1, 30):02d}室" if rng.random() < 0.7 else f"{floor}层{rng.randint(1, 40)}号"
    return Premises(
        locality=locality,
        address_text=f"{district.prefix}{road}{number}号{courtyard}",
        building=building,
        room=room,
        latitude=round(locality.lat + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES), 6),
        longitude=round(locality.lon + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES), 6),
    )


def street_address(rng: random.Random, district: District) -> str:
    """A plain street address in ``district`` (an enterprise's actual business premises)."""
    locality = rng.choice(district.localities)
    return f"{district.prefix}{rng.choice(locality.roads)}{rng.randint(1, 220)}号{rng.randint(1, 20)}层"
