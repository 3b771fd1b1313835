"""Careless and hostile arguments: every one gets a clear answer, never an internal error, and an answer
no larger than it needs to be."""

from __future__ import annotations

import base64
import json
from typing import Any, cast

import pytest

from schema.masking import MAX_MESSAGE_CHARS
from tests.graphql_support import Api, World, make_settings, open_api
from tests.security_tally import TALLY

# Digits that str.isdigit() accepts and int() refuses or reads as another number.
NOT_ASCII_DIGITS = ("¹", "9³", "١٢", "１２", "߁", "²²²²²²")


def gid(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", ())]


@pytest.fixture
async def api(database_url: str) -> Any:
    async for a in open_api(make_settings(database_url, rate_limit_anonymous_per_minute=100_000)):
        yield a


@pytest.mark.parametrize("digits", NOT_ASCII_DIGITS)
async def test_unicode_digits_are_not_numbers(api: Api, digits: str) -> None:
    documents = [
        ("query($c: String!) { jurisdiction(code: $c) { code } }", {"c": digits}),
        ("query($id: ID!) { node(id: $id) { id } }", {"id": gid(f"Address:{digits}")}),
        ("query($id: ID!) { node(id: $id) { id } }", {"id": gid(f"Jurisdiction:{digits}")}),
        ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [gid(f"Agency:{digits}")]}),
        (
            "query($s: ID!) { notices(filter: {subjectId: $s}) { totalCount } }",
            {"s": gid(f"Address:{digits}")},
        ),
        ("query($c: String!) { enterprises(filter: {industryCode: $c}) { totalCount } }", {"c": digits}),
        ("query($a: String!) { changes(after: $a) { edges { cursor } } }", {"a": gid(f"change:{digits}")}),
        ("query($c: String!) { agency(uscc: $c) { name } }", {"c": f"91{digits}" + "0" * (16 - len(digits))}),
    ]
    for document, variables in documents:
        response = await api.post(document, cast(dict[str, Any], variables))
        body = response.json()
        TALLY.answered("inputs", response, body)
        assert "INTERNAL_SERVER_ERROR" not in _codes(body), (document, variables, body)
        assert response.status_code in (200, 400), response.text


async def test_a_jurisdiction_code_of_superscripts_is_simply_not_found(api: Api) -> None:
    body = (await api.post('{ jurisdiction(code: "¹") { code } }')).json()
    assert body["data"] == {"jurisdiction": None}
    assert _codes(body) == ["NOT_FOUND"]


@pytest.mark.parametrize(
    "document",
    [
        '{ agency(uscc: "%s") { name } }',
        '{ address(code: "%s") { code } }',
        '{ node(id: "%s") { id } }',
        '{ jurisdiction(code: "%s") { code } }',
        '{ addresses(first: "%s") { totalCount } }',
        '{ agency(uscc: "a" "%s") { name } }',
    ],
)
async def test_a_long_argument_is_not_echoed_back_whole(database_url: str, document: str) -> None:
    big = "X" * 90_000
    async for api in open_api(make_settings(database_url, max_body_bytes=1_000_000)):
        response = await api.post(document % big)
        body = response.json()
        TALLY.answered("inputs", response, body)
        assert body["errors"], body
        assert len(response.content) < 3_000, f"{len(response.content)} bytes answered to {document[:30]}"
        for error in body["errors"]:
            texts = [error["message"], *(v for v in error.get("extensions", {}).values() if isinstance(v, str))]
            assert all(len(t) <= MAX_MESSAGE_CHARS + 40 for t in texts), texts
            assert "characters cut" in json.dumps(error, ensure_ascii=False) or error["message"].endswith("…")


@pytest.mark.parametrize("as_", [None, "partner", "regulator"])
async def test_integers_beyond_64_bits_get_a_clean_answer(api: Api, world: World, as_: str | None) -> None:
    """JSON numbers have no size limit; the answer (and the response cache's key) must still be written."""
    huge = 10**20
    query = "query($n: Int) { addresses(first: $n) { totalCount } }"
    too_big = await api.post(query, {"n": huge, "y": [huge]}, as_=as_)
    TALLY.answered("inputs", too_big, too_big.json())
    # A request error: 400 in application/graphql-response+json.
    assert too_big.status_code == 400 and too_big.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    extra = await api.post(query, {"n": 2, "z": huge}, as_=as_)
    TALLY.answered("inputs", extra, extra.json())
    assert extra.status_code == 200 and extra.json()["data"]["addresses"]["totalCount"] > 0
