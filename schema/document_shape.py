"""The shape of a GraphQL document (depth, aliases, size, repeated fields) measured in work linear in its text.

A fragment may spread another one twice, and that one the next twice: thirty such lines expand to a
billion selections. A checker that walks every spread anew (as a naive depth limiter, alias counter or
cost estimator does) then works for minutes on the event loop before it refuses anything, and every
other request waits. Here each fragment is summarised once and the summary is reused at each spread, so
the work is bounded by the length of the document (itself bounded by the token limit), whatever its
shape.

The standard validation of graphql-core has a quadratic step of its own: fields that answer under the
same name in one selection set are compared pairwise ("overlapping fields can be merged"). A document
that repeats one field a thousand times keeps the event loop for about a second there. So this check
runs first and refuses documents whose expanded size or repetition could make the later checks
expensive, before they run; no sensible client comes near those bounds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from schema.error_codes import MAX_ALIASES_EXCEEDED, MAX_DEPTH_EXCEEDED, MAX_SELECTIONS_EXCEEDED


@dataclass(frozen=True)
class ShapeLimits:
    """Bounds on a document's shape; see docs/graphql.md ("Limits")."""

    max_depth: int = 12
    max_aliases: int = 30
    # Field selections once every fragment spread is expanded, counted as often as they are spread.
    max_selections: int = 2_000
    # Selections answering under one name in one selection set (fragments and inline fragments merged).
    max_repeats: int = 20
    # ``__schema`` selections: the whole schema is answered without a pause for other requests (tens of
    # milliseconds), and one copy of it is all a client can use.
    max_schema_introspections: int = 1


class _TooLarge(Exception):
    """Raised as soon as an operation expands past ``max_selections``, so the walk stops there."""


@dataclass
class _Summary:
    """What a selection set holds, fragments expanded (counted each time they are spread)."""

    height: int = -1  # deepest field level below this set (its own fields are at level 0); -1 when it has none
    aliases: int = 0
    selections: int = 0
    repeats: int = 0  # the most selections under one response name in any one set at or below this one
    schema_introspections: int = 0
    names: Counter[str] = field(default_factory=Counter)  # response names at this set's own level

    def add(self, other: _Summary) -> None:
        self.height = max(self.height, other.height)
        self.aliases += other.aliases
        self.selections += other.selections
        self.repeats = max(self.repeats, other.repeats)
        self.schema_introspections += other.schema_introspections
        self.names.update(other.names)


class _Shapes:
    """Summaries of the selection sets of one document, each fragment summarised once."""

    def __init__(self, document: DocumentNode, max_selections: int) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.max_selections = max_selections
        self._done: dict[str, _Summary] = {}
        self._open: set[str] = set()  # fragments being summarised: a spread back into one is a cycle

    def of(self, selection_set: SelectionSetNode) -> _Summary:
        summary = _Summary()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                summary.add(self._field(selection))
            elif isinstance(selection, InlineFragmentNode):
                summary.add(self.of(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                summary.add(self._fragment(selection.name.value))
            if summary.selections > self.max_selections:
                raise _TooLarge
        summary.repeats = max(summary.repeats, max(summary.names.values(), default=0))
        return summary

    def _field(self, node: FieldNode) -> _Summary:
        summary = _Summary(height=0, selections=1, names=Counter({(node.alias or node.name).value: 1}))
        summary.aliases = 1 if node.alias else 0
        summary.schema_introspections = 1 if node.name.value == "__schema" else 0
        if node.selection_set is not None:
            inner = self.of(node.selection_set)
            # Introspection fields add no depth: their nesting follows the schema, not the caller.
            if inner.height >= 0 and not node.name.value.startswith("__"):
                summary.height = inner.height + 1
            summary.aliases += inner.aliases
            summary.selections += inner.selections
            summary.repeats = inner.repeats
            summary.schema_introspections += inner.schema_introspections
        return summary

    def _fragment(self, name: str) -> _Summary:
        done = self._done.get(name)
        if done is not None:
            return done
        fragment = self.fragments.get(name)
        if fragment is None or name in self._open:
            return _Summary()  # unknown fragments and cycles are reported by the standard validation
        self._open.add(name)
        try:
            summary = self.of(fragment.selection_set)
        finally:
            self._open.discard(name)
        self._done[name] = summary
        return summary


# Up to this many field selections (each answering under its own name), the standard validation takes
# about a millisecond here, less than handing it to a thread would add; larger documents take up to a
# hundred within the limits above.
SMALL_SELECTIONS = 8


@dataclass(frozen=True)
class DocumentShape:
    """What the shape check found: the limits broken, and whether the document is small."""

    errors: list[GraphQLError]
    is_small: bool


def check_shape(document: DocumentNode, limits: ShapeLimits) -> DocumentShape:
    """The limits ``document`` breaks, checked over all of its operations, and whether it is small."""
    shapes = _Shapes(document, limits.max_selections)
    errors: list[GraphQLError] = []
    aliases = selections = repeats = 0
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        name = operation.name.value if operation.name else "anonymous"
        try:
            summary = shapes.of(operation.selection_set)
        except _TooLarge:
            errors.append(
                GraphQLError(
                    f"'{name}' expands to more than {limits.max_selections} field selections (fragments counted"
                    " each time they are spread); spread each fragment once and ask for fewer fields",
                    operation,
                    extensions={"code": MAX_SELECTIONS_EXCEEDED},
                )
            )
            selections += limits.max_selections
            continue
        aliases += summary.aliases
        selections += summary.selections
        repeats = max(repeats, summary.repeats)
        if summary.repeats > limits.max_repeats:
            errors.append(
                GraphQLError(
                    f"'{name}' selects one field {summary.repeats} times in one selection set, more than the limit"
                    f" of {limits.max_repeats}; select it once",
                    operation,
                    extensions={"code": MAX_SELECTIONS_EXCEEDED},
                )
            )
        if summary.schema_introspections > limits.max_schema_introspections:
            errors.append(
                GraphQLError(
                    f"'{name}' asks for __schema {summary.schema_introspections} times; the limit is"
                    f" {limits.max_schema_introspections}",
                    operation,
                    extensions={"code": MAX_SELECTIONS_EXCEEDED},
                )
            )
        if summary.height > limits.max_depth:
            errors.append(
                GraphQLError(
                    f"'{name}' exceeds maximum operation depth of {limits.max_depth}",
                    operation,
                    extensions={"code": MAX_DEPTH_EXCEEDED},
                )
            )
    if aliases > limits.max_aliases:
        errors.append(
            GraphQLError(
                f"{aliases} aliases found. Allowed: {limits.max_aliases}", extensions={"code": MAX_ALIASES_EXCEEDED}
            )
        )
    return DocumentShape(errors, is_small=selections <= SMALL_SELECTIONS and repeats <= 1)
