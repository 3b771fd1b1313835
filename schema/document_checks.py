"""The checks a document passes before anything executes, in order: it parses (within the token limit),
its variables and string literals are text (schema/text_values.py), its shape keeps the limits (depth,
aliases, selections; schema/document_shape.py), it is valid against the schema, it names one operation,
and that operation's cost (schema/cost.py) is within the limit. A refused document gets the limit's code
and never executes; every response reports ``extensions.cost = {requested, limit}``.

The order matters for the event loop: the shape check is linear in the document's length whatever the
document holds, and refuses the documents that would make the standard rules slow; parsing and the
standard rules, which cost up to tens of milliseconds on long documents, run in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from schema.cost import estimate_cost
from schema.document_shape import ShapeLimits, check_shape
from schema.error_codes import OPERATION_RESOLUTION_FAILURE, VALIDATION_FAILED, with_code
from schema.parsing import PARSED_DOCUMENTS
from schema.text_values import text_errors
from schema.validation import VALID_DOCUMENTS


def provided_operation_name(context: ExecutionContext) -> str | None:
    """The ``operationName`` the client sent, or ``None``.

    ``ExecutionContext.operation_name`` falls back to the first operation's name, which cannot tell a
    document whose client named its second operation from one whose client named none; Strawberry keeps
    the name as given only on this private attribute (the init-only field of the same name is not stored).
    """
    name = getattr(context, "_provided_operation_name", None)
    return name if isinstance(name, str) else None


def _placeholder(context: ExecutionContext) -> DocumentNode:
    """A document of one operation that Strawberry accepts as the request's, standing in for one that did
    not parse until the validation step reports the parse error.

    An error raised while parsing is answered over HTTP, but a WebSocket subscription would only be
    completed without it; an error reported at validation reaches every transport the same way."""
    allowed = [OperationType(kind.value) for kind in context.allowed_operations]
    operation = OperationType.QUERY if OperationType.QUERY in allowed or not allowed else allowed[0]
    name = provided_operation_name(context)
    return DocumentNode(
        definitions=(
            OperationDefinitionNode(
                operation=operation,
                name=NameNode(value=name) if name is not None else None,
                variable_definitions=(),
                directives=(),
                selection_set=SelectionSetNode(selections=(FieldNode(name=NameNode(value="__typename")),)),
            ),
        )
    )


class DocumentChecks(SchemaExtension):
    """Parses, measures, validates and costs the request's document before it executes (see the module)."""

    def __init__(self, *, max_tokens: int, max_cost: int, shape: ShapeLimits) -> None:
        self.max_tokens = max_tokens
        self.limit = max_cost
        self.shape = shape
        self.requested: int | None = None
        self.parse_error: GraphQLError | None = None

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            try:
                context.graphql_document = await PARSED_DOCUMENTS.parse(context.query, self.max_tokens)
            except GraphQLError as error:
                self.parse_error = error
                context.graphql_document = _placeholder(context)
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        context.pre_execution_errors = [self.parse_error] if self.parse_error else await self._errors(context)
        yield

    async def _errors(self, context: ExecutionContext) -> list[GraphQLError]:
        assert context.graphql_document is not None
        document = context.graphql_document
        not_text = text_errors(context.query, document, context.variables)
        if not_text:
            return not_text
        shape = check_shape(document, self.shape)
        if shape.errors:
            return shape.errors
        schema, query, rules = context.schema._schema, context.query, context.validation_rules
        if not VALID_DOCUMENTS.is_known_valid(schema, query, rules):
            validate = partial(VALID_DOCUMENTS.errors, schema, query, document, rules)
            # Validation takes up to about a hundred milliseconds within the shape limits: all but the smallest
            # documents are validated in a thread, so the event loop goes on serving other requests (the
            # interpreter switches threads every few milliseconds). Documents validated before skip this.
            errors = validate() if shape.is_small else await asyncio.to_thread(validate)
            if errors:
                return [with_code(e, VALIDATION_FAILED) for e in errors]
        operation_name = provided_operation_name(context)
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is None and len(operations) > 1:
            # GetOperation(): without a name, a document must hold exactly one operation.
            return [
                GraphQLError(
                    "the document holds several operations; name one with operationName",
                    extensions={"code": OPERATION_RESOLUTION_FAILURE},
                )
            ]
        self.requested = estimate_cost(schema, document, operation_name, context.variables)
        if self.requested > self.limit:
            return [
                GraphQLError(
                    f"the query may return up to {self.requested} objects, more than the limit of {self.limit}; "
                    "ask for smaller pages (first/last) or fewer nested connections",
                    extensions={
                        "code": "MAX_COST_EXCEEDED",
                        "cost": {"requested": self.requested, "limit": self.limit},
                    },
                )
            ]
        return []

    def get_results(self) -> dict[str, Any]:
        if self.requested is None:
            return {}
        return {"cost": {"requested": self.requested, "limit": self.limit}}
