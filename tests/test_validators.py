"""The validators accept real identifiers and refuse malformed ones with a bilingual, field-named error."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.industries import DIVISIONS
from domain.validators import (
    USCC_ALPHABET,
    uscc_check_character,
    validate_coordinates,
    validate_date_order,
    validate_division_code,
    validate_id_number,
    validate_industry_code,
    validate_phone,
    validate_positive,
    validate_text,
    validate_uscc,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def refused(fn, *args, field: str, **kwargs) -> InvalidInput:  # type: ignore[no-untyped-def]
    """Call a validator that must refuse; check the error is bilingual and names ``field``."""
    with pytest.raises(InvalidInput) as info:
        fn(*args, **kwargs)
    error = info.value
    assert error.code == "INVALID_INPUT"
    assert error.field == field
    assert re.search(r"\b[a-z]{2,} [a-z]{2,}\b", error.message_en), error.message_en
    assert CJK.search(error.message_zh) and error.message_zh != error.message_en, error.message_zh
    return error


# --- 统一社会信用代码 (GB 32100-2015) -------------------------------------------------------------

# Codes published on national enterprise credit records.
REAL_USCCS = ["91350100M000100Y43", "91110000600037341L", "91110108551385082Q", "91440300708461136T"]


@pytest.mark.parametrize("code", REAL_USCCS)
def test_real_usccs_pass(code: str) -> None:
    assert validate_uscc(code) == code
    assert uscc_check_character(code[:17]) == code[17]


def test_uscc_is_normalised() -> None:
    assert validate_uscc("  91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize("code", REAL_USCCS)
def test_every_other_check_character_fails(code: str) -> None:
    for c in USCC_ALPHABET:
        if c != code[17]:
            error = refused(validate_uscc, code[:17] + c, field="uscc")
            assert "GB 32100-2015" in error.message_en and code[17] in error.message_en


@pytest.mark.parametrize("letter", list("IOSVZ"))
@pytest.mark.parametrize("position", [8, 12, 17])
def test_letters_outside_the_alphabet_fail(letter: str, position: int) -> None:
    code = "91350100M000100Y43"
    refused(validate_uscc, code[:position] + letter + code[position + 1 :], field="uscc")


@pytest.mark.parametrize("code", ["", "9135010", "91350100M000100Y4", "91350100M000100Y433", "91350100M000100Y4-"])
def test_wrong_length_or_characters_fail(code: str) -> None:
    refused(validate_uscc, code, "agencyUscc", field="agencyUscc")


@pytest.mark.parametrize("department", list("HJKLMPQRTUWX0"))
def test_unknown_registration_department_fails(department: str) -> None:
    first17 = f"{department}1350100M000100Y4"
    error = refused(validate_uscc, first17 + uscc_check_character(first17), field="uscc")
    assert "first character" in error.message_en


def test_division_code_inside_uscc_must_be_digits() -> None:
    first17 = "9135A100M000100Y4"
    error = refused(validate_uscc, first17 + uscc_check_character(first17), field="uscc")
    assert "3-8" in error.message_en


@given(
    department=st.sampled_from("159Y"),
    category=st.sampled_from("123"),
    area=st.from_regex(r"\A[1-8][0-9]{5}\Z"),
    organisation=st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)
def test_generated_codes_pass_with_their_check_character_only(
    department: str, category: str, area: str, organisation: str
) -> None:
    first17 = department + category + area + organisation
    check = uscc_check_character(first17)
    assert validate_uscc(first17 + check) == first17 + check
    wrong = USCC_ALPHABET[(USCC_ALPHABET.index(check) + 1) % 31]
    with pytest.raises(InvalidInput):
        validate_uscc(first17 + wrong)


# --- GB/T 2260 administrative divisions ---------------------------------------------------------


@pytest.mark.parametrize("code", ["110115", "110112", "320200", "320214", "820000", " 110000 "])
def test_division_codes_pass(code: str) -> None:
    assert validate_division_code(code) == code.strip()


@pytest.mark.parametrize("code", ["", "11011", "1101150", "11011A", "990000", "000000", "１１０１１５", "11０１１５"])
def test_malformed_division_codes_fail(code: str) -> None:
    refused(validate_division_code, code, field="jurisdictionCode")


# --- GB/T 4754-2017 industries ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits"),
    [("65", "65"), ("651", "651"), ("6510", "6510"), ("I6510", "6510"), ("i65", "65"), (" C3911 ", "3911")],
)
def test_industry_codes_pass(value: str, digits: str) -> None:
    assert validate_industry_code(value) == digits


@pytest.mark.parametrize(
    "value", ["", "6", "65100", "00", "98", "A6510", "I", "IA65", "6a10", "65１０", "中6510", "C-391"]
)
def test_malformed_industry_codes_fail(value: str) -> None:
    refused(validate_industry_code, value, field="industryCode")


def test_every_division_accepts_its_own_section_only() -> None:
    for code, division in DIVISIONS.items():
        assert validate_industry_code(division.section + code) == code
        other = "A" if division.section != "A" else "B"
        with pytest.raises(InvalidInput):
            validate_industry_code(other + code)


# --- texts, numbers, dates, coordinates ---------------------------------------------------------


def test_text_up_to_the_limit_passes_and_is_stripped() -> None:
    assert validate_text("  北京" + "市" * 8 + "\n", "name", max_length=10) == "北京" + "市" * 8
    assert validate_text("第一行\n第二行\t完", "body", max_length=20) == "第一行\n第二行\t完"
    assert validate_text("   ", "note", max_length=5, required=False) is None
    assert validate_text(None, "note", max_length=5, required=False) is None


def test_text_over_the_limit_fails_with_its_length() -> None:
    error = refused(validate_text, "集" * 11, "name", field="name", max_length=10)
    assert error.details == {"length": 11, "maxLength": 10}
    assert "11" in error.message_en and "10" in error.message_zh


@pytest.mark.parametrize("value", ["", "   ", None])
def test_required_text_fails_when_blank(value: str | None) -> None:
    refused(validate_text, value, "addressText", field="addressText", max_length=300)


@pytest.mark.parametrize("value", ["a\x00b", "a\x1bb", "a\rb", "a\ud800b"])
def test_text_with_control_characters_or_lone_surrogates_fails(value: str) -> None:
    refused(validate_text, value, "reason", field="reason", max_length=500)


def test_date_order() -> None:
    validate_date_order(dt.date(2026, 1, 1), dt.date(2026, 1, 1), "movedOutOn")
    validate_date_order(None, dt.date(2026, 1, 1), "movedOutOn")
    validate_date_order(dt.date(2026, 1, 1), None, "movedOutOn")
    error = refused(validate_date_order, dt.date(2026, 1, 2), dt.date(2026, 1, 1), "movedOutOn", field="movedOutOn")
    assert "2026-01-01" in error.message_en and "2026-01-02" in error.message_zh


@pytest.mark.parametrize("value", [0, -1, 101])
def test_out_of_range_numbers_fail(value: int) -> None:
    refused(validate_positive, value, "capacity", field="capacity", maximum=100)


def test_coordinates() -> None:
    validate_coordinates(39.7, 116.3)
    validate_coordinates(None, None)
    refused(validate_coordinates, 39.7, None, field="latitude")
    for lat, lon in [(91.0, 0.0), (0.0, 181.0), (float("nan"), 116.0), (39.0, float("inf"))]:
        refused(validate_coordinates, lat, lon, field="latitude")


# --- personal identifiers -----------------------------------------------------------------------

# GB 11643-1999's worked example; the check character of 11010519491231002 is X.
VALID_ID = "11010519491231002X"


def test_id_number_with_its_check_digit_passes() -> None:
    assert validate_id_number(VALID_ID, "personal.legalRepresentativeIdNumber") == VALID_ID
    assert validate_id_number(VALID_ID.lower(), "idNumber") == VALID_ID
    assert validate_id_number(None, "idNumber") is None
    assert validate_id_number("  ", "idNumber") is None


@pytest.mark.parametrize(
    "value",
    ["110105194912310020", "110105194912310021", "11010519491231002", "11010519491231002XX", "1101051949123100AX"],
)
def test_id_number_with_a_wrong_check_digit_or_shape_fails(value: str) -> None:
    refused(
        validate_id_number, value, "personal.legalRepresentativeIdNumber", field="personal.legalRepresentativeIdNumber"
    )


@pytest.mark.parametrize("value", ["13800138000", "+86 138 0013 8000", "010-62345678", "0510-82345678"])
def test_phone_numbers_pass(value: str) -> None:
    assert validate_phone(value, "personal.liaisonPhone") == value


@pytest.mark.parametrize("value", ["138", "phone 13800138000", "13800138000x", "+", "1380013800012345678901"])
def test_malformed_phone_numbers_fail(value: str) -> None:
    refused(validate_phone, value, "personal.liaisonPhone", field="personal.liaisonPhone")
