"""Hypothesis strategies for GraphQL requests that use the whole language, not only fields and arguments.

hypothesis-graphql writes operations of fields with inline arguments. The requests here also have:

* named fragments, spread several times and spreading one another (nested, repeated, now and then
  spreading themselves or a fragment that does not exist), and inline fragments with and without a
  type condition, on the type itself, an interface or a member type, or now and then an impossible one;
* ``@include`` / ``@skip`` with literal and variable conditions, now and then repeated or ill-typed;
* aliases, also clashing ones;
* variables, declared with the argument's own type or now and then a wrong one, used inside input
  object literals too, and given values that conform to the type or are any JSON at all (wrong types,
  nulls, huge or non-finite numbers, lists for objects), missing values, extra values, and now and then
  ``variables`` that is not an object;
* several operations in one document with an ``operationName`` that names one, none or a missing one;
* fragment chains whose expansion multiplies at each step, and fields repeated hundreds of times.

Strings come from a pool of values that commonly trip validators and encoders (lone surrogates,
superscript, full-width and other non-ASCII digits, NUL and other control characters, impossible dates,
very long text) mixed with arbitrary text and with values of the test world (its ids, codes, USCCs), so
that many requests get past argument validation and reach the resolvers and commands.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_composite_type,
)
from hypothesis import strategies as st

from domain.ids import to_global_id

NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*\Z")
ABSENT: Any = object()  # a request without a "variables" member

TRICKY_STRINGS: tuple[str, ...] = (
    "", " ", "\t\n", "0", "-1", "1.5", "null", "true", "NaN", "Infinity", "1e309",
    "¹¹⁰¹¹⁵", "１１０１１５", "١١٠١١٥", "𝟏𝟏𝟎𝟏𝟏𝟓", "११०११५", "Ⅺ", "²⁰²⁶", "２０２６-０３-０２", "2026-０３-02",
    "2026-02-30", "2026-13-01", "0000-01-01", "9999-12-31", "+12026-03-02", "2026-03-02T24:00:00",
    "2026-03-02T00:00:00+25:00", "\x00", "a\x00b", "\x7f", "\ud800", "\udfff", "x\udc80y", "\ud83d\ude00",
    "\ufeff", "\u202e110115", "\ufffd", "🏢🏢🏢", "' OR 1=1 --", "%s%n", "${x}", "<script>", "\\", '"',
    "a" * 5_000, "北" * 1_000,
)  # fmt: skip
DANGEROUS_STRINGS = ("\x00", "a\x00b", "\ud800", "x\udc80y", "¹¹⁰¹¹⁵", "１１０１１５", "١١٠١١٥", "²⁰²⁶-⁰³-⁰²")
JURISDICTION_CODES = ("110115", "110112", "320205", "110000", "320200", "110199", "999999", "11011", "1101150")
INT_EDGES = (0, -1, 1, 2**31 - 1, -(2**31), 2**31, 2**53 + 1, 10**20, -(10**20))
FLOAT_EDGES = (0.0, -0.0, 39.7265, 116.3411, 31.59, 120.36, -90.0, 90.0, 180.0, 1e308, 5e-324, -1e308)
ODD_PKS = ("0", "-1", "1.0", "¹", "１", "٣", "99999999999999999999", "", " 1", "1 ", "0x1", "\ud800")
KINDS = ("Jurisdiction", "Agency", "Address", "Enterprise", "Notice", "ApiKey", "Score", "SupervisionRun", "Nope")


def odd_ids() -> tuple[str, ...]:
    """Global ids of every kind with primary keys no row has, and keys that are not decimal numbers."""
    ids = [to_global_id(kind, pk) for kind in KINDS for pk in ("1", "999999")]
    ids += [to_global_id("Agency", pk) for pk in ODD_PKS if "\ud800" not in pk]
    ids += [to_global_id("Jurisdiction", code) for code in ("¹¹⁰¹¹⁵", "１１０１１５", "110115", "999999")]
    ids += ["QWdlbmN5OjE", "QWdlbmN5OjE===", "Agency:1", "@@@@", "=" * 8]
    return tuple(ids)


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    return False


@dataclass(frozen=True)
class Request:
    """One POST body: a document, its variables (``ABSENT`` for none) and an operation name."""

    query: str
    variables: Any = ABSENT
    operation_name: str | None = None

    @classmethod
    def plain(cls, query: Any) -> Request:
        return cls(str(query))

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"query": self.query}
        if self.variables is not ABSENT:
            body["variables"] = self.variables
        if self.operation_name is not None:
            body["operationName"] = self.operation_name
        return body

    def body(self) -> bytes:
        """JSON with every non-ASCII character escaped, so lone surrogates travel as ``\\ud800`` (as any
        JSON encoder may send them) and non-finite numbers as ``NaN`` / ``Infinity`` (as some do)."""
        return json.dumps(self.payload(), ensure_ascii=True, allow_nan=True).encode("ascii")

    def __str__(self) -> str:
        return json.dumps(self.payload(), ensure_ascii=True, allow_nan=True, indent=1)


def strings(words: Sequence[str] = ()) -> st.SearchStrategy[str]:
    """Text a client might send: tricky values, the test world's words, arbitrary text (surrogates too).
    The few characters that most often break a text's way to the database or back (NUL, lone
    surrogates, digits that are not ASCII) come as often as all other tricky values together."""
    return st.one_of(
        st.sampled_from(DANGEROUS_STRINGS),
        st.sampled_from(TRICKY_STRINGS),
        st.sampled_from(JURISDICTION_CODES + tuple(words)),
        st.text(max_size=12),
        st.text(st.characters(exclude_categories=()), max_size=6),
        st.from_regex(r"[0-9]{1,8}", fullmatch=True),
    )


def json_values(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Any JSON value, non-finite numbers included."""
    keys = st.one_of(st.from_regex(r"[a-z][A-Za-z0-9]{0,6}", fullmatch=True), text)
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from(INT_EDGES), st.floats(), text)
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                        max_leaves=6)  # fmt: skip


