"""No personal data in any published file (invariant 4, docs/architecture.md): the registry's personal fields never
appear, and a release that would carry an identity or phone number is refused with ``latest`` untouched."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from domain.model import AgencyPersonal, EnterprisePersonal
from domain.privacy import find_personal_data
from opendata.guard import PERSONAL_FIELDS, ReleaseRefused
from tests.opendata_support import (
    PERSON_ID,
    PERSON_NAME,
    PERSON_PHONE,
    build_registry,
    directory_state,
    publish_to,
    reader_state,
    run_cli,
)

_DIGEST = re.compile(r"[0-9a-f]{64}")


def _engine(sessionmaker: Any) -> Any:
    return sessionmaker.kw["bind"]


def _texts(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """Every text inside a published file, opening archives and workbooks."""
    if name.endswith((".zip", ".xlsx")):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for entry in archive.namelist():
                yield from _texts(f"{name}!{entry}", archive.read(entry))
    else:
        yield name, data.decode("utf-8")


def published_texts(out: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(out.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.name != ".publish.lock":
            yield from _texts(str(path.relative_to(out)), path.read_bytes())


async def test_no_personal_data_in_any_published_file(sessionmaker, uow, tmp_data_dir):
    await build_registry(uow)
    async with sessionmaker() as session:  # the registry does hold personal data
        assert (await session.execute(select(AgencyPersonal.legal_representative_id_number))).scalar() == PERSON_ID
        assert (await session.execute(select(EnterprisePersonal.contact_phone))).scalar() == PERSON_PHONE
    await publish_to(_engine(sessionmaker), tmp_data_dir)

    scanned = 0
    for name, content in published_texts(tmp_data_dir):
        scanned += 1
        assert list(find_personal_data(_DIGEST.sub(" ", content))) == [], name
        assert PERSON_NAME not in content, name
        if name.endswith(".csv"):
            assert not PERSONAL_FIELDS & set(content.split("\n", 1)[0].split(",")), name
    assert scanned > 40  # every CSV, workbook part, archive entry, descriptor, page and catalogue
    assert list(find_personal_data(f"{PERSON_ID} {PERSON_PHONE}"))  # the scan does recognise them


@pytest.mark.parametrize(
    ("statement", "where"),
    [
        (f"UPDATE addresses SET address_text = address_text || '，法定代表人身份证 {PERSON_ID}'", "addresses["),
        (f"UPDATE notices SET body = body || '联系电话：{PERSON_PHONE}' WHERE id = 1", "notices[1].body"),
        ("UPDATE agencies SET name = name || '（电话 010-87654321）'", "agencies["),
    ],
)
async def test_release_with_planted_personal_data_is_refused(sessionmaker, uow, tmp_data_dir, statement, where):
    await build_registry(uow)
    engine = _engine(sessionmaker)
    await publish_to(engine, tmp_data_dir)
    before = reader_state(tmp_data_dir), directory_state(tmp_data_dir)
    async with sessionmaker() as session:
        await session.execute(text(statement))
        await session.commit()

    with pytest.raises(ReleaseRefused) as refused:
        await publish_to(engine, tmp_data_dir)
    assert where in str(refused.value) and "personal data" in str(refused.value)
    assert PERSON_ID not in str(refused.value) and PERSON_PHONE not in str(refused.value)
    assert (reader_state(tmp_data_dir), directory_state(tmp_data_dir)) == before


async def test_command_line_refuses_and_keeps_the_previous_release(sessionmaker, uow, tmp_data_dir, database_url):
    await build_registry(uow)
    await publish_to(_engine(sessionmaker), tmp_data_dir)
    before = reader_state(tmp_data_dir), directory_state(tmp_data_dir)
    async with sessionmaker() as session:
        await session.execute(text(f"UPDATE notices SET title_en = title_en || ' tel {PERSON_PHONE}'"))
        await session.commit()
    process = run_cli(["publish", "--base-url", "http://opendata.test/opendata"], database_url, tmp_data_dir)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stdout + stderr
    assert "nothing published" in stderr and "personal data" in stderr and PERSON_PHONE not in stderr
    assert (reader_state(tmp_data_dir), directory_state(tmp_data_dir)) == before
