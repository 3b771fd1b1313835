"""Read operations for the planner's differential test: random selections on the directory's
connections with arguments, filters, orderings, page sizes, cursors, aliases, named and inline
fragments, ``@include``/``@skip`` and variables.

Most operations select what the planner covers; some add fields it leaves to the resolvers (nested
objects, computed and personal fields), root fields it does not plan, or arguments the resolvers refuse
(page sizes out of range, malformed or foreign cursors, bad filter values), so both paths' errors and
fallbacks are compared too. Cursors come from a pool of real ones, gathered from the reference path.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

ENTERPRISE_FIELDS = [
    "id",
    "uscc",
    "name",
    "kind",
    "industryCode",
    "jurisdictionCode",
    "registeredAddress",
    "registeredOn",
    "movedOutOn",
    "deregisteredOn",
    "status",
    "abnormalSince",
    "abnormalReason",
    "version",
    "__typename",
]
AGENCY_FIELDS = [
    "id",
    "uscc",
    "name",
    "role",
    "kind",
    "jurisdictionCode",
    "status",
    "registeredOn",
    "serviceEndedOn",
    "latestGrade",
    "latestGradeYear",
    "version",
    "__typename",
]
# Fields the planner leaves to the resolvers, some guarded by the access rules.
ENTERPRISE_OTHER = (
    "industryNameZh",
    "jurisdiction { code }",
    "address { code }",
    "personal { contactPhone legalRepresentativeName }",
    "details { businessScope }",
)
AGENCY_OTHER = ("jurisdiction { code }", "personal { liaisonPhone }", "addresses(first: 2) { totalCount }")
ADDRESS_FIELDS = (
    "id",
    "code",
    "jurisdictionCode",
    "kind",
    "addressText",
    "building",
    "room",
    "latitude",
    "longitude",
    "premisesBasis",
    "capacity",
    "occupied",
    "freePlaces",
    "status",
    "statusChangedOn",
    "publishedOn",
    "plannedExitOn",
    "version",
    "__typename",
)
ADDRESS_OTHER = ("keyIndustries", "premises { tenure }", "jurisdiction { code }", "hostUnit { name }")
PAGE_INFO = ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename")
CODES = ("110115", "110112", "110000", "320205", "320200", "110115", "110000", "abc")
TEXTS = ("数字", "有限公司", "9111", "%", "_", "测试企业00", "x", "")
PAGE_SIZES = (None, None, 1, 2, 3, 4, 5, 7, 10, 20, 100, 1, 2, 3, 0, 101)
# The orderings the cursor pool has cursors of ("" is the default ordering).
ORDERS = ("", "{field: NAME, direction: DESC}", "{field: USCC}")
OTHER_ORDERS = ("{field: REGISTERED_ON, direction: DESC}", "{field: NAME}", "{field: USCC, direction: DESC}")


@dataclass
class Request:
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    as_: str | None = None

    def __str__(self) -> str:
        return f"as {self.as_}: {self.query} {json.dumps(self.variables, ensure_ascii=False)}"


class _Builder:
    """Writes one operation: variable definitions, fragments and the selection."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.definitions: list[str] = []
        self.variables: dict[str, Any] = {}
        self.fragments: list[str] = []
        self.aliases = 0

    def value(self, graphql_type: str, value: Any, literal: str) -> str:
        """``literal`` inline, or a variable of ``graphql_type`` holding ``value``."""
        if value is None or not self.draw(st.booleans()):
            return literal
        name = f"v{len(self.definitions)}"
        self.definitions.append(f"${name}: {graphql_type}")
        self.variables[name] = value
        return f"${name}"

    def alias(self, name: str) -> str:
        """Now and then an alias (a new one each time, so aliases never clash)."""
        if self.draw(st.integers(0, 4)) != 3:
            return ""
        self.aliases += 1
        return f"{self.draw(st.sampled_from(['a', 'b', 'x_']))}{self.aliases}{name[:2]}: "

    def directive(self) -> str:
        choice = self.draw(st.integers(0, 9))
        if choice == 0:
            return " @include(if: false)"
        if choice == 1:
            return f" @skip(if: {self.value('Boolean!', self.draw(st.booleans()), 'true')})"
        return ""

    def node(self, kind: str, fields: Sequence[str], other: Sequence[str]) -> str:
        chosen = self.draw(st.lists(st.sampled_from(list(fields)), min_size=1, max_size=8))
        parts = [f"{self.alias(f)}{f}{self.directive()}" for f in chosen]
        if self.draw(st.integers(0, 5)) == 3:
            parts.append(self.draw(st.sampled_from(other)))
        style = self.draw(st.integers(0, 3))
        if style == 1:
            name = f"F{len(self.fragments)}"
            self.fragments.append(f"fragment {name} on {kind} {{ {' '.join(parts)} }}")
            parts = [f"...{name}", "id"] if self.draw(st.booleans()) else [f"...{name}"]
        elif style == 2:
            parts = [f"... on {kind} {{ {' '.join(parts)} }}", "... on Node { id }"]
        return "{ " + " ".join(parts) + " }"

    def address_node(self) -> str:
        """An address's selection, now and then with its agency (as the search asks for it)."""
        node = self.node("Address", ADDRESS_FIELDS, ADDRESS_OTHER)
        if self.draw(st.booleans()):
            agency = self.node("Agency", AGENCY_FIELDS, AGENCY_OTHER)
            node = node[:-1] + f"{self.alias('agency')}agency {agency} }}"
        return node

    def connection(self, kind: str) -> str:
        fields, other = {
            "Enterprise": (ENTERPRISE_FIELDS, ENTERPRISE_OTHER),
            "Agency": (AGENCY_FIELDS, AGENCY_OTHER),
            "Address": (ADDRESS_FIELDS, ADDRESS_OTHER),
        }[kind]
        parts: list[str] = []
        for _ in range(self.draw(st.integers(1, 4))):
            what = self.draw(st.sampled_from(["edges", "nodes", "pageInfo", "totalCount", "__typename"]))
            if what == "edges":
                inner = ["cursor"] if self.draw(st.booleans()) else []
                inner.append("node " + (self.address_node() if kind == "Address" else self.node(kind, fields, other)))
                if kind == "Address" and self.draw(st.booleans()):
                    inner.append(f"{self.alias('distanceKm')}distanceKm")
                if self.draw(st.integers(0, 6)) == 3:
                    inner.append("__typename")
                parts.append(f"{self.alias(what)}edges {{ {' '.join(self.draw(st.permutations(inner)))} }}")
            elif what == "nodes":
                node = self.address_node() if kind == "Address" else self.node(kind, fields, other)
                parts.append(f"{self.alias(what)}nodes " + node)
            elif what == "pageInfo":
                info = self.draw(st.lists(st.sampled_from(PAGE_INFO), min_size=1, max_size=5))
                parts.append(f"{self.alias(what)}pageInfo {{ {' '.join(info)} }}")
            else:
                parts.append(f"{self.alias(what)}{what}")
        return "{ " + " ".join(parts) + " }"

    def page_arguments(self, cursors: list[str]) -> list[str]:
        out: list[str] = []
        size = self.draw(st.sampled_from(PAGE_SIZES))
        backward = self.draw(st.integers(0, 3)) == 3
        if size is not None:
            name = "last" if backward else "first"
            out.append(f"{name}: {self.value('Int', size, str(size))}")
        cursor_choice = self.draw(st.integers(0, 7))
        if cursor_choice in (1, 2, 4, 5) and cursors:
            cursor = self.draw(st.sampled_from(cursors))
            name = "before" if backward and cursor_choice in (1, 4) else "after"
            out.append(f"{name}: {self.value('String', cursor, json.dumps(cursor))}")
        elif cursor_choice == 3:
            junk = self.draw(st.sampled_from(["abc", "WyJ4Il0=", "", "W10="]))
            out.append(f"after: {self.value('String', junk, json.dumps(junk))}")
        return out

    def enterprise_filter(self) -> str | None:
        conditions = []
        if self.draw(st.booleans()):
            code = self.draw(st.sampled_from(CODES))
            conditions.append(f"jurisdictionCode: {self.value('String', code, json.dumps(code))}")
        if self.draw(st.integers(0, 2)) == 1:
            status = self.draw(st.lists(st.sampled_from(["ACTIVE", "ABNORMAL", "MOVED_OUT", "DEREGISTERED"])))
            conditions.append(f"status: [{', '.join(status)}]")
        if self.draw(st.integers(0, 3)) == 3:
            kinds = self.draw(st.lists(st.sampled_from(["COMPANY", "BRANCH", "PARTNERSHIP"]), max_size=2))
            conditions.append(f"kind: [{', '.join(kinds)}]")
        if self.draw(st.integers(0, 3)) == 3:
            code = self.draw(st.sampled_from(["65", "651", "6510", "6", "x1", "72"]))
            conditions.append(f"industryCode: {json.dumps(code)}")
        if self.draw(st.integers(0, 2)) == 1:
            text = self.draw(st.sampled_from(TEXTS))
            conditions.append(f"text: {self.value('String', text, json.dumps(text))}")
        if not conditions:
            return None
        return "filter: {" + ", ".join(conditions) + "}"

    def agency_filter(self) -> str | None:
        conditions = []
        if self.draw(st.booleans()):
            code = self.draw(st.sampled_from(CODES))
            conditions.append(f"jurisdictionCode: {json.dumps(code)}")
        if self.draw(st.integers(0, 3)) == 3:
            status = self.draw(st.lists(st.sampled_from(["ACTIVE", "SUSPENDED", "TERMINATED"]), max_size=2))
            conditions.append(f"status: [{', '.join(status)}]")
        if self.draw(st.integers(0, 3)) == 3:
            roles = self.draw(st.lists(st.sampled_from(["HOSTING_AGENCY", "HOST_UNIT", "OPERATOR"]), max_size=2))
            conditions.append(f"role: [{', '.join(roles)}]")
        if self.draw(st.integers(0, 3)) == 3:
            grades = self.draw(st.lists(st.sampled_from(["A", "B", "D", "Z"]), max_size=2))
            conditions.append(f"grade: {json.dumps(grades)}")
        if self.draw(st.integers(0, 2)) == 1:
            text = self.draw(st.sampled_from(TEXTS))
            conditions.append(f"text: {self.value('String', text, json.dumps(text))}")
        if not conditions:
            return None
        return "filter: {" + ", ".join(conditions) + "}"

    def order(self) -> str:
        """An ordering's literal: mostly one the cursor pool has cursors of."""
        return self.draw(st.sampled_from(ORDERS + ORDERS + OTHER_ORDERS))

    def pool(self, cursors: dict[str, list[str]], root: str, order: str) -> list[str]:
        """Cursors of this ordering, now and then of another one (refused by both paths)."""
        if self.draw(st.integers(0, 9)) == 3:
            order = self.draw(st.sampled_from(ORDERS))
        return cursors.get(f"{root}|{order}", [])

    def address(self, cursors: dict[str, list[str]]) -> str:
        """``address(code)`` with its columns, its agency and pages of its enterprises."""
        code = self.draw(st.sampled_from(cursors["codes"]))
        parts = [self.node("Address", ADDRESS_FIELDS, ADDRESS_OTHER).strip("{} ")]
        for _ in range(self.draw(st.integers(0, 2))):
            if self.draw(st.booleans()):
                parts.append(f"{self.alias('agency')}agency " + self.node("Agency", AGENCY_FIELDS, AGENCY_OTHER))
            else:
                order = self.order()
                args = self.page_arguments(self.pool(cursors, "enterprises", order))
                if self.draw(st.integers(0, 3)) == 3:
                    status = self.draw(st.lists(st.sampled_from(["ACTIVE", "ABNORMAL", "MOVED_OUT"]), max_size=2))
                    args.append(f"status: [{', '.join(status)}]")
                if order:
                    args.append(f"orderBy: {order}")
                head = f"enterprises({', '.join(args)}) " if args else "enterprises "
                self.aliases += 1
                parts.append(f"e{self.aliases}: " + head + self.connection("Enterprise"))
        return f"address(code: {self.value('String!', code, json.dumps(code))}) {{ {' '.join(parts)} }}"

    def nodes(self, cursors: dict[str, list[str]]) -> str:
        """``nodes(ids)`` with fragments on agencies and enterprises (and ids of other kinds now and then)."""
        ids = self.draw(st.lists(st.sampled_from(cursors["ids"]), max_size=12))
        parts = ["__typename"] if self.draw(st.booleans()) else []
        parts.append("... on Enterprise " + self.node("Enterprise", ENTERPRISE_FIELDS, ENTERPRISE_OTHER))
        if self.draw(st.booleans()):
            parts.append("... on Agency " + self.node("Agency", AGENCY_FIELDS, AGENCY_OTHER))
        if self.draw(st.integers(0, 3)) == 3:
            parts.append("... on Node { id }")
        return f"nodes(ids: {self.value('[ID!]!', ids, json.dumps(ids))}) {{ {' '.join(parts)} }}"

    def search(self, cursors: dict[str, list[str]]) -> str:
        """The investment-promotion search: ``addresses`` with filters, ``near`` and orderings."""
        conditions = []
        near = self.draw(st.booleans())
        if near:
            radius = self.draw(st.sampled_from([5, 30, 100, 100, 600]))
            conditions.append(f"near: {{latitude: 39.75, longitude: 116.4, radiusKm: {radius}}}")
        if self.draw(st.booleans()):
            conditions.append(f"jurisdictionCode: {json.dumps(self.draw(st.sampled_from(CODES)))}")
        if self.draw(st.integers(0, 2)) == 1:
            status = self.draw(st.lists(st.sampled_from(["PUBLISHED", "SUSPENDED", "FILED", "APPLIED"]), max_size=2))
            conditions.append(f"status: [{', '.join(status)}]")
        if self.draw(st.integers(0, 2)) == 1:
            conditions.append(f"keyIndustry: {self.draw(st.sampled_from(['DIGITAL_ECONOMY', 'MEDICINE_HEALTH']))}")
        if self.draw(st.integers(0, 2)) == 1:
            conditions.append(f"minFreePlaces: {self.draw(st.sampled_from([0, 1, 30]))}")
        if self.draw(st.integers(0, 3)) == 3:
            conditions.append(f"text: {json.dumps(self.draw(st.sampled_from(TEXTS)))}")
        order = self.draw(
            st.sampled_from(["", "", "{field: FREE_PLACES, direction: DESC}", "{field: DISTANCE}", "{field: NAME}"])
        )
        pool = "addresses|near" if near and not order else "addresses|"
        args = self.page_arguments(cursors.get(pool, []))
        if conditions:
            args.append("filter: {" + ", ".join(conditions) + "}")
        if order:
            args.append(f"orderBy: {order}")
        head = f"addresses({', '.join(args)}) " if args else "addresses "
        return head + self.connection("Address")

    def root(self, cursors: dict[str, list[str]]) -> str:
        choice = self.draw(st.integers(0, 17))
        if choice in (15, 16, 17):
            return self.search(cursors)
        if choice in (7, 8, 9):
            return self.address(cursors)
        if choice in (13, 14):
            return self.nodes(cursors)
        if choice <= 4:
            order = self.order()
            args = [*self.page_arguments(self.pool(cursors, "enterprises", order))]
            args += [a for a in (self.enterprise_filter(), f"orderBy: {order}" if order else None) if a]
            head = f"enterprises({', '.join(args)}) " if args else "enterprises "
            return head + self.connection("Enterprise")
        if choice <= 11:
            order = self.order()
            args = [*self.page_arguments(self.pool(cursors, "agencies", order))]
            args += [a for a in (self.agency_filter(), f"orderBy: {order}" if order else None) if a]
            head = f"agencies({', '.join(args)}) " if args else "agencies "
            return head + self.connection("Agency")
        return self.draw(
            st.sampled_from(
                [
                    "jurisdictions(first: 3) { nodes { code } }",
                    "viewer { role }",
                    "addresses(first: 2) { totalCount nodes { code freePlaces } }",
                ]
            )
        )


@st.composite
def read_requests(draw: Any, cursors: dict[str, list[str]], callers: tuple[str | None, ...]) -> Request:
    builder = _Builder(draw)
    roots = [builder.root(cursors) for _ in range(draw(st.integers(1, 2)))]
    roots = [(f"r{i}: " if i or draw(st.integers(0, 3)) == 3 else "") + r for i, r in enumerate(roots)]
    header = f"query Q({', '.join(builder.definitions)})" if builder.definitions else "query Q"
    query = " ".join([header, "{", *roots, "}", *builder.fragments])
    return Request(query, builder.variables, draw(st.sampled_from(callers)))
