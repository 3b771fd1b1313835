"""Releases over time: the delta of each release turns the previous release into it exactly, versions move
by SemVer (data minor, documentation patch, structure major), and published releases never change."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import frictionless
import pytest
from sqlalchemy import delete

from domain import commands
from domain.model import AddressKeyIndustry
from opendata import packages
from opendata.delta import UnsortedInput, key_function, merge, record_id
from opendata.writers import read_csv
from tests import factories
from tests.opendata_support import PACKAGE_NAMES, TODAY, build_registry, publish_to, read_rows


def _engine(sessionmaker: Any) -> Any:
    return sessionmaker.kw["bind"]


def _tree(path: Path) -> dict[str, str]:
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest() for p in path.rglob("*") if p.is_file()
    }


def apply_delta(old_csv: Path, delta_csv: Path, schema: dict[str, Any], versions: tuple[str, str]) -> bytes:
    """What a consumer does: apply the delta's rows to the previous release and write it out canonically."""
    names = [f["name"] for f in schema["fields"]]
    key = key_function(schema)
    rows = {key(r): r for r in read_csv(old_csv)}
    for change in read_rows(delta_csv):
        row = [change[n] for n in names]
        k = key(row)
        assert (change["from_version"], change["to_version"]) == versions
        assert change["record_id"] == record_id(k)
        if change["op"] == "delete":
            del rows[k]
        elif change["op"] == "insert":
            assert k not in rows
            rows[k] = row
        else:
            assert change["op"] == "update" and k in rows and rows[k] != row
            rows[k] = row
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(rows[k] for k in sorted(rows))
    return out.getvalue().encode("utf-8")


async def test_delta_applied_to_the_previous_release_gives_the_next(sessionmaker, uow, tmp_data_dir):
    registry = await build_registry(uow)
    engine = _engine(sessionmaker)
    await publish_to(engine, tmp_data_dir)
    first = {name: _tree(tmp_data_dir / name / "releases" / "1.0.0") for name in PACKAGE_NAMES}

    later = TODAY + dt.timedelta(days=3)
    other = await factories.agency(uow, name="北京兴创孵化器有限公司", kind="incubator")
    await factories.published_address(
        uow, other.id, address_text="北京市大兴区永兴路7号", key_industries=["hydrogen_energy"]
    )
    await factories.enterprise(uow, registry.published_id)
    async with uow(today=later) as u:
        await commands.suspend_address(u, registry.published_id, reason="整改中", expected_version=None)
        await u.commit()
    async with sessionmaker() as session:  # a correction made directly in the database
        await session.execute(
            delete(AddressKeyIndustry).where(
                AddressKeyIndustry.address_id == registry.published_id,
                AddressKeyIndustry.industry == "business_services",
            )
        )
        await session.commit()

    outcomes = await publish_to(engine, tmp_data_dir)
    assert {name: (o.version, o.change, o.previous) for name, o in outcomes.items()} == {
        "approved-addresses": ("1.1.0", "minor", "1.0.0"),
        "public-notices": ("1.1.0", "minor", "1.0.0"),
    }
    ops: dict[str, set[str]] = {}
    for package in packages.PACKAGES:
        assert _tree(tmp_data_dir / package.name / "releases" / "1.0.0") == first[package.name]  # immutable
        old, new = (tmp_data_dir / package.name / "releases" / v for v in ("1.0.0", "1.1.0"))
        assert (tmp_data_dir / package.name / "latest").resolve() == new.resolve()
        report = frictionless.validate(str(new / "datapackage.json"))
        assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
        for resource in package.resources:
            delta = new / "deltas" / f"{resource.name}.csv"
            applied = apply_delta(old / "data" / delta.name, delta, resource.schema, ("1.0.0", "1.1.0"))
            assert applied == (new / "data" / delta.name).read_bytes(), resource.name
            ops[resource.name] = {r["op"] for r in read_rows(delta)}
        history = json.loads((tmp_data_dir / package.name / "releases.json").read_text(encoding="utf-8"))
        assert [(r["version"], r["previousVersion"]) for r in history["releases"]] == [
            ("1.1.0", "1.0.0"),
            ("1.0.0", None),
        ]
        assert history["releases"][0]["cursor"] > history["releases"][1]["cursor"]
        changelog = (new / "CHANGELOG.md").read_text(encoding="utf-8")
        assert changelog.index("## 1.1.0") < changelog.index("## 1.0.0")
    assert ops == {
        "jurisdictions": set(),
        "agencies": {"insert"},
        "addresses": {"insert", "update"},
        "address_key_industries": {"delete", "insert"},
        "notices": {"insert"},
    }
    counts = json.loads((tmp_data_dir / "approved-addresses/releases.json").read_text())["releases"][0]["changes"]
    assert counts["addresses"] == {"insert": 1, "update": 1, "delete": 0}