def _date_strings() -> st.SearchStrategy[str]:
    near = st.integers(-800, 400).map(lambda d: (dt.date(2026, 3, 2) + dt.timedelta(days=d)).isoformat())
    return st.one_of(near, st.dates().map(dt.date.isoformat))


def _datetime_strings() -> st.SearchStrategy[str]:
    return st.one_of(
        st.datetimes().map(dt.datetime.isoformat),
        st.datetimes(timezones=st.just(dt.UTC)).map(dt.datetime.isoformat),
    )


class _Writer:
    """Writes one request with ``draw``; collects the variables and fragments it uses on the way."""

    MAX_DEPTH = 5
    MAX_SELECTIONS = 25

    def __init__(
        self,
        draw: Callable[..., Any],
        schema: GraphQLSchema,
        ids: Sequence[str],
        words: Sequence[str],
        faults: bool | None = None,
    ) -> None:
        self.draw = draw
        # Half the documents are valid GraphQL, so they execute; the rest may break any rule.
        self.faults = bool(draw(st.booleans())) if faults is None else faults
        self.schema = schema
        self.ids = tuple(ids) + odd_ids()
        self.text = strings(words)
        self.any_json = json_values(self.text)
        self.declared: dict[str, str] = {}  # variable name -> declared type
        self.values: dict[str, Any] = {}
        self.fragments: dict[str, tuple[str, str]] = {}  # name -> (type condition, definition)
        self.writing: set[str] = set()
        self.selections = 0
        self.aliases = 0
        self.composite = sorted(
            (t for t in schema.type_map.values() if is_composite_type(t) and not t.name.startswith("__")),
            key=lambda t: t.name,
        )

    def chance(self, one_in: int) -> bool:
        return bool(self.draw(st.integers(0, one_in - 1)) == 0)

    def fault(self, one_in: int) -> bool:
        """Whether to break a rule here: only in documents that may break rules."""
        return self.faults and self.chance(one_in)

    # Values -----------------------------------------------------------------------------------------

    def value(self, t: Any, depth: int = 0) -> Any:
        """A value for input type ``t``: conforming mostly, any JSON now and then."""
        if self.fault(25):
            return self.draw(self.any_json)
        if isinstance(t, GraphQLNonNull):
            return self.conforming(t.of_type, depth)
        if self.chance(8):
            return None
        return self.conforming(t, depth)

    def conforming(self, t: Any, depth: int) -> Any:
        if isinstance(t, GraphQLNonNull):
            return self.conforming(t.of_type, depth)
        if isinstance(t, GraphQLList):
            if self.chance(10) and not isinstance(t.of_type, GraphQLList):
                return self.value(t.of_type, depth + 1)  # a single value where a list is expected coerces
            return [self.value(t.of_type, depth + 1) for _ in range(self.draw(st.integers(0, 3)))]
        if isinstance(t, GraphQLInputObjectType):
            out: dict[str, Any] = {}
            for name, f in t.fields.items():
                required = isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
                if (required and not self.fault(40)) or (depth < 3 and self.chance(3)):
                    out[name] = self.value(f.type, depth + 1)
            if self.fault(30):
                out[self.draw(st.from_regex(r"[a-z][A-Za-z]{0,8}", fullmatch=True))] = self.draw(self.any_json)
            return out
        if isinstance(t, GraphQLEnumType):
            names = sorted(t.values)
            if self.fault(15):
                return self.draw(st.sampled_from([n.lower() for n in names] + ["", "NOPE"]))
            return self.draw(st.sampled_from(names))
        return self.draw(self.scalar(t.name))

    def scalar(self, name: str) -> st.SearchStrategy[Any]:
        """Values of a scalar; what its parser refuses (a 33-bit Int, a Date that is no date) only in
        documents that may break rules."""
        if name == "Int":
            edges = INT_EDGES if self.faults else tuple(i for i in INT_EDGES if -(2**31) <= i < 2**31)
            return st.one_of(st.integers(-3, 120), st.integers(1985, 2031), st.sampled_from(edges))
        if name == "Float":
            return st.one_of(st.floats(-1000, 1000, allow_nan=False), st.sampled_from(FLOAT_EDGES))
        if name == "Boolean":
            return st.booleans()
        if name == "ID":
            return st.one_of(st.sampled_from(self.ids), st.sampled_from(self.ids), self.text)
        if name == "Date":
            return st.one_of(_date_strings(), _date_strings(), self.text) if self.faults else _date_strings()
        if name == "DateTime":
            return st.one_of(_datetime_strings(), self.text) if self.faults else _datetime_strings()
        if name == "JSON":
            return self.any_json
        return self.text

    def literal(self, value: Any, t: Any) -> str:
        """``value`` written as a GraphQL literal of type ``t`` (enum names bare)."""
        inner = t.of_type if isinstance(t, GraphQLNonNull) else t
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return repr(value) if value == value and abs(value) != float("inf") else json.dumps(str(value))
        if isinstance(inner, GraphQLList) and not isinstance(value, list):
            return self.literal(value, inner.of_type)  # a single value where a list is expected
        if isinstance(value, str):
            if isinstance(inner, GraphQLEnumType) and value in inner.values:
                return value
            # Either escaped (\\u4e1c) or raw characters in the document; both are GraphQL strings.
            return json.dumps(value, ensure_ascii=self.draw(st.booleans()))
        if isinstance(value, list):
            item = inner.of_type if isinstance(inner, GraphQLList) else None
            return "[" + ", ".join(self.literal(v, item) for v in value) + "]"
        fields = inner.fields if isinstance(inner, GraphQLInputObjectType) else {}
        parts = [f"{k}: {self.literal(v, fields[k].type if k in fields else None)}" for k, v in value.items()
                 if NAME.match(k)]  # fmt: skip
        return "{" + ", ".join(parts) + "}"

    def argument(self, t: Any, depth: int = 0) -> str:
        """An argument value: a variable, an object literal holding variables, or a plain literal."""
        if self.chance(3):
            return self.variable(t)
        inner = t.of_type if isinstance(t, GraphQLNonNull) else t
        if isinstance(inner, GraphQLInputObjectType) and depth < 3 and self.draw(st.booleans()):
            parts = []
            for name, f in inner.fields.items():
                required = isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
                if (required and not self.fault(40)) or self.chance(3):
                    parts.append(f"{name}: {self.argument(f.type, depth + 1)}")
            return "{" + ", ".join(parts) + "}"
        value = self.value(t)
        if not self.faults and _has_surrogate(value):
            return self.variable(t, value)  # a GraphQL string literal cannot hold one; JSON can
        return self.literal(value, t)

    def variable(self, t: Any, value: Any = ABSENT) -> str:
        declared = str(t)
        reusable = [n for n, d in self.declared.items() if d == declared]
        if reusable and value is ABSENT and self.chance(4):
            return "$" + self.draw(st.sampled_from(reusable))
        name = f"v{len(self.declared)}"
        if self.fault(25):  # a declaration that does not fit where the variable is used
            declared = self.draw(st.sampled_from(["String", "Int!", "Boolean", "[ID]", "JSON", declared.rstrip("!")]))
        if self.chance(20) and not declared.endswith("!"):
            default = self.value(t)
            if self.faults or not _has_surrogate(default):
                declared += f" = {self.literal(default, t)}"
        self.declared[name] = declared
        if not self.fault(20):  # else: no value at all
            self.values[name] = self.value(t) if value is ABSENT else value
        return "$" + name

    def directives(self, allowed: bool = True) -> str:
        """``@include`` / ``@skip``: at most one of each where they are allowed; in documents that may
        break rules also repeated, with ill-typed conditions, or where they are not allowed."""
        if not (allowed or self.faults):
            return ""
        out: list[str] = []
        while self.chance(5 if not out else 10):
            name = self.draw(st.sampled_from(["include", "skip"]))
            if not self.faults and any(d.startswith(f"@{name}(") for d in out):
                break
            conditions = ["true", "false", "var", "var"] + (["null", '"yes"'] if self.faults else [])
            condition = self.draw(st.sampled_from(conditions))
            if condition == "var":
                condition = self.variable(GraphQLNonNull(self.schema.type_map["Boolean"]))  # type: ignore[arg-type]
            out.append(f"@{name}(if: {condition})")
        return "".join(" " + d for d in out)

    # Selections -------------------------------------------------------------------------------------

    def possible(self, t: GraphQLNamedType) -> set[str]:
        if isinstance(t, GraphQLInterfaceType | GraphQLUnionType):
            return {p.name for p in self.schema.get_possible_types(t)}
        return {t.name}

    def conditions(self, parent: Any) -> list[Any]:
        """Type conditions a fragment may have where ``parent`` is expected."""
        if isinstance(parent, GraphQLObjectType):
            return [parent, *parent.interfaces]
        if isinstance(parent, GraphQLInterfaceType):
            return [parent, *self.schema.get_possible_types(parent)]
        return list(self.schema.get_possible_types(parent))

    def condition(self, parent: Any) -> Any:
        if self.fault(40):
            return self.draw(st.sampled_from(self.composite))  # possibly impossible here
        return self.draw(st.sampled_from(self.conditions(parent)))

    def selection_set(self, parent: Any, depth: int) -> str:
        count = self.draw(st.integers(1, 3))
        return "{ " + " ".join(self.selection(parent, depth) for _ in range(count)) + " }"

    def selection(self, parent: Any, depth: int) -> str:
        self.selections += 1
        if self.selections > self.MAX_SELECTIONS:
            return "__typename"
        kind = self.draw(st.sampled_from(["field"] * 6 + ["typename", "inline", "spread", "spread"]))
        if kind == "field" and isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return self.field(parent, depth)
        if kind == "inline":
            if self.chance(5):
                return f"...{self.directives()} {self.selection_set(parent, depth)}"
            t = self.condition(parent)
            return f"... on {t.name}{self.directives()} {self.selection_set(t, depth)}"
        if kind == "spread":
            return self.spread(parent, depth)
        return self.alias("__typename", ["__typename"]) + "__typename" + self.directives()

    def alias(self, name: str, names: Sequence[str]) -> str:
        """An alias. A valid document gives every field but ``id`` and ``__typename`` one of its own: two
        fields answering under one name must agree in type and arguments, which fragments on different
        types (``status`` of an agency and of an address) would not."""
        if not self.faults:
            if name in ("id", "__typename") and not self.chance(4):
                return ""
            self.aliases += 1
            return f"{name}{self.aliases}: "
        if not self.chance(4):
            return ""
        return self.draw(st.sampled_from(["a", "b", "id", "__typename", *names])) + ": "  # clashes too

    def field(self, parent: Any, depth: int, directives: bool = True) -> str:
        fields = parent.fields
        name = self.draw(st.sampled_from(sorted(fields)))
        f = fields[name]
        args = []
        for arg_name, arg in f.args.items():
            required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
            if (required and not self.fault(30)) or self.chance(4):
                args.append(f"{arg_name}: {self.argument(arg.type)}")
        if self.fault(30):
            args.append(f"unknownArgument: {self.literal(self.draw(self.any_json), None)}")
        text = self.alias(name, sorted(fields)) + name + (f"({', '.join(args)})" if args else "")
        text += self.directives(allowed=directives)
        target = get_named_type(f.type)
        if is_composite_type(target):
            if self.fault(40):
                return text  # a composite field without a selection
            if depth >= self.MAX_DEPTH or self.selections > self.MAX_SELECTIONS:
                return text + " { __typename }"
            return text + " " + self.selection_set(target, depth + 1)
        return text + (" { id }" if self.fault(40) else "")

    def spread(self, parent: Any, depth: int) -> str:
        if self.fault(40):
            return "...NoSuchFragment"
        usable = [
            n
            for n, (t, _) in self.fragments.items()
            if self.possible(self.schema.type_map[t]) & self.possible(parent)  # type: ignore[arg-type]
        ]
        if usable and self.draw(st.booleans()):
            name = self.draw(st.sampled_from(sorted(usable)))
        else:
            name = self.fragment(parent, depth)
        repeat = self.draw(st.integers(1, 3))
        return " ".join(f"...{name}{self.directives()}" for _ in range(repeat))

    def fragment(self, parent: Any, depth: int) -> str:
        name = f"F{len(self.fragments) + len(self.writing)}"
        t = self.condition(parent)
        self.writing.add(name)
        body = self.selection_set(t, depth)
        if self.fault(40):
            body = body[:-1] + f"...{name} }}"  # spreads itself
        self.writing.discard(name)
        self.fragments[name] = (t.name, f"fragment {name} on {t.name}{self.directives(allowed=False)} {body}")
        return name

    # The request ------------------------------------------------------------------------------------

    def request(self) -> Request:
        kind = self.draw(st.sampled_from(["query"] * 6 + ["mutation"] * 3 + ["subscription"]))
        root = {
            "query": self.schema.query_type,
            "mutation": self.schema.mutation_type,
            "subscription": self.schema.subscription_type,
        }[kind]
        assert root is not None
        if kind == "subscription" and not self.faults:  # exactly one root field, no directive on it
            selection = "{ " + self.field(root, 0, directives=False) + " }"
        else:
            selection = self.selection_set(root, 0)
        if self.fault(25):
            self.declared[f"v{len(self.declared)}"] = "Int"  # declared, never used
        declarations = ", ".join(f"${n}: {t}" for n, t in self.declared.items())
        if self.declared and self.fault(30):
            declarations = declarations.rsplit(", ", 1)[0] if ", " in declarations else ""  # used, not declared
        name = self.draw(st.sampled_from(["", "", "Op"]))
        header = f"{kind} {name}{f'({declarations})' if declarations else ''}"
        operations = [selection if header == "query " and self.chance(2) else f"{header} {selection}"]
        operation_name = None
        if self.chance(12) and (name or self.faults):
            operations.append("query Other { __typename }")
            choices = ["Op", "Other", "Missing", None] if self.faults else ["Op", "Other"]
            operation_name = self.draw(st.sampled_from(choices))
        elif name and self.chance(4):
            operation_name = self.draw(st.sampled_from(["Op", "Missing"] if self.faults else ["Op"]))
        definitions = operations + [d for _, d in self.fragments.values()]
        document = "\n".join(self.draw(st.permutations(definitions)))
        variables: Any = dict(self.values)
        if self.fault(20):
            variables[self.draw(st.from_regex(r"[a-z][a-z0-9]{0,4}", fullmatch=True))] = self.draw(self.any_json)
        if self.fault(30):
            variables = self.draw(st.one_of(st.lists(self.any_json, max_size=2), self.text, st.integers(), st.none()))
        elif not variables and self.draw(st.booleans()):
            variables = ABSENT
        return Request(document, variables, operation_name)


