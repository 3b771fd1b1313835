"""The DCAT-AP 3.0.1 catalogue checked with pySHACL against the official shapes: the mandatory and
recommended shapes (``shapes.ttl``, ``shapes_recommended.ttl``), the range shapes (``range.ttl``) and the
controlled-vocabulary shapes (``mdr-vocabularies.shape.ttl``), read from
``../shared/standards/dcat-ap-3.0.1/`` beside the clone."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import Graph, Namespace

from domain import commands
from tests.opendata_support import PACKAGE_NAMES, build_registry, publish_to

SHAPES_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "standards" / "dcat-ap-3.0.1"
SHAPE_FILES = ("shapes.ttl", "range.ttl", "mdr-vocabularies.shape.ttl", "shapes_recommended.ttl")
PUBLISHER_NOT_EU = (
    "http://purl.org/dc/terms/publisher: Value must conform to every Shape in ('default2:CorporateBodyRestriction'"
)
SH = Namespace("http://www.w3.org/ns/shacl#")

pytestmark = pytest.mark.skipif(not SHAPES_DIR.is_dir(), reason=f"DCAT-AP shapes not found at {SHAPES_DIR}")


def _shapes() -> Graph:
    shapes = Graph()
    for name in SHAPE_FILES:
        shapes.parse(SHAPES_DIR / name, format="turtle")
    return shapes


def findings(catalog: bytes) -> dict[str, list[str]]:
    """Each severity's top-level findings as ``path: message`` lines (nested ``sh:detail`` results explain
    a top-level one and are not counted again)."""
    data = Graph().parse(data=catalog, format="json-ld")
    _, report, _ = validate(data, shacl_graph=_shapes(), inference="none", allow_warnings=True)
    assert isinstance(report, Graph)
    out: dict[str, list[str]] = {"Violation": [], "Warning": [], "Info": []}
    for result in report.objects(None, SH.result):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        line = f"{report.value(result, SH.resultPath)}: {report.value(result, SH.resultMessage)}"
        out.setdefault(severity, []).append(line)
    return out


async def test_every_catalogue_passes_dcat_ap_with_no_violation_or_warning(sessionmaker, uow, tmp_data_dir):
    """The first catalogue and the one after a change (a suspended address adds a notice) both pass."""
    registry = await build_registry(uow)
    engine = sessionmaker.kw["bind"]
    catalogues = []
    await publish_to(engine, tmp_data_dir)
    catalogues.append((tmp_data_dir / "catalog.jsonld").read_bytes())
    async with uow() as u:
        await commands.suspend_address(u, registry.published_id, reason="整改中", expected_version=None)
        await u.commit()
    await publish_to(engine, tmp_data_dir)
    catalogues.append((tmp_data_dir / "catalog.jsonld").read_bytes())
    assert catalogues[0] != catalogues[1]
    for catalog in catalogues:
        found = findings(catalog)
        assert found["Violation"] == [], "\n".join(sorted(found["Violation"]))
        # The one warning left: the publisher is not in the EU corporate-body vocabulary (it cannot be).
        assert found["Warning"] and not [w for w in found["Warning"] if not w.startswith(PUBLISHER_NOT_EU)], "\n".join(
            sorted(found["Warning"])
        )
        assert len(found["Warning"]) == 1 + len(PACKAGE_NAMES)
