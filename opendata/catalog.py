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
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcatap": "http://data.europa.eu/r5r/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}
# DCAT-AP's checksum-algorithm shape asks for an https IRI of the SPDX terms and the class spdx:ChecksumAlgorithm.
SHA256 = "https://spdx.org/rdf/terms#checksumAlgorithm_sha256"
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


def _typed(iri: str, *types: str) -> dict[str, Any]:
    """A value object with its class, as DCAT-AP's range shapes require of every IRI-valued property."""
    return {"@id": iri, "@type": list(types) if len(types) > 1 else types[0]}


def _concept(scheme: str, code: str, label: Any, *types: str) -> dict[str, Any]:
    """A term of an EU controlled vocabulary, typed, labelled and placed in its scheme as the vocabulary
    shapes ask."""
    base = f"http://publications.europa.eu/resource/authority/{scheme}"
    return {
        "@id": f"{base}/{code}",
        "@type": [*types, "skos:Concept"],
        "skos:inScheme": {"@id": base},
        "skos:prefLabel": label,
    }


def _license() -> dict[str, Any]:
    return {
        **_typed(LICENSES[0]["path"], "dct:LicenseDocument"),
        "dct:type": {
            "@id": "http://purl.org/adms/licencetype/Attribution",
            "@type": "skos:Concept",
            "skos:prefLabel": _text("署名", "Attribution"),
            "skos:inScheme": {
                "@id": "http://purl.org/adms/licencetype/1.0",
                "@type": "skos:ConceptScheme",
                "dct:title": _text("许可类型", "Licence type"),
            },
        },
    }


def _languages() -> list[dict[str, Any]]:
    return [
        _concept("language", "ZHO", _text("中文", "Chinese"), "dct:LinguisticSystem"),
        _concept("language", "ENG", _text("英语", "English"), "dct:LinguisticSystem"),
    ]


def _publisher(base_url: str) -> dict[str, Any]:
    """Named by an IRI on the site, as DCAT-AP asks; a Chinese authority has no entry in the EU
    corporate-body vocabulary, so the vocabulary shape's warning about that remains by nature."""
    return {
        "@id": f"{base_url}/#publisher",
        "@type": "foaf:Agent",
        "foaf:name": CONTRIBUTORS[0]["title"],
        "dct:type": {
            "@id": "http://purl.org/adms/publishertype/LocalAuthority",
            "@type": "skos:Concept",
            "skos:inScheme": {
                "@id": "http://purl.org/adms/publishertype/1.0",
                "@type": "skos:ConceptScheme",
                "dct:title": _text("发布者类型", "Publisher type"),
            },
            "skos:prefLabel": _text("地方主管部门", "Local authority"),
        },
    }


# The cities holding the covered districts, as GeoNames places, with approximate WGS-84 bounding boxes
# (west, south, east, north) and city-centre points, enough for a portal's map search.
_PLACES = (
    ("https://sws.geonames.org/1816670/", "北京市", "Beijing", (115.42, 39.44, 117.51, 41.06), (116.40, 39.90)),
    ("https://sws.geonames.org/1790923/", "无锡市", "Wuxi", (119.53, 31.12, 120.64, 32.04), (120.30, 31.57)),
)
_WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"


def _spatial() -> list[dict[str, Any]]:
    places = []
    for iri, zh, en, (w, s, e, n), (x, y) in _PLACES:
        box = f"POLYGON(({w} {s},{e} {s},{e} {n},{w} {n},{w} {s}))"
        places.append(
            {
                "@id": iri,
                "@type": "dct:Location",
                "skos:prefLabel": _text(zh, en),
                "dcat:bbox": {"@value": box, "@type": _WKT},
                "dcat:centroid": {"@value": f"POINT({x} {y})", "@type": _WKT},
            }
        )
    return places


def _contact(base_url: str) -> dict[str, Any]:
    return {
        "@type": ["vcard:Kind", "vcard:Organization"],
        "vcard:fn": CONTRIBUTORS[0]["title"],
        "vcard:hasURL": {"@id": f"{base_url}/"},
    }


def distribution(base_url: str, package: str, version: str, created: str, file: dict[str, Any]) -> dict[str, Any]:
    url = layout.release_url(base_url, package, version) + file["path"]
    code = _FILE_TYPES[file["mediatype"]]
    return {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": file["title"],
        "dcat:downloadURL": {"@id": url},
        "dcat:accessURL": {"@id": layout.dataset_url(base_url, package)},
        "dcat:mediaType": _typed(f"http://www.iana.org/assignments/media-types/{file['mediatype']}", "dct:MediaType"),
        "dct:format": _concept("file-type", code, code, "dct:MediaTypeOrExtent"),
        "dcat:byteSize": {"@value": str(file["bytes"]), "@type": "xsd:nonNegativeInteger"},
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": _typed(SHA256, "spdx:ChecksumAlgorithm"),
            "spdx:checksumValue": {"@value": file["hash"].removeprefix("sha256:"), "@type": "xsd:hexBinary"},
        },
        "dct:modified": _datetime(created),
        "dct:license": _license(),
        "dct:description": _text(f"{file['title']}，{version} 版", f"{file['title']}, release {version}"),
        # Versioned release URLs are never removed or changed.
        "dcatap:availability": _concept("planned-availability", "STABLE", _text("稳定", "Stable")),
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
        "dct:language": _languages(),
        "dct:license": _license(),
        "dct:publisher": _publisher(base_url),
        "dcat:landingPage": _typed(layout.dataset_url(base_url, package.name), "foaf:Document"),
        "dct:conformsTo": _typed("https://datapackage.org/standard/data-package/", "dct:Standard"),
        "dcat:contactPoint": _contact(base_url),
        "dcat:theme": _concept("data-theme", "GOVE", _text("政府和公共部门", "Government and public sector")),
        "dct:spatial": _spatial(),
        # From the first release to the state the latest release shows.
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": _datetime(first["created"]),
            "dcat:endDate": _datetime(latest["created"]),
        },
        "dcat:distribution": [
            distribution(base_url, package.name, latest["version"], latest["created"], f) for f in files
        ],
    }


def catalog(base_url: str, published: Sequence[tuple[PackageDef, dict[str, Any]]]) -> bytes:
    """``published`` pairs each package with its release history (``releases.json``), newest first."""
    modified = max((h["releases"][0]["created"] for _, h in published), default=None)
    issued = min((h["releases"][-1]["created"] for _, h in published), default=None)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": f"{base_url}/{layout.CATALOG}",
        "@type": "dcat:Catalog",
        "dct:title": _text("集群注册地址开放数据", "Cluster-registration open data"),
        "dct:description": _text(
            "集群注册地址名录和公示公告的开放数据包。",
            "Open data packages of the approved cluster-registration addresses and the public notices.",
        ),
        "dct:publisher": _publisher(base_url),
        "dct:language": _languages(),
        "dct:spatial": _spatial(),
        "foaf:homepage": _typed(f"{base_url}/", "foaf:Document"),
        "dct:license": _license(),
        "dcat:themeTaxonomy": {
            "@id": "http://publications.europa.eu/resource/authority/data-theme",
            "@type": "skos:ConceptScheme",
            "dct:title": _text("数据主题", "Data theme"),
        },
        "dcat:dataset": [dataset(base_url, p, h) for p, h in published],
    }
    if modified is not None:
        document["dct:modified"] = _datetime(modified)
    if issued is not None:
        document["dct:issued"] = _datetime(issued)
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
