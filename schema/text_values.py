"""Strings a request may carry: Unicode text without the NUL character.

Two kinds of string reach Python intact but fail later, far from their cause, as internal errors:

* JSON may escape half of a surrogate pair on its own (``"\\ud800"``); Python decodes it into a string
  that can never be encoded to UTF-8 again, so the database driver fails on it.
* ``\\u0000`` is a valid escape in JSON and in GraphQL string literals, but PostgreSQL text can hold no
  NUL: a filter or an argument holding one fails in the driver, before any rule could refuse it.

Both are refused before execution and named where they are: in the JSON of an HTTP request
(api/http.py, a 400 answer) and in variables and literals of any transport (schema/document_checks.py).
The walks are iterative, so nesting as deep as the JSON parser accepts is no risk.
"""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, GraphQLError, StringValueNode, Visitor, visit

from schema.error_codes import BAD_USER_INPUT

LONE_SURROGATE = "a lone surrogate (\\ud800-\\udfff without its pair) is not text"
NUL = "the NUL character (\\u0000) is not allowed in text"


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be taken as text, or ``None`` when it can."""
    if "\x00" in text:
        return NUL
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return LONE_SURROGATE
    return None


def first_problem(data: Any, root: str = "") -> tuple[str, str] | None:
    """Where in decoded JSON ``data`` the first string that is not text is (`` in variables.a[0]``), and
    why; ``None`` when every string, names included, is text.

    A key is checked before anything under it, so a place named in the answer holds only keys that are
    text."""
    pending: list[tuple[Any, str]] = [(data, f" in {root}" if root else "")]
    while pending:
        value, where = pending.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                return where, problem
        elif isinstance(value, dict):
            base = where.removeprefix(" in ")
            for key, item in value.items():
                pending.append((item, f" in {base}.{key}" if base else f" in {key}"))
                pending.append((key, f" in a name in {base}" if base else " in a name"))
        elif isinstance(value, list):
            base = where.removeprefix(" in ")
            pending.extend((item, f" in {base}[{index}]") for index, item in enumerate(value))
    return None


class _LiteralProblems(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.errors: list[GraphQLError] = []

    def enter_string_value(self, node: StringValueNode, *_: object) -> None:
        problem = text_problem(node.value)
        if problem is not None and len(self.errors) < 10:
            message = f"invalid string literal: {problem}"
            self.errors.append(GraphQLError(message, node, extensions={"code": BAD_USER_INPUT}))


def text_errors(query: str | None, document: DocumentNode, variables: dict[str, Any] | None) -> list[GraphQLError]:
    """Errors for variables and string literals of a parsed request that are not text."""
    found = first_problem(variables, "variables") if variables else None
    if found is not None:
        where, problem = found
        return [GraphQLError(f"invalid text{where}: {problem}", extensions={"code": BAD_USER_INPUT})]
    # A literal holds a NUL or a lone surrogate only if the query text does or escapes one: most documents
    # are not walked at all.
    if query is None or (text_problem(query) is None and "\\u" not in query):
        return []
    literals = _LiteralProblems()
    visit(document, literals)
    return literals.errors
