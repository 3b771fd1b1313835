"""Document validation, remembered for documents already found valid.

Validating a document against the schema is the largest fixed cost of a GraphQL request (more than
executing a small query), and clients send the same few documents again and again with different
variables. Validity depends only on the schema, the query text and the validation rules — never on the
variables — so a query text found valid once needs no second validation. Only valid documents are kept,
so the cache never replays an error; it is bounded in entries and in the length of what it keeps.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.schema.schema import validate_document

MAX_ENTRIES = 1_024
MAX_QUERY_CHARS = 20_000


class ValidDocuments:
    """Query texts known to be valid, per schema and rule set; least recently used first out."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_query_chars: int = MAX_QUERY_CHARS) -> None:
        self.max_entries = max_entries
        self.max_query_chars = max_query_chars
        self._valid: OrderedDict[Hashable, None] = OrderedDict()

    def is_known_valid(self, schema: GraphQLSchema, query: str | None, rules: Sequence[Any]) -> bool:
        """Whether ``query`` was found valid before (and so needs no validation now)."""
        key = (schema, query, tuple(rules))
        if query is None or key not in self._valid:
            return False
        self._valid.move_to_end(key)
        return True

    def errors(
        self, schema: GraphQLSchema, query: str | None, document: DocumentNode, rules: Sequence[Any]
    ) -> list[GraphQLError]:
        """The validation errors of ``document`` (parsed from ``query``); none when it was valid before."""
        if self.is_known_valid(schema, query, rules):
            return []
        key = (schema, query, tuple(rules))
        errors = validate_document(schema, document, tuple(rules))
        if not errors and query is not None and len(query) <= self.max_query_chars:
            self._valid[key] = None
            if len(self._valid) > self.max_entries:
                self._valid.popitem(last=False)
        return errors


VALID_DOCUMENTS = ValidDocuments()
