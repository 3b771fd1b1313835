"""Request-level GraphQL errors name their kind in ``extensions.code``, as field errors do, so that a client
branches on the code and never on the message text (which graphql-core words and may reword)."""

from __future__ import annotations

from graphql import GraphQLError

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"
BAD_USER_INPUT = "BAD_USER_INPUT"
MAX_TOKENS_EXCEEDED = "MAX_TOKENS_EXCEEDED"
MAX_DEPTH_EXCEEDED = "MAX_DEPTH_EXCEEDED"
MAX_ALIASES_EXCEEDED = "MAX_ALIASES_EXCEEDED"
MAX_SELECTIONS_EXCEEDED = "MAX_SELECTIONS_EXCEEDED"


def with_code(error: GraphQLError, code: str) -> GraphQLError:
    """``error`` carrying ``extensions.code``; a code it already names is kept."""
    if not (error.extensions and "code" in error.extensions):
        error.extensions = {**(error.extensions or {}), "code": code}
    return error
