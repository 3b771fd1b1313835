"""The DCAT-AP catalogue (JSON-LD) of both datasets, for open-data portals to harvest.

Each dataset's distributions are the files of its latest release at their versioned, immutable URLs, so a
harvested checksum stays true for as long as the URL does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from opendata import layout
from opendata.packages import CONTRIBUTORS, LICENSES, PackageDef

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}
_FILE_TYPES = {
    "text/csv": "CSV",
    "application/json": "JSON",
    "application/zip": "ZIP",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
}
# The files a portal lists; deltas only make sense next to the release they apply to.
CATALOGUED_ROLES = ("archive", "descriptor", "data", "excel")


def _text(zh: str, en: str) -> list[dict[str, str]]:
    return [{"@value": zh, "@language": "zh"}, {"@value": en, "@language": "en"}]


def _datetime(value: str) -> dict[str, str]:
    return {"@value": value, "@type": "xsd:dateTime"}


def _publisher() -> dict[str, Any]:
    return {"@type": "foaf:Agent", "foaf:name": CONTRIBUTORS[0]["title"]}


def distribution(base_url: str, package: str, version: str, created: str, file: dict[str, Any]) -> dict[str, Any]:
    url = layout.release_url(base_url, package, version) + file["path"]
    return {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": file["title"],
        "dcat:downloadURL": {"@id": url},
        "dcat:accessURL": {"@id": layout.dataset_url(base_url, package)},
        "dcat:mediaType": {"@id": f"http://www.iana.org/assignments/media-types/{file['mediatype']}"},
        "dct:format": {
            "@id": f"http://publications.europa.eu/resource/authority/file-type/{_FILE_TYPES[file['mediatype']]}"
        },
        "dcat:byteSize": {"@value": str(file["bytes"]), "@type": "xsd:nonNegativeInteger"},
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
            "spdx:checksumValue": {"@value": file["hash"].removeprefix("sha256:"), "@type": "xsd:hexBinary"},
        },
        "dct:modified": _datetime(created),
        "dct:license": {"@id": LICENSES[0]["path"]},
    }


def dataset(base_url: str, package: PackageDef, history: dict[str, Any]) -> dict[str, Any]:
    latest = history["releases"][0]
    first = history["releases"][-1]
    files = [f for f in latest["files"] if f["role"] in CATALOGUED_ROLES]
    return {
        "@id": layout.dataset_url(base_url, package.name),
        "@type": "dcat:Dataset",
        "dct:identifier": package.id,
        "dct:title": _text(package.title_zh, package.title_en),
        "dct:description": _text(package.description_zh, package.description_en),
        "dcat:keyword": list(package.keywords),
        "owl:versionInfo": latest["version"],
        "dcat:version": latest["version"],
        "dct:issued": _datetime(first["created"]),
        "dct:modified": _datetime(latest["created"]),
        "dct:language": [
            {"@id": "http://publications.europa.eu/resource/authority/language/ZHO"},
            {"@id": "http://publications.europa.eu/resource/authority/language/ENG"},
        ],
        "dct:license": {"@id": LICENSES[0]["path"]},
        "dct:publisher": _publisher(),
        "dcat:landingPage": {"@id": layout.dataset_url(base_url, package.name)},
        "dct:conformsTo": {"@id": "https://datapackage.org/standard/data-package/"},
        "dcat:distribution": [
            distribution(base_url, package.name, latest["version"], latest["created"], f) for f in files
        ],
    }


def catalog(base_url: str, published: Sequence[tuple[PackageDef, dict[str, Any]]]) -> bytes:
    """``published`` pairs each package with its release history (``releases.json``), newest first."""
    modified = max((h["releases"][0]["created"] for _, h in published), default=None)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": f"{base_url}/{layout.CATALOG}",
        "@type": "dcat:Catalog",
        "dct:title": _text("集群注册地址开放数据", "Cluster-registration open data"),
        "dct:description": _text(
            "集群注册地址名录和公示公告的开放数据包。",
            "Open data packages of the approved cluster-registration addresses and the public notices.",
        ),
        "dct:publisher": _publisher(),
        "foaf:homepage": {"@id": f"{base_url}/"},
        "dct:license": {"@id": LICENSES[0]["path"]},
        "dcat:dataset": [dataset(base_url, p, h) for p, h in published],
    }
    if modified is not None:
        document["dct:modified"] = _datetime(modified)
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
