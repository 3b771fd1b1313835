"""The published packages: valid Frictionless Data Packages v2 (checked by the real validator, foreign keys
included), the right rows, the descriptor's metadata, and byte-identical files for the same state."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import frictionless
import openpyxl
import pytest
from sqlalchemy import func, select

from domain import commands
from domain.enums import AddressStatus, AgencyKind, AgencyRole, AgencyStatus, NoticeKind, NoticeStatus
from domain.feed import decode_cursor
from domain.ids import to_global_id
from domain.key_industries import KEY_INDUSTRIES
from domain.model import ChangeLogEntry
from opendata.packages import PACKAGES, PROFILE, load_schema, schema_fingerprint
from opendata.rows import snapshot, stream_rows
from opendata.writers import format_cell
from tests import factories
from tests.opendata_support import BASE_URL, PACKAGE_NAMES, build_registry, publish_to, read_rows, run_cli


def _engine(sessionmaker: Any) -> Any:
    return sessionmaker.kw["bind"]


def _descriptor(out: Path, package: str) -> dict[str, Any]:
    return json.loads((out / package / "latest" / "datapackage.json").read_text(encoding="utf-8"))


def _values(category: Any) -> Any:
    return category["value"] if isinstance(category, dict) else category


def check_categories(package_dir: Path) -> list[str]:
    """What the validator ignores: every enumerated field has Table Schema v2 ``categories`` equal to its
    enum, and every value in the data is one of them."""
    problems = []
    descriptor = json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        rows = read_rows(package_dir / resource["path"])
        for field in resource["schema"]["fields"]:
            enum = field.get("constraints", {}).get("enum")
            categories = [_values(c) for c in field.get("categories", [])]
            if enum is not None and sorted(enum) != sorted(categories):
                problems.append(f"{resource['name']}.{field['name']}: categories {categories} != enum {enum}")
            if categories:
                stray = {r[field["name"]] for r in rows} - set(categories) - {""}
                if stray:
                    problems.append(f"{resource['name']}.{field['name']}: values {stray} are not categories")
    return problems


async def test_packages_are_valid_and_show_every_case(sessionmaker, uow, tmp_data_dir):
    registry = await build_registry(uow)
    outcomes = await publish_to(_engine(sessionmaker), tmp_data_dir)
    assert {o.version for o in outcomes.values()} == {"1.0.0"}

    for name in PACKAGE_NAMES:
        report = frictionless.validate(str(tmp_data_dir / name / "latest" / "datapackage.json"))
        assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
        assert check_categories(tmp_data_dir / name / "latest") == []

    latest = tmp_data_dir / "approved-addresses" / "latest" / "data"
    addresses = {r["id"]: r for r in read_rows(latest / "addresses.csv")}
    status = {gid: r["status"] for gid, r in addresses.items()}
    assert status == {
        to_global_id("Address", registry.published_id): AddressStatus.PUBLISHED,
        to_global_id("Address", registry.suspended_id): AddressStatus.SUSPENDED,
        to_global_id("Address", registry.exited_id): AddressStatus.EXITED,
        to_global_id("Address", registry.cancelled_id): AddressStatus.CANCELLED,
    }  # the filed but never published address is absent
    published = addresses[to_global_id("Address", registry.published_id)]
    assert (published["occupied"], published["free_places"], published["location"]) == ("1", "2", "116.3411,39.7265")
    assert addresses[to_global_id("Address", registry.exited_id)]["location"] == ""
    for closed in (registry.suspended_id, registry.exited_id, registry.cancelled_id):
        assert addresses[to_global_id("Address", closed)]["free_places"] == "0"  # no registration possible
    agencies = read_rows(latest / "agencies.csv")
    assert [a["id"] for a in agencies] == [to_global_id("Agency", registry.agency_id)]  # not the idle agency
    industries = read_rows(latest / "address_key_industries.csv")
    assert [(r["address_code"], r["industry"]) for r in industries if r["address_code"] == published["code"]] == [
        (published["code"], "business_services"),
        (published["code"], "digital_economy"),
    ]

    notices = {r["notice_no"]: r for r in read_rows(tmp_data_dir / "public-notices/latest/data/notices.csv")}
    withdrawn = notices[str(registry.withdrawn_notice_id)]
    assert (withdrawn["status"], withdrawn["withdrawn_on"], withdrawn["withdrawal_reason"]) == (
        "withdrawn",
        "2026-03-02",
        "检查结论需复核",
    )
    kinds = {r["kind"] for r in notices.values()}
    assert {"address_published", "address_suspended", "address_exit", "address_exited", "supervision"} <= kinds
    exit_notice = next(r for r in notices.values() if r["kind"] == "address_exit")
    assert (exit_notice["subject_kind"], exit_notice["subject_code"]) == (
        "Address",
        addresses[to_global_id("Address", registry.exited_id)]["code"],
    )
    assert exit_notice["deadline_on"] == "2026-04-11"


async def test_descriptor_carries_metadata_cursor_and_file_facts(sessionmaker, uow, tmp_data_dir):
    await build_registry(uow)
    await publish_to(_engine(sessionmaker), tmp_data_dir)
    async with sessionmaker() as session:
        last = (await session.execute(select(ChangeLogEntry).order_by(ChangeLogEntry.seq.desc()).limit(1))).scalar_one()

    for package in PACKAGES:
        release = tmp_data_dir / package.name / "latest"
        d = _descriptor(tmp_data_dir, package.name)
        assert d["$schema"] == PROFILE
        assert (d["name"], d["id"], d["version"]) == (package.name, package.id, "1.0.0")
        assert d["jiqun:cursor"] == last.seq
        assert decode_cursor(d["jiqun:feedCursor"]) == last.seq  # what the change feed takes as `after`
        assert d["created"] == format_cell(last.occurred_at)  # the data's last change, not the wall clock
        assert d["licenses"][0]["name"] == "CC-BY-4.0" and d["sources"] and d["contributors"]
        assert " / " in d["title"] and "\n\n" in d["description"]  # Chinese and English
        assert d["jiqun:schemaFingerprint"] == schema_fingerprint(package)
        sums = dict(line.split("  ")[::-1] for line in (release / "SHA256SUMS").read_text().splitlines())
        for resource in d["resources"]:
            data = (release / resource["path"]).read_bytes()
            assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data
            assert resource["bytes"] == len(data)
            assert resource["hash"] == "sha256:" + sums[resource["path"]]
            assert resource["rows"] == len(read_rows(release / resource["path"]))
            assert resource["schema"]["primaryKey"]
        history = json.loads((tmp_data_dir / package.name / "releases.json").read_text(encoding="utf-8"))
        assert history["latest"] == "1.0.0" and history["releases"][0]["cursor"] == last.seq
        listed = {f["path"]: f["hash"] for f in history["releases"][0]["files"]}
        assert {p: "sha256:" + h for p, h in sums.items()}.items() <= listed.items()
        with zipfile.ZipFile(release / f"{package.name}-1.0.0.zip") as archive:
            assert archive.read("datapackage.json") == (release / "datapackage.json").read_bytes()
            assert {f"data/{r.name}.csv" for r in package.resources} <= set(archive.namelist())


async def test_excel_copies_keep_codes_as_text(sessionmaker, uow, tmp_data_dir):
    await build_registry(uow)
    await publish_to(_engine(sessionmaker), tmp_data_dir)
    release = tmp_data_dir / "approved-addresses" / "latest"
    sheet = openpyxl.load_workbook(release / "excel" / "agencies.xlsx", read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert [list(r) for r in rows[1:]] == [
        [int(v) if k == "latest_grade_year" and v else (v or None) for k, v in row.items()]
        for row in read_rows(release / "data" / "agencies.csv")
    ]
    codes = openpyxl.load_workbook(release / "excel" / "jurisdictions.xlsx").worksheets[0]
    assert codes["A2"].data_type == "s" and codes["A2"].value == "110000"  # a text cell, not the number 110000
    addresses = openpyxl.load_workbook(release / "excel" / "addresses.xlsx").worksheets[0]
    header = [c.value for c in addresses[1]]
    assert addresses.cell(2, header.index("capacity") + 1).data_type == "n"


async def test_rows_and_cursor_come_from_one_snapshot(sessionmaker, uow):
    agency = await factories.agency(uow)
    address = await factories.published_address(uow, agency.id)
    async with snapshot(_engine(sessionmaker)) as (conn, snap):
        async with uow() as u:  # a writer commits after the cursor was read
            await commands.suspend_address(u, address.id, reason="整改中", expected_version=None)
            await u.commit()
        rows = [row async for row in stream_rows(conn, "addresses")]
    assert [r["status"] for r in rows] == ["published"]  # the rows the cursor describes, not the newer ones
    async with sessionmaker() as session:
        assert (await session.execute(select(func.max(ChangeLogEntry.seq)))).scalar_one() > snap.cursor


async def test_same_state_gives_byte_identical_files_and_no_new_version(sessionmaker, uow, tmp_path, database_url):
    await build_registry(uow)
    engine = _engine(sessionmaker)
    first, second = tmp_path / "a", tmp_path / "b"
    await publish_to(engine, first)
    process = run_cli(["publish", "--out", str(second), "--base-url", BASE_URL], database_url, tmp_path / "unused")
    stdout, stderr = process.communicate(timeout=120)  # another process, another hash seed: the same bytes
    assert process.returncode == 0, stdout + stderr
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file() and p.name != ".publish.lock")
    assert files and files == sorted(
        p.relative_to(second) for p in second.rglob("*") if p.is_file() and p.name != ".publish.lock"
    )
    for path in files:
        assert (first / path).read_bytes() == (second / path).read_bytes(), path

    again = await publish_to(engine, first)
    assert {o.change for o in again.values()} == {"unchanged"}
    for name in PACKAGE_NAMES:
        assert [p.name for p in (first / name / "releases").iterdir()] == ["1.0.0"]
        assert not [p for p in (first / name).iterdir() if p.name.startswith(".")]


async def test_frictionless_command_line_validates_a_release_and_catches_a_broken_foreign_key(
    sessionmaker, uow, tmp_path
):
    await build_registry(uow)
    await publish_to(_engine(sessionmaker), tmp_path / "out")
    release = (tmp_path / "out" / "approved-addresses" / "latest").resolve()
    frictionless_cli = str(Path(sys.executable).with_name("frictionless"))
    ok = subprocess.run([frictionless_cli, "validate", "datapackage.json"], cwd=release, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    # The same package with one address pointing at an agency that is not in it must fail on its foreign key.
    broken = tmp_path / "broken"
    shutil.copytree(release, broken)
    csv_path = broken / "data" / "addresses.csv"
    rows = csv_path.read_text(encoding="utf-8").split("\n")
    first = rows[1].split(",")
    first[3] = "91110115999999999Y"
    rows[1] = ",".join(first)
    csv_path.write_text("\n".join(rows), encoding="utf-8")
    descriptor = json.loads((broken / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == "addresses":
            del resource["bytes"], resource["hash"]
    (broken / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    report = frictionless.validate(str(broken / "datapackage.json"))
    assert not report.valid
    assert {"foreign-key"} == {e.type for task in report.tasks for e in task.errors}
    failed = subprocess.run([frictionless_cli, "validate", "datapackage.json"], cwd=broken, capture_output=True)
    assert failed.returncode != 0


@pytest.mark.parametrize(
    ("resource", "field", "values"),
    [
        ("agencies", "role", {e.value for e in AgencyRole}),
        ("agencies", "kind", {e.value for e in AgencyKind}),
        ("agencies", "status", {e.value for e in AgencyStatus}),
        ("addresses", "status", {e.value for e in AddressStatus} - {"applied", "filed"}),
        ("address_key_industries", "industry", set(KEY_INDUSTRIES)),
        ("notices", "kind", {e.value for e in NoticeKind}),
        ("notices", "status", {e.value for e in NoticeStatus}),
    ],
)
def test_hand_written_categories_follow_the_domain(resource, field, values):
    spec = next(f for f in load_schema(resource)["fields"] if f["name"] == field)
    assert {_values(c) for c in spec["categories"]} == values == set(spec["constraints"]["enum"])
    assert all(" / " in c["label"] for c in spec["categories"])  # Chinese and English labels


def test_every_field_is_documented_in_both_languages():
    for package in PACKAGES:
        for resource in package.resources:
            for field in resource.schema["fields"]:
                assert " / " in field["title"] and " / " in field["description"], (resource.name, field["name"])
    location = next(f for f in load_schema("addresses")["fields"] if f["name"] == "location")
    assert location["type"] == "geopoint" and "WGS-84" in location["description"]
