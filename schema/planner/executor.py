"""The executor that answers covered root fields of a query with the planner and the rest with the
resolvers.

It takes over at a root field of a query operation, after the document was parsed, validated and priced
(schema/document_checks.py), so limits, errors and extensions stay the schema's. Arguments are coerced as
graphql-core and Strawberry do for the resolver; the argument checks (page size, cursors, filters) are
the resolvers' own functions, and an error they raise is reported at the field as the resolver's would
be. The selection's shape is remembered per operation and field (documents are parsed once,
schema/parsing.py) unless it has directives, whose outcome depends on the variables.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from graphql import GraphQLObjectType, OperationType
from graphql.execution.values import get_argument_values
from strawberry.types.arguments import convert_arguments

from schema.pagination import _page, connection_args
from schema.planner.answer import answer
from schema.planner.roots import ROOTS
from schema.planner.selection import ConnectionShape, connection_shape
from schema.planner.sql import fetch_json_page
from schema.shared_events import SharedEventExecutor

MAX_SHAPES = 2_048
_shapes: OrderedDict[tuple[str, str | None, str], ConnectionShape | None] = OrderedDict()


class PlanningExecutor(SharedEventExecutor):
    """Strawberry's executor (with shared change-feed events), planning the covered root fields."""

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        if (
            path.prev is None
            and self.operation.operation == OperationType.QUERY
            and parent_type is self.schema.query_type
            and (root := ROOTS.get(field_details_list[0].node.name.value)) is not None
        ):
            shape = self._shape(root, parent_type, field_details_list, path.key)
            if shape is not None:
                return self._planned(root, shape, parent_type, field_details_list, path)
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _collect(self, object_type: GraphQLObjectType, details: Any) -> dict[str, Any]:
        collected = self.collect_subfields(object_type, details)
        if collected.new_defer_usages:
            raise _Uncovered
        return dict(collected.grouped_field_set)

    def _shape(self, root: Any, parent_type: GraphQLObjectType, details: Any, key: str) -> ConnectionShape | None:
        operation = self.operation
        body = operation.loc.source.body if operation.loc is not None else None
        cache_key = (body, operation.name.value if operation.name else None, key) if body else None
        if cache_key is not None and "@" not in body and cache_key in _shapes:  # type: ignore[operator]
            _shapes.move_to_end(cache_key)
            return _shapes[cache_key]
        field_def = parent_type.fields[details[0].node.name.value]
        try:
            shape = connection_shape(root, _named_object(field_def.type), details, self._collect)
        except _Uncovered:
            shape = None
        if cache_key is not None and "@" not in body:  # type: ignore[operator]
            _shapes[cache_key] = shape
            if len(_shapes) > MAX_SHAPES:
                _shapes.popitem(last=False)
        return shape

    async def _planned(
        self, root: Any, shape: ConnectionShape, parent_type: GraphQLObjectType, details: Any, path: Any
    ) -> Any:
        field_def = parent_type.fields[details[0].node.name.value]
        try:
            raw = get_argument_values(
                field_def,
                details[0].node,
                self.variable_values,
                details[0].fragment_variable_values,
                self.hide_suggestions,
            )
            strawberry_schema = self.schema._strawberry_schema  # type: ignore[attr-defined]
            definition = field_def.extensions["strawberry-definition"]
            kwargs = convert_arguments(
                raw,
                definition.arguments,
                scalar_registry=strawberry_schema.schema_converter.scalar_registry,
                config=strawberry_schema.config,
            )
            args = connection_args(kwargs.get("first"), kwargs.get("after"), kwargs.get("last"), kwargs.get("before"))
            stmt = root.statement(kwargs.get("filter"))
            ordering = root.ordering(kwargs.get("order_by"))
            async with self.context_value.read() as session:
                fetched, total = await fetch_json_page(session, stmt, ordering, args, shape.columns, shape.count)
            return answer(root, shape, _page(ordering, args, fetched, 0), total)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_def.type, details, path)
            return None


class _Uncovered(Exception):
    """A selection the planner leaves to the resolvers (a deferred fragment)."""


def _named_object(t: Any) -> Any:
    while hasattr(t, "of_type"):
        t = t.of_type
    return t
