"""Unexpected errors never reach a client: they become "Internal server error" with the request id,
which the log line carrying the traceback shares. Deliberate errors (FORBIDDEN, NOT_FOUND, ...), domain
refusals and validation errors pass through; a database statement timeout is reported as TIMEOUT, and a
database that cannot be reached (a restart, a broken connection) as SERVICE_UNAVAILABLE: retry shortly."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.execution import PreExecutionError

from domain.db import is_database_unavailable
from domain.errors import DomainError
from schema.error_codes import BAD_USER_INPUT, with_code

log = logging.getLogger("jiqun.graphql")

DATABASE_UNAVAILABLE = "the database is unavailable; retry shortly"
# Messages quote what the client sent; a 90 KB argument quoted three times (message, messageZh, messageEn)
# would make the answer three times the request. Nothing we say needs more than this.
MAX_MESSAGE_CHARS = 300


class Kind(StrEnum):
    EXPECTED = "expected"
    DOMAIN = "domain"
    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"
    UNEXPECTED = "unexpected"


def _is_statement_timeout(exc: BaseException) -> bool:
    """PostgreSQL's ``statement_timeout`` cancels with SQLSTATE 57014 (query_canceled)."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    return (
        getattr(orig, "sqlstate", None) == "57014" or "QueryCanceled" in type(getattr(orig, "__cause__", orig)).__name__
    )


def classify(error: GraphQLError) -> Kind:
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return Kind.EXPECTED
    if isinstance(original, DomainError):
        return Kind.DOMAIN
    if _is_statement_timeout(original):
        return Kind.TIMEOUT
    if is_database_unavailable(original):
        return Kind.UNAVAILABLE
    return Kind.UNEXPECTED


def request_id(context: ExecutionContext) -> str | None:
    return getattr(context.context, "request_id", None)


def _replace(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def _cut(text: str) -> str:
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    return f"{text[:MAX_MESSAGE_CHARS]}… ({len(text) - MAX_MESSAGE_CHARS} more characters cut)"


def cut_long_values(error: GraphQLError) -> GraphQLError:
    """``error`` with its message and the texts in its extensions cut to ``MAX_MESSAGE_CHARS``."""
    error.message = _cut(error.message)
    if error.extensions:
        error.extensions = {k: _cut(v) if isinstance(v, str) else v for k, v in error.extensions.items()}
    return error


def public_error(error: GraphQLError, rid: str | None) -> GraphQLError:
    kind = classify(error)
    if kind == Kind.EXPECTED:
        return error
    if kind == Kind.DOMAIN:
        exc: DomainError = error.original_error  # type: ignore[assignment]
        return _replace(
            error,
            exc.message_en,
            {
                "code": "BAD_USER_INPUT",
                "reason": exc.code,
                "field": exc.field,
                "messageZh": exc.message_zh,
                "messageEn": exc.message_en,
            },
        )
    if kind == Kind.TIMEOUT:
        return _replace(
            error, "the database took too long to answer; ask for less", {"code": "TIMEOUT", "requestId": rid}
        )
    if kind == Kind.UNAVAILABLE:
        return _replace(
            error,
            DATABASE_UNAVAILABLE,
            {
                "code": "SERVICE_UNAVAILABLE",
                "messageZh": "数据库暂时不可用，请稍后重试",
                "messageEn": DATABASE_UNAVAILABLE,
                "requestId": rid,
            },
        )
    return _replace(error, "Internal server error", {"code": "INTERNAL_SERVER_ERROR", "requestId": rid})


def log_errors(errors: list[GraphQLError], context: ExecutionContext | None) -> None:
    rid = request_id(context) if context is not None else None
    for error in errors:
        if classify(error) in (Kind.UNEXPECTED, Kind.TIMEOUT, Kind.UNAVAILABLE):
            log.error("request %s: %s at %s", rid, error.message, error.path, exc_info=error.original_error)


class MaskErrors(SchemaExtension):
    """Masks unexpected errors and adds ``extensions.requestId`` to every response."""

    def _mask(self, result: Any) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            rid = request_id(self.execution_context)
            result.errors = [cut_long_values(public_error(e, rid)) for e in errors]

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.data is None and not isinstance(result, PreExecutionError):
            # Executed without data and without a path: the variables did not coerce to their types.
            for error in result.errors or ():
                if error.path is None:
                    with_code(error, BAD_USER_INPUT)
        self._mask(result)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each event of a subscription, before it is sent."""
        self._mask(result)
        yield

    def get_results(self) -> dict[str, Any]:
        rid = request_id(self.execution_context)
        return {"requestId": rid} if rid else {}
