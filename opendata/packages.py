"""The two published data packages: their stable names and ids, bilingual texts, licence, sources and
resources, and the fingerprints that decide how a release's version moves.

The Table Schemas are hand-written JSON files in :mod:`opendata.schemas`; everything a consumer relies on
(names, types, constraints, keys, categories) lives there, and the schema fingerprint covers exactly that,
so any change to it is a major version.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
# Bumped whenever the bytes the writers produce change for the same rows (layout of the Excel files,
# archive layout), so that a publisher upgrade gives a patch release instead of silently differing files.
FORMAT_VERSION = "1"

LICENSES = (
    {
        "name": "CC-BY-4.0",
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "title": "知识共享署名 4.0 国际 / Creative Commons Attribution 4.0 International",
    },
)
CONTRIBUTORS = (
    {
        "title": "集群注册地址登记系统（jiqun） / The jiqun cluster-registration register",
        "roles": ["publisher"],
    },
)
SOURCES = (
    {
        "title": "区、市市场监督管理局集群注册登记记录 / "
        "Cluster-registration records of the market-regulation authorities"
    },
    {"title": "大兴区集群登记管理措施 / Daxing cluster-registration measures (DX)"},
    {
        "title": "北京市通州区关于规范集群注册地址管理推动经营主体高质量发展的工作措施 / "
        "Tongzhou cluster-registration address measures (TZ)"
    },
    {"title": "无锡市经营主体集群注册登记管理办法（试行） / Wuxi cluster-registration measures (WX)"},
    {"title": "北京市行政执法公示办法 / Beijing administrative-enforcement publicity measures (BJ)"},
)

# The Table Schema properties that define what a consumer parses and joins on. Titles and descriptions
# are documentation; changing them is a correction (patch), not a structural change.
_STRUCTURAL_FIELD_KEYS = ("name", "type", "format", "constraints", "categories")
_STRUCTURAL_SCHEMA_KEYS = ("missingValues", "primaryKey", "foreignKeys")


@dataclass(frozen=True)
class ResourceDef:
    name: str
    title: str
    description: str

    @property
    def schema(self) -> dict[str, Any]:
        return load_schema(self.name)


@dataclass(frozen=True)
class PackageDef:
    name: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    keywords: tuple[str, ...]
    resources: tuple[ResourceDef, ...]

    @property
    def title(self) -> str:
        return f"{self.title_zh} / {self.title_en}"

    @property
    def description(self) -> str:
        return f"{self.description_zh}\n\n{self.description_en}"

    @property
    def id(self) -> str:
        """A stable identifier derived from the name, so it never changes between releases."""
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'https://jiqun.opendata/{self.name}')}"

    def resource(self, name: str) -> ResourceDef:
        return next(r for r in self.resources if r.name == name)


JURISDICTIONS = ResourceDef(
    "jurisdictions",
    "行政区划 / Jurisdictions",
    "登记系统所覆盖的 GB/T 2260 行政区划及其适用规则。 / The GB/T 2260 divisions the register covers and the rules "
    "that govern each.",
)

APPROVED_ADDRESSES = PackageDef(
    name="approved-addresses",
    title_zh="集群注册地址名录",
    title_en="Approved cluster-registration addresses",
    description_zh=(
        "经登记机关审核并向社会公示的集群注册地址，以及运营这些地址的托管机构、主办单位和所在行政区划。"
        "地址一经公示即保留在名录中，其状态（已公示、暂停、已取消、退出中、已退出）说明现状。"
    ),
    description_en=(
        "The cluster-registration addresses (集群注册地址) that the registration authorities approved and "
        "published, with the hosting agencies and host units behind them and their jurisdictions. An address "
        "stays in the directory once published; its status (published, suspended, cancelled, exiting, exited) "
        "tells where it stands."
    ),
    keywords=("集群注册", "集群登记", "cluster registration", "registered address", "Beijing", "Wuxi"),
    resources=(
        JURISDICTIONS,
        ResourceDef(
            "agencies",
            "托管机构与主办单位 / Agencies and host units",
            "名录中地址背后的托管机构、主办单位和运营单位，仅含公开信息及最近信用等级。 / The agencies, host "
            "units and operators behind the listed addresses: public fields and the latest credit grade only.",
        ),
        ResourceDef(
            "addresses",
            "集群注册地址 / Addresses",
            "已公示的集群注册地址，含容量、剩余容量与状态。 / The published addresses with capacity, free "
            "places and status.",
        ),
        ResourceDef(
            "address_key_industries",
            "地址重点产业 / Key industries of addresses",
            "各地址面向招引的重点产业，一行一项。 / The industries each address is set up to attract, one per row.",
        ),
    ),
)

PUBLIC_NOTICES = PackageDef(
    name="public-notices",
    title_zh="公示公告",
    title_en="Public notices",
    description_zh=(
        "登记机关就集群注册地址和托管机构发布的全部公示、公告，含类型、对象、法律依据、发布日期与截止日期。"
        "撤回的公告保留，并注明撤回日期和原因。公告内容不含个人信息。"
    ),
    description_en=(
        "Every public notice (公示/公告) the registration authorities issued about cluster-registration "
        "addresses and agencies: kind, subject, legal basis, publication date and deadlines. Withdrawn notices "
        "stay, with the date and the reason. Notices never carry personal data."
    ),
    keywords=("公示", "公告", "public notice", "cluster registration", "Beijing", "Wuxi"),
    resources=(
        JURISDICTIONS,
        ResourceDef(
            "notices",
            "公示公告 / Notices",
            "全部公示公告，按公告序号排列。 / Every notice, in order of its number.",
        ),
    ),
)

PACKAGES: tuple[PackageDef, ...] = (APPROVED_ADDRESSES, PUBLIC_NOTICES)


@cache
def load_schema(resource_name: str) -> dict[str, Any]:
    text = resources.files("opendata.schemas").joinpath(f"{resource_name}.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _digest(value: object) -> str:
    canonical = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _structure(schema: dict[str, Any]) -> dict[str, Any]:
    fields = [{k: f[k] for k in _STRUCTURAL_FIELD_KEYS if k in f} for f in schema["fields"]]
    for field in fields:
        if "categories" in field:
            field["categories"] = [c["value"] if isinstance(c, dict) else c for c in field["categories"]]
    return {"fields": fields, **{k: schema[k] for k in _STRUCTURAL_SCHEMA_KEYS if k in schema}}


def schema_fingerprint(package: PackageDef) -> str:
    """Changes exactly when a field, type, constraint, key or category of any resource changes."""
    return _digest({r.name: _structure(r.schema) for r in package.resources})


def metadata_fingerprint(package: PackageDef, *, base_url: str, templates: dict[str, str]) -> str:
    """Everything besides the rows that shapes a release's files: texts, full schemas, templates, the
    public base URL and the writers' format version."""
    return _digest(
        {
            "format": FORMAT_VERSION,
            "package": [package.name, package.title, package.description, list(package.keywords)],
            "resources": [[r.name, r.title, r.description, r.schema] for r in package.resources],
            "licenses": LICENSES,
            "contributors": CONTRIBUTORS,
            "sources": SOURCES,
            "base_url": base_url,
            "templates": templates,
        }
    )
