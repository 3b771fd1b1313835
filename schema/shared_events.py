"""Subscription events executed once for every subscriber that would get the same answer.

graphql-core executes a subscription's selection once per subscriber and event, with the event as the
root value. When a thousand subscribers follow the change feed, nearly all of them receive the same batch
(the shared tail hands one page object to every subscriber with the same cursor, filter and visibility
class, and schema/changes.py builds one batch per page), asked for with the same selection. Executing that
selection a thousand times builds the same answer a thousand times; it was half the feed's CPU.

:class:`SharedEventExecutor` remembers, on the event itself, the result of each distinct selection:
the same document text and operation, and the same values of the variables the selection uses below the
root field (``@include``/``@skip``, field arguments). The root field's own arguments (``after``, ``first``,
the filters) only chose the stream, which the shared event already reflects, so subscribers that resumed
from different cursors share the answer once they are level. An event opts in by carrying a
``shared_results`` dictionary; anything else, and any answer with errors, is executed as before, per
subscriber. The remembered results live as long as the event object, which the feed drops after one read
of the log.
"""

from __future__ import annotations

import json
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    Node,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    visit,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_MAX_REMEMBERED_OPERATIONS = 256
_event_variables_of: dict[tuple[str, str | None], tuple[str, ...]] = {}


class _Variables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_variable(self, node: VariableNode, *_: object) -> None:
        self.names.add(node.name.value)


def event_variables(operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]) -> set[str]:
    """The variables an event's execution can depend on: all the operation uses except in the root fields'
    arguments (fragments are counted whole, which can only share less)."""
    found = _Variables()
    parts: list[Node] = list(fragments.values())
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            parts.extend(selection.directives or ())
            if selection.selection_set is not None:
                parts.append(selection.selection_set)
        else:
            parts.append(selection)
    for part in parts:
        visit(part, found)
    return found.names


class SharedEventExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, executing a shared subscription event once per distinct selection."""

    def _event_key(self) -> tuple[str, str | None, str] | None:
        operation = self.operation
        if operation.loc is None:
            return None
        text = operation.loc.source.body
        name = operation.name.value if operation.name else None
        names = _event_variables_of.get((text, name))
        if names is None:
            if len(_event_variables_of) >= _MAX_REMEMBERED_OPERATIONS:
                _event_variables_of.clear()
            names = tuple(sorted(event_variables(operation, self.fragment_definitions)))
            _event_variables_of[(text, name)] = names
        coerced = self.variable_values.coerced
        values = json.dumps([coerced.get(n) for n in names], sort_keys=True, default=str)
        return text, name, values

    def build_per_event_executor(self, payload: Any) -> Any:
        """The executor of one event: a stand-in returning the known answer when this selection of this
        event was executed already (no copy of the executor), otherwise a copy that executes and keeps it."""
        shared = getattr(payload, "shared_results", None)
        key = self._event_key() if isinstance(shared, dict) else None
        if shared is not None and key is not None and (known := shared.get(key)) is not None:
            return _Known(known)
        executor = super().build_per_event_executor(payload)
        if isinstance(executor, SharedEventExecutor) and shared is not None and key is not None:
            executor._shared = (shared, key)
        return executor

    _shared: tuple[dict[Any, Any], tuple[str, str | None, str]] | None = None

    def execute_operation(self, serially: bool | None = None) -> Any:
        result = super().execute_operation(serially)
        if self._shared is not None and isinstance(result, ExecutionResult) and not result.errors:
            shared, key = self._shared
            shared[key] = result
        return result


class _Known:
    """Stands in for a per-event executor whose answer is already known."""

    def __init__(self, result: ExecutionResult) -> None:
        self._result = result

    def execute_operation(self, serially: bool | None = None) -> ExecutionResult:
        return self._result