def requests(schema: GraphQLSchema, ids: Sequence[str] = (), words: Sequence[str] = ()) -> st.SearchStrategy[Request]:
    """Requests using fragments, directives, aliases and variables over ``schema``; ``ids`` (global ids)
    and ``words`` (codes, USCCs, names) of the test world make many of them reach the resolvers."""

    @st.composite
    def build(draw: st.DrawFn) -> Request:
        return _Writer(draw, schema, ids, words).request()

    return build()


def input_value(
    draw: Callable[..., Any],
    schema: GraphQLSchema,
    input_type: Any,
    *,
    ids: Sequence[str] = (),
    words: Sequence[str] = (),
    faults: bool = False,
) -> Any:
    """A JSON value for a variable of ``input_type``, as :func:`requests` sends them: of the right type
    (with hostile strings) unless ``faults``, then now and then of any shape."""
    return _Writer(draw, schema, ids, words, faults).value(input_type)


@st.composite
def expanding_requests(draw: st.DrawFn) -> Request:
    """Documents whose expansion grows exponentially or quadratically with their length: fragment
    chains each spreading the next 2-4 times (also through inline fragments and aliases), and one field
    repeated hundreds of times in one selection set."""
    shape = draw(st.sampled_from(["chain", "inline-chain", "repeat"]))
    if shape == "repeat":
        count = draw(st.integers(2, 1_500))
        field = draw(st.sampled_from(["__typename", "a: __typename", "viewer { role }", "keyIndustries { code }"]))
        return Request("{ " + " ".join([field] * count) + " }")
    depth = draw(st.integers(1, 40))
    width = draw(st.integers(2, 4))
    leaf = draw(st.sampled_from(["__typename", "a: __typename", "viewer { role }", "b: viewer { role }"]))
    if shape == "inline-chain":
        body = leaf
        for _ in range(depth):
            if len(body) * width > 60_000:  # the text itself grows with the expansion here
                break
            body = " ".join([f"... {{ {body} }}"] * width)
        return Request(f"{{ {body} }}")
    fragments = [f"fragment F0 on Query {{ {leaf} }}"]
    for i in range(1, depth + 1):
        fragments.append(f"fragment F{i} on Query {{ {' '.join([f'...F{i - 1}'] * width)} }}")
    return Request("\n".join([f"query {{ ...F{depth} }}", *draw(st.permutations(fragments))]))
