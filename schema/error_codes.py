"""Request-level GraphQL errors name their kind in ``extensions.code``, as field errors do, so that a client
branches on the code and never on the message text (which graphql-core words and may reword)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, ValidationContext, ValidationRule

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"
BAD_USER_INPUT = "BAD_USER_INPUT"
MAX_TOKENS_EXCEEDED = "MAX_TOKENS_EXCEEDED"
MAX_DEPTH_EXCEEDED = "MAX_DEPTH_EXCEEDED"
MAX_ALIASES_EXCEEDED = "MAX_ALIASES_EXCEEDED"


def with_code(error: GraphQLError, code: str) -> GraphQLError:
    """``error`` carrying ``extensions.code``; a code it already names is kept."""
    if not (error.extensions and "code" in error.extensions):
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


class _CodedContext:
    """A validation context whose reported errors get ``code``; everything else is the real context."""

    def __init__(self, context: ValidationContext, code: str) -> None:
        self._context = context
        self._code = code

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def report_error(self, error: GraphQLError) -> None:
        self._context.report_error(with_code(error, self._code))


def coded_rule(rule: type[ValidationRule], code: str) -> type[ValidationRule]:
    """``rule`` with ``code`` on the errors it reports (Strawberry's limit rules report plain errors)."""

    class Coded(rule):  # type: ignore[valid-type,misc]
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(_CodedContext(context, code))

    Coded.__name__ = f"Coded{rule.__name__}"
    return Coded
