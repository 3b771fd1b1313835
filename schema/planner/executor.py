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
from collections.abc import Awaitable
from typing import Any

from graphql import GraphQLObjectType, OperationType
from graphql.execution.values import get_argument_values
from strawberry.types.arguments import convert_arguments

from schema.filters.addresses import address_query
from schema.pagination import _page, connection_args
from schema.permissions import address_visibility
from schema.planner.address import AddressShape, address_shape, fetch_address, nested_page
from schema.planner.answer import answer
from schema.planner.nodes import NodesShape, fetch_nodes, nodes_shape, planned_keys
from schema.planner.roots import ROOTS
from schema.planner.selection import ConnectionShape, connection_shape, named
from schema.planner.sql import fetch_json_page, with_distance
from schema.queries import address_not_found
from schema.shared_events import SharedEventExecutor

MAX_SHAPES = 2_048
PLANNED_ROOTS = frozenset({*ROOTS, "address", "nodes"})
_shapes: OrderedDict[tuple[str, str | None, str], Any] = OrderedDict()


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
            and field_details_list[0].node.name.value in PLANNED_ROOTS
        ):
            shape = self._shape(parent_type, field_details_list, path.key)
            if isinstance(shape, ConnectionShape):
                return self._planned(shape, parent_type, field_details_list, path)
            if isinstance(shape, AddressShape):
                return self._planned_address(shape, parent_type, source, field_details_list, path, position_context)
            if isinstance(shape, NodesShape):
                planned = self._planned_nodes(shape, parent_type, field_details_list, path)
                if planned is not None:
                    return planned
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _collect(self, object_type: GraphQLObjectType, details: Any) -> dict[str, Any]:
        collected = self.collect_subfields(object_type, details)
        if collected.new_defer_usages:
            raise _Uncovered
        return dict(collected.grouped_field_set)

    def _shape(self, parent_type: GraphQLObjectType, details: Any, key: str) -> Any:
        operation = self.operation
        body = operation.loc.source.body if operation.loc is not None else ""
        cache_key = (body, operation.name.value if operation.name else None, key)
        remembered = bool(body) and "@" not in body
        if remembered and cache_key in _shapes:
            _shapes.move_to_end(cache_key)
            return _shapes[cache_key]
        name = details[0].node.name.value
        field_type = named(parent_type.fields[name].type)
        try:
            if name == "address":
                shape: Any = address_shape(field_type, details, self._collect)
            elif name == "nodes":
                shape = nodes_shape(self.schema, details, self._collect)
            else:
                shape = connection_shape(ROOTS[name], field_type, details, self._collect)
        except _Uncovered:
            shape = None
        if remembered:
            _shapes[cache_key] = shape
            if len(_shapes) > MAX_SHAPES:
                _shapes.popitem(last=False)
        return shape

    def _arguments(self, field_def: Any, details: Any) -> dict[str, Any]:
        """The field's arguments as its resolver gets them (Strawberry's input types)."""
        raw = get_argument_values(
            field_def, details[0].node, self.variable_values, details[0].fragment_variable_values, self.hide_suggestions
        )
        strawberry_schema = self.schema._strawberry_schema  # type: ignore[attr-defined]
        return convert_arguments(
            raw,
            field_def.extensions["strawberry-definition"].arguments,
            scalar_registry=strawberry_schema.schema_converter.scalar_registry,
            config=strawberry_schema.config,
        )

    async def _planned(self, shape: ConnectionShape, parent_type: GraphQLObjectType, details: Any, path: Any) -> Any:
        name = details[0].node.name.value
        root = ROOTS[name]
        field_def = parent_type.fields[name]
        try:
            kwargs = self._arguments(field_def, details)
            args = connection_args(kwargs.get("first"), kwargs.get("after"), kwargs.get("last"), kwargs.get("before"))
            columns = shape.columns
            if name == "addresses":
                query = address_query(self.context_value, kwargs.get("filter"), kwargs.get("order_by"))
                stmt, ordering = query.statement, query.ordering
                distance = query.statement.selected_columns["distance_km"].element if query.with_distance else None
                columns = [with_distance(c, distance) for c in columns]
            else:
                stmt = root.statement(kwargs.get("filter"))
                ordering = root.ordering(kwargs.get("order_by"))
            async with self.context_value.read() as session:
                fetched, total = await fetch_json_page(session, stmt, ordering, args, columns, shape.count)
            return answer(root, shape, _page(ordering, args, fetched, 0), total)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_def.type, details, path)
            return None

    async def _planned_address(
        self,
        shape: AddressShape,
        parent_type: GraphQLObjectType,
        source: Any,
        details: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        field_def = parent_type.fields["address"]
        ctx = self.context_value
        try:
            code = self._arguments(field_def, details)["code"]
            pages = [nested_page(self._arguments(f, group)) for _page_shape, f, group in shape.pages]
        except Exception:  # a nested page's arguments: the resolvers report it, where they report it
            result = SharedEventExecutor.execute_field(self, parent_type, source, details, path, position_context)
            return await result if self.is_awaitable(result) else result
        try:
            async with ctx.read() as session:
                found = await fetch_address(session, ctx, code, address_visibility(ctx), shape, pages)
            if found is None:
                raise address_not_found(code)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_def.type, details, path)
            return None
        return found

    def _planned_nodes(
        self, shape: NodesShape, parent_type: GraphQLObjectType, details: Any, path: Any
    ) -> Awaitable[Any] | None:
        """The ids' objects, or ``None`` when the resolvers must answer (see schema/planner/nodes.py)."""
        field_def = parent_type.fields["nodes"]
        try:
            keys = planned_keys(shape, self._arguments(field_def, details)["ids"])
        except Exception:
            return None
        if keys is None:
            return None

        async def run() -> Any:
            try:
                async with self.context_value.read() as session:
                    return await fetch_nodes(session, shape, keys)
            except Exception as raw_error:
                self.handle_field_error(raw_error, field_def.type, details, path)
                return None

        return run()


class _Uncovered(Exception):
    """A selection the planner leaves to the resolvers (a deferred fragment)."""