def _patched_schemas(monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    """Stand in for an edit of the hand-written notices schema between two publishes."""
    original = packages.load_schema

    def load(name: str) -> dict[str, Any]:
        schema = copy.deepcopy(original(name))
        if name == "notices":
            change(schema)
        return schema

    monkeypatch.setattr(packages, "load_schema", load)


async def test_documentation_change_is_a_patch_and_structure_change_a_major(
    sessionmaker, uow, tmp_data_dir, monkeypatch
):
    await build_registry(uow)
    engine = _engine(sessionmaker)
    await publish_to(engine, tmp_data_dir)

    def retitle(schema: dict[str, Any]) -> None:
        schema["fields"][0]["description"] += " (clarified)"

    _patched_schemas(monkeypatch, retitle)
    outcomes = await publish_to(engine, tmp_data_dir)
    assert (outcomes["public-notices"].version, outcomes["public-notices"].change) == ("1.0.1", "patch")
    assert outcomes["approved-addresses"].change == "unchanged"
    patch = tmp_data_dir / "public-notices" / "releases" / "1.0.1"
    assert [r["op"] for r in read_rows(patch / "deltas" / "notices.csv")] == []

    def tighten(schema: dict[str, Any]) -> None:
        retitle(schema)
        schema["fields"][0]["constraints"]["maximum"] = 10_000_000

    _patched_schemas(monkeypatch, tighten)
    outcomes = await publish_to(engine, tmp_data_dir)
    assert (outcomes["public-notices"].version, outcomes["public-notices"].change) == ("2.0.0", "major")
    major = tmp_data_dir / "public-notices" / "releases" / "2.0.0"
    descriptor = json.loads((major / "datapackage.json").read_text(encoding="utf-8"))
    assert not any("jiqun:deltaOf" in r for r in descriptor["resources"])  # no delta across a structure change
    assert not (major / "deltas").exists()
    assert "reload in full" in (major / "CHANGELOG.md").read_text(encoding="utf-8")
    assert frictionless.validate(str(major / "datapackage.json")).valid


def _csv(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_merge_streams_two_sorted_files(tmp_path):
    schema = {
        "fields": [{"name": "a", "type": "string"}, {"name": "n", "type": "integer"}, {"name": "v", "type": "string"}],
        "primaryKey": ["a", "n"],
    }
    old = _csv(tmp_path / "old.csv", "a,n,v", "x,2,keep", "x,10,old", "y,1,gone")
    new = _csv(tmp_path / "new.csv", "a,n,v", "x,2,keep", "x,3,born", "x,10,new", "z,1,late")
    assert [(op, record_id(k), row[2]) for op, k, row in merge(old, new, schema)] == [
        ("insert", "x/3", "born"),
        ("update", "x/10", "new"),  # integer keys order numerically: 3 < 10
        ("delete", "y/1", "gone"),
        ("insert", "z/1", "late"),
    ]
    unsorted = _csv(tmp_path / "bad.csv", "a,n,v", "x,10,a", "x,2,b")
    with pytest.raises(UnsortedInput):
        list(merge(old, unsorted, schema))
