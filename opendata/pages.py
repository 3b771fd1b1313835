"""Landing pages (the catalogue page and one page per dataset) and each release's README, rendered from
Jinja templates. Pages carry schema.org ``Dataset`` JSON-LD so search engines index the datasets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from opendata import layout
from opendata.packages import CONTRIBUTORS, LICENSES, PackageDef

TEMPLATES = ("dataset.html", "index.html", "README.md")
COVERAGE = "北京市大兴区、通州区；江苏省无锡市 / Daxing and Tongzhou districts, Beijing; Wuxi, Jiangsu"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("opendata", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def template_texts() -> dict[str, str]:
    """The templates' sources, part of the metadata fingerprint: a changed page layout is a patch release."""
    folder = resources.files("opendata.templates")
    return {name: folder.joinpath(name).read_text(encoding="utf-8") for name in TEMPLATES}


def _json_ld(document: dict[str, Any]) -> Markup:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return Markup(text.replace("</", "<\\/"))  # nothing in the data can close the script element


def _file_url(base_url: str, package: str, release: dict[str, Any], file: dict[str, Any]) -> str:
    return layout.release_url(base_url, package, release["version"]) + file["path"]


def _release_href(release: dict[str, Any]) -> str:
    """A release folder relative to the dataset page (``<package>/``), so the page's links work on whatever
    host, port or proxy prefix serves it; only the JSON-LD carries absolute IRIs (``public_base_url``)."""
    return f"{layout.RELEASES}/{release['version']}/"


def schema_org_dataset(base_url: str, package: PackageDef, history: dict[str, Any]) -> dict[str, Any]:
    latest, first = history["releases"][0], history["releases"][-1]
    url = layout.dataset_url(base_url, package.name)
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": url,
        "name": package.title,
        "alternateName": [package.title_zh, package.title_en],
        "description": package.description,
        "url": url,
        "identifier": package.id,
        "version": latest["version"],
        "datePublished": first["created"],
        "dateModified": latest["created"],
        "inLanguage": ["zh", "en"],
        "keywords": list(package.keywords),
        "license": LICENSES[0]["path"],
        "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "name": CONTRIBUTORS[0]["title"]},
        "publisher": {"@type": "Organization", "name": CONTRIBUTORS[0]["title"]},
        "spatialCoverage": COVERAGE,
        "distribution": [
            {
                "@type": "DataDownload",
                "name": f["title"],
                "encodingFormat": f["mediatype"],
                "contentUrl": _file_url(base_url, package.name, latest, f),
                "contentSize": str(f["bytes"]),
                "sha256": f["hash"].removeprefix("sha256:"),
            }
            for f in latest["files"]
            if f["role"] in ("archive", "data", "excel")
        ],
    }


def _dictionary(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in descriptor["resources"] if "jiqun:deltaOf" not in r]


def dataset_page(base_url: str, package: PackageDef, descriptor: dict[str, Any], history: dict[str, Any]) -> bytes:
    latest = history["releases"][0]
    html = (
        _environment()
        .get_template("dataset.html")
        .render(
            package=package,
            descriptor=descriptor,
            history=history,
            latest=latest,
            resources=_dictionary(descriptor),
            downloads=[(f, _release_href(latest) + f["path"]) for f in latest["files"]],
            release_url=_release_href,
            catalog_url="../",
            license=LICENSES[0],
            json_ld=_json_ld(schema_org_dataset(base_url, package, history)),
        )
    )
    return html.encode("utf-8")


def index_page(base_url: str, published: Sequence[tuple[PackageDef, dict[str, Any]]]) -> bytes:
    catalog_ld = {
        "@context": "https://schema.org/",
        "@type": "DataCatalog",
        "@id": f"{base_url}/",
        "name": "集群注册地址开放数据 / Cluster-registration open data",
        "url": f"{base_url}/",
        "inLanguage": ["zh", "en"],
        "license": LICENSES[0]["path"],
        "dataset": [schema_org_dataset(base_url, p, h) for p, h in published],
    }
    html = (
        _environment()
        .get_template("index.html")
        .render(
            published=[(p, h["releases"][0], f"{p.name}/") for p, h in published],
            catalog_url=layout.CATALOG,
            license=LICENSES[0],
            json_ld=_json_ld(catalog_ld),
        )
    )
    return html.encode("utf-8")


def readme(package: PackageDef, descriptor: dict[str, Any], release: dict[str, Any], base_url: str) -> bytes:
    text = (
        _environment()
        .get_template("README.md")
        .render(
            package=package,
            descriptor=descriptor,
            release=release,
            resources=_dictionary(descriptor),
            dataset_url=layout.dataset_url(base_url, package.name),
            license=LICENSES[0],
        )
    )
    return text.encode("utf-8")
