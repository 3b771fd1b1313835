"""Query cost, computed from the document before anything executes, in the manner of GitHub's node limit.

Every connection may return ``first`` (or ``last``) items for each of its parents, so a connection
nested in another multiplies: ``addresses(first: 100) { enterprises(first: 50) }`` may return
100 + 100 × 50 = 5,100 objects. Plain lists count an estimated size, single objects and scalars are
free. A query whose cost exceeds the limit is refused with ``MAX_COST_EXCEEDED`` and never runs; every
response reports ``extensions.cost = {requested, limit}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
)

from schema.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

DEFAULT_LIST_SIZE = 10
# Lists whose length is known to differ from the default.
LIST_SIZES = {"Query.rules": 200, "Query.directoryStatistics": 100, "Query.keyIndustries": 10}
# The introspection fields, answered from the schema itself (not in any type's field map).
INTROSPECTION_ROOTS = {"__schema": "__Schema", "__type": "__Type"}


def _ceil_mean(total: int, count: int) -> int:
    return -(-total // count) if count else 0


def introspection_list_sizes(schema: GraphQLSchema) -> dict[str, int]:
    """The sizes of the introspection lists: the number of types and directives, and for the lists asked of
    each type, field or directive, their mean length over all of those (so that asking for the fields of
    every type costs about the number of fields in the schema). Introspection is answered from memory,
    but a document asking for the whole schema under thirty aliases still makes megabytes of answer."""
    types = list(schema.type_map.values())
    fields = [f for t in types if isinstance(t, GraphQLObjectType | GraphQLInterfaceType) for f in t.fields.values()]
    directives = list(schema.directives)
    return {
        "__Schema.types": len(types),
        "__Schema.directives": len(directives),
        "__Type.fields": _ceil_mean(len(fields), len(types)),
        "__Type.inputFields": _ceil_mean(
            sum(len(t.fields) for t in types if isinstance(t, GraphQLInputObjectType)), len(types)
        ),
        "__Type.enumValues": _ceil_mean(
            sum(len(t.values) for t in types if isinstance(t, GraphQLEnumType)), len(types)
        ),
        "__Type.interfaces": 1,
        "__Type.possibleTypes": 1,
        "__Field.args": _ceil_mean(sum(len(f.args) for f in fields), len(fields)),
        "__Directive.args": _ceil_mean(sum(len(d.args) for d in directives), len(directives)),
        "__Directive.locations": 0,  # a list of enum values: leaves cost nothing
    }


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
    """The cost of selection sets per unit of their parent's multiplier.

    Cost is linear in the multiplier (every count below a connection is multiplied by its page size), so
    each fragment's cost is computed once per kind of place it is spread in and reused at every spread:
    the work stays linear in the document's length however often fragments spread one another.
    """

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.list_sizes = {**LIST_SIZES, **introspection_list_sizes(schema)}
        self._fragment_costs: dict[tuple[str, bool], int] = {}
        self._open: set[str] = set()

    def unit_cost(self, selection_set: SelectionSetNode, parent: GraphQLNamedType, *, in_connection: bool) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field_cost(selection, parent, in_connection=in_connection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = (self.schema.get_type(condition.name.value) if condition else parent) or parent
                total += self.unit_cost(selection.selection_set, target, in_connection=in_connection)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment_cost(selection.name.value, parent, in_connection=in_connection)
        return total

    def _fragment_cost(self, name: str, parent: GraphQLNamedType, *, in_connection: bool) -> int:
        key = (name, in_connection)
        if key in self._fragment_costs:
            return self._fragment_costs[key]
        fragment = self.fragments.get(name)
        if fragment is None or name in self._open:
            return 0
        target = self.schema.get_type(fragment.type_condition.name.value) or parent
        self._open.add(name)
        try:
            cost = self.unit_cost(fragment.selection_set, target, in_connection=in_connection)
        finally:
            self._open.discard(name)
        self._fragment_costs[key] = cost
        return cost

    def _field_cost(self, field: FieldNode, owner: GraphQLNamedType, *, in_connection: bool) -> int:
        name = field.name.value
        if field.selection_set is None:
            return 0
        if name in INTROSPECTION_ROOTS:
            root = self.schema.get_type(INTROSPECTION_ROOTS[name])
            return self.unit_cost(field.selection_set, root, in_connection=False) if root is not None else 0
        if not isinstance(owner, GraphQLObjectType | GraphQLInterfaceType) or name not in owner.fields:
            return 0
        definition = owner.fields[name]
        named = get_named_type(definition.type)
        if _is_connection(named):
            size = _page_size(field, self.variables)
            return size + size * self.unit_cost(field.selection_set, named, in_connection=True)
        if _is_list(definition.type) and not in_connection:
            size = _list_argument_length(field, self.variables) or self.list_sizes.get(
                f"{owner.name}.{name}", DEFAULT_LIST_SIZE
            )
            return size + size * self.unit_cost(field.selection_set, named, in_connection=False)
        return self.unit_cost(field.selection_set, named, in_connection=False)


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
    return _Estimator(schema, document, variables or {}).unit_cost(operation.selection_set, root, in_connection=False)
