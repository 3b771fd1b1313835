"""Assemble the Strawberry schema: the Query from its mixins, the mutations, the optional subscriptions,
and the protective extensions (depth, tokens, aliases, cost, error masking).

Other parts of the API contribute root fields by adding their Strawberry types to ``QUERY_MIXINS`` (a
``@strawberry.type`` class of query fields) and by passing ``subscription=`` to :func:`build_schema`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from schema.changes import ChangesQuery
from schema.document_checks import DocumentChecks
from schema.document_shape import ShapeLimits
from schema.masking import MaskErrors, log_errors
from schema.mutations import Mutation
from schema.planner.executor import PlanningExecutor
from schema.queries import AdminQueries, DirectoryQueries, NodeQueries, ReferenceQueries
from schema.shared_events import SharedEventExecutor

QUERY_MIXINS: tuple[type, ...] = (NodeQueries, DirectoryQueries, ReferenceQueries, AdminQueries, ChangesQuery)


@dataclass(frozen=True)
class Limits:
    """What one GraphQL document may ask for (settings ``JIQUN_MAX_QUERY_*``)."""

    max_depth: int = 12
    max_tokens: int = 5_000
    max_aliases: int = 30
    max_cost: int = 10_000
    read_planner: bool = True
    """Answer covered read fields with one SQL statement each (schema/planner/); off: resolvers only."""


class JiqunSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log unexpected errors with the request id; refusals the caller caused are not server errors."""
        log_errors(errors, execution_context)


def build_query(mixins: Sequence[type]) -> type:
    return strawberry.type(type("Query", tuple(mixins), {}), description="The registry's read API.")


def build_subscription(mixins: Sequence[type]) -> type:
    return strawberry.type(
        type("Subscription", tuple(mixins), {}),
        description="Live data over WebSocket at /graphql (graphql-transport-ws, and the legacy graphql-ws).",
    )


def build_schema(
    limits: Limits | None = None,
    *,
    extra_query_mixins: Sequence[type] = (),
    subscription: type | None = None,
) -> strawberry.Schema:
    limits = limits or Limits()
    shape = ShapeLimits(max_depth=limits.max_depth, max_aliases=limits.max_aliases)
    extensions: list[Any] = [
        lambda: DocumentChecks(max_tokens=limits.max_tokens, max_cost=limits.max_cost, shape=shape),
        MaskErrors,
    ]
    return JiqunSchema(
        query=build_query((*QUERY_MIXINS, *extra_query_mixins)),
        mutation=Mutation,
        subscription=build_subscription([subscription]) if subscription is not None else None,
        extensions=extensions,
        # A change-feed batch is executed once per distinct selection, not once per subscriber.
        execution_context_class=PlanningExecutor if limits.read_planner else SharedEventExecutor,
    )
