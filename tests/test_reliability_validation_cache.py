"""Remembered validation (schema/validation.py) must never let an invalid or over-limit document through:
only documents found valid are remembered, per schema, query text and rule set, and the memory is bounded."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse, specified_rules
from strawberry.extensions.query_depth_limiter import create_validator

import schema.validation as validation
from api.app import api_schema
from api.settings import Settings
from schema.validation import ValidDocuments

VALID = "query { keyIndustries { key } }"
INVALID = "query { keyIndustries { noSuchField } }"
RULES = tuple(specified_rules)  # what a request validates with before the limits add theirs


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = validation.validate_document

    def counting(schema: Any, document: Any, rules: Any) -> Any:
        seen.append(document.loc.source.body)
        return real(schema, document, rules)

    monkeypatch.setattr(validation, "validate_document", counting)
    return seen


def graphql_schema() -> Any:
    return api_schema(Settings(database_url="sqlite:///unused.db"))._schema


def test_a_valid_document_is_validated_once(calls: list[str]) -> None:
    cache, schema = ValidDocuments(), graphql_schema()
    for _ in range(3):
        assert cache.errors(schema, VALID, parse(VALID), RULES) == []
    assert calls == [VALID]


def test_an_invalid_document_is_refused_every_time(calls: list[str]) -> None:
    cache, schema = ValidDocuments(), graphql_schema()
    for _ in range(3):
        errors = cache.errors(schema, INVALID, parse(INVALID), RULES)
        assert errors and "noSuchField" in errors[0].message
    assert calls == [INVALID] * 3


def test_other_rules_or_another_schema_validate_again(calls: list[str]) -> None:
    cache, schema = ValidDocuments(), graphql_schema()
    cache.errors(schema, VALID, parse(VALID), RULES)
    cache.errors(graphql_schema(), VALID, parse(VALID), RULES)
    depth_zero = validation_rule_limiting_depth(0)
    errors = cache.errors(schema, VALID, parse(VALID), (*RULES, depth_zero))
    assert errors, "a stricter rule set must not reuse the verdict of a laxer one"
    assert len(calls) == 3


def test_memory_is_bounded_in_entries_and_length(calls: list[str]) -> None:
    cache, schema = ValidDocuments(max_entries=2, max_query_chars=40), graphql_schema()
    queries = ["query { keyIndustries { key } }", "query { keyIndustries { nameZh } }", "query { rules { id } }"]
    for q in queries:
        cache.errors(schema, q, parse(q), RULES)
    cache.errors(schema, queries[0], parse(queries[0]), RULES)  # pushed out by the third: validated again
    long = "query { keyIndustries { key nameZh nameEn divisions source } }"
    for _ in range(2):
        cache.errors(schema, long, parse(long), RULES)  # longer than 40 characters: never kept
    assert calls == [*queries, queries[0], long, long]


def validation_rule_limiting_depth(depth: int) -> Any:
    return create_validator(depth, None)
