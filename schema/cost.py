"""Query cost, computed from the document before anything executes, in the manner of GitHub's node limit.

Every connection may return ``first`` (or ``last``) items for each of its parents, so a connection
nested in another multiplies: ``addresses(first: 100) { enterprises(first: 50) }`` may return
100 + 100 × 50 = 5,100 objects. Plain lists count an estimated size, single objects and scalars are
free. A query whose cost exceeds the limit is refused with ``MAX_COST_EXCEEDED`` and never runs; every
response reports ``extensions.cost = {requested, limit}``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension

from schema.error_codes import OPERATION_RESOLUTION_FAILURE, VALIDATION_FAILED, with_code
from schema.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from schema.validation import VALID_DOCUMENTS

DEFAULT_LIST_SIZE = 10
# Lists whose length is known to differ from the default.
LIST_SIZES = {"Query.rules": 200, "Query.directoryStatistics": 100, "Query.keyIndustries": 10}


def _int_argument(field: FieldNode, name: str, variables: Mapping[str, Any]) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value != name:
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return given if isinstance(given, int) and not isinstance(given, bool) else MAX_PAGE_SIZE
        return MAX_PAGE_SIZE
    return None


def _list_argument_length(field: FieldNode, variables: Mapping[str, Any]) -> int | None:
    for argument in field.arguments or ():
        value = argument.value
        if isinstance(value, ListValueNode):
            return len(value.values)
        if isinstance(value, VariableNode) and isinstance(variables.get(value.name.value), list):
            return len(variables[value.name.value])
    return None


def _page_size(field: FieldNode, variables: Mapping[str, Any]) -> int:
    sizes = [
        s for s in (_int_argument(field, "first", variables), _int_argument(field, "last", variables)) if s is not None
    ]
    if not sizes:
        return DEFAULT_PAGE_SIZE
    return min(max(max(sizes), 0), MAX_PAGE_SIZE)


def _is_list(field_type: Any) -> bool:
    if isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return isinstance(field_type, GraphQLList)


def _is_connection(named: GraphQLNamedType) -> bool:
    return isinstance(named, GraphQLObjectType) and named.name.endswith("Connection") and "pageInfo" in named.fields


class _Estimator:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def _fields(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, seen: frozenset[str]
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType]]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                yield from self._fields(selection.selection_set, target or parent, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value) or parent
                yield from self._fields(fragment.selection_set, target, seen | {name})

    def cost(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        multiplier: int,
        *,
        in_connection: bool = False,
        seen: frozenset[str] = frozenset(),
    ) -> int:
        total = 0
        for field, owner in self._fields(selection_set, parent, seen):
            name = field.name.value
            if name.startswith("__") or field.selection_set is None:
                continue
            if not isinstance(owner, GraphQLObjectType | GraphQLInterfaceType) or name not in owner.fields:
                continue
            definition = owner.fields[name]
            named = get_named_type(definition.type)
            if _is_connection(named):
                size = _page_size(field, self.variables)
                total += multiplier * size
                total += self.cost(field.selection_set, named, multiplier * size, in_connection=True)
            elif _is_list(definition.type) and not in_connection:
                size = _list_argument_length(field, self.variables) or LIST_SIZES.get(
                    f"{owner.name}.{name}", DEFAULT_LIST_SIZE
                )
                total += multiplier * size
                total += self.cost(field.selection_set, named, multiplier * size)
            else:
                total += self.cost(field.selection_set, named, multiplier)
        return total


def estimate_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> int:
    """How many objects the operation may return at most (its connections' pages multiplied out)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    return _Estimator(schema, document, variables or {}).cost(operation.selection_set, root, 1)


class QueryCost(SchemaExtension):
    """Validates the document (the standard rules plus the depth and alias limits) and the choice of its
    operation, then refuses it when its cost exceeds ``limit``; a refused query is a validation error and
    never executes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.requested: int | None = None

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        document = context.graphql_document
        errors = VALID_DOCUMENTS.errors(context.schema._schema, context.query, document, context.validation_rules)
        errors = [with_code(e, VALIDATION_FAILED) for e in errors]
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if not errors and context.provided_operation_name is None and len(operations) > 1:
            # GetOperation(): without a name, a document must hold exactly one operation.
            errors = [
                GraphQLError(
                    "the document holds several operations; name one with operationName",
                    extensions={"code": OPERATION_RESOLUTION_FAILURE},
                )
            ]
        if not errors:
            self.requested = estimate_cost(
                context.schema._schema, context.graphql_document, context.provided_operation_name, context.variables
            )
            if self.requested > self.limit:
                errors = [
                    GraphQLError(
                        f"the query may return up to {self.requested} objects, more than the limit of {self.limit}; "
                        "ask for smaller pages (first/last) or fewer nested connections",
                        extensions={
                            "code": "MAX_COST_EXCEEDED",
                            "cost": {"requested": self.requested, "limit": self.limit},
                        },
                    )
                ]
        context.pre_execution_errors = errors
        yield

    def get_results(self) -> dict[str, Any]:
        if self.requested is None:
            return {}
        return {"cost": {"requested": self.requested, "limit": self.limit}}
