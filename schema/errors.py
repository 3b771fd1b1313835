"""Errors the API reports on purpose, and the ``userErrors`` payload entries mutations return.

Two channels, as in GitHub's and Shopify's APIs:

* ``errors`` (top level) with ``extensions.code``: the caller may not do or see this (``FORBIDDEN``),
  it does not exist (``NOT_FOUND``), an argument of a query is malformed (``BAD_USER_INPUT``). The field
  becomes ``null``; the rest of the response is unaffected.
* ``userErrors`` in a mutation payload: the command refused the input (a validator, a state machine,
  a version check or a rule of the jurisdiction's pack). Nothing was written.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError, RuleRefusal


class ApiError(GraphQLError):
    """A deliberate error; never masked."""

    code = "BAD_REQUEST"
    extensions: dict[str, Any]  # always set, so callers may add to it

    def __init__(self, message: str, **extensions: Any) -> None:
        if "messageZh" in extensions:  # both languages, always
            extensions.setdefault("messageEn", message)
        super().__init__(message, extensions={"code": self.code, **extensions})


class Forbidden(ApiError):
    code = "FORBIDDEN"


class NotFoundError(ApiError):
    code = "NOT_FOUND"


class BadUserInput(ApiError):
    code = "BAD_USER_INPUT"


def forbidden(what: str) -> Forbidden:
    return Forbidden(f"the caller may not {what}", messageZh="调用方无权查看此数据或执行此操作")


def from_domain(exc: DomainError) -> BadUserInput:
    """A domain refusal raised by a query argument (an invalid USCC, global id or code)."""
    error = BadUserInput(exc.message_en, messageZh=exc.message_zh, messageEn=exc.message_en, reason=exc.code)
    if exc.field:
        error.extensions["field"] = exc.field
    return error


@strawberry.type(description="Why a mutation refused its input. Nothing was written when any is returned.")
class UserError:
    code: str = strawberry.field(
        description="Stable machine-readable code: INVALID_INPUT, NOT_FOUND, ALREADY_EXISTS, ILLEGAL_TRANSITION, "
        "STALE_VERSION, RULE_REFUSED (one entry per rule finding), CONFLICT, IDEMPOTENCY_KEY_REUSED, ..."
    )
    field: str | None = strawberry.field(description="The input field at fault, where there is one.")
    message: str = strawberry.field(description="What went wrong, in English.")
    message_zh: str = strawberry.field(description="What went wrong, in Chinese (中文说明).")
    message_en: str = strawberry.field(description="What went wrong, in English (same as message).")
    rule: str | None = strawberry.field(description="The id of the rule that found the problem, e.g. WX-26.3.")
    article: str | None = strawberry.field(description="The article the rule cites, e.g. “WX Art.26(3)”.")
    severity: str | None = strawberry.field(
        description="For rule findings: block (refused the command), warn or info (listed for context)."
    )


def user_errors(exc: DomainError) -> list[UserError]:
    """One entry per finding for a rule refusal, otherwise the single refusal."""
    if isinstance(exc, RuleRefusal):
        return [
            UserError(
                code="RULE_REFUSED" if str(f.severity) == "block" else f"RULE_{str(f.severity).upper()}",
                field=f.field,
                message=f.message_en,
                message_zh=f.message_zh,
                message_en=f.message_en,
                rule=f.rule,
                article=f.article,
                severity=str(f.severity),
            )
            for f in exc.findings
        ]
    return [
        UserError(
            code=exc.code,
            field=exc.field,
            message=exc.message_en,
            message_zh=exc.message_zh,
            message_en=exc.message_en,
            rule=exc.rule,
            article=exc.article,
            severity=None,
        )
    ]
