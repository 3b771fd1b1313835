"""What the publisher refuses to release: personal data (invariant 4, docs/architecture.md) and rows that
break their own Table Schema's cheap constraints (required, enum, pattern).

The checks run on every cell as it is written, so a refusal comes before anything is swapped in and the
previous release keeps serving.
"""

from __future__ import annotations

import re
from typing import Any

from domain.model import AgencyPersonal, EnterprisePersonal
from domain.privacy import find_personal_data

# Every column of the personal tables (bar their keys) is personal by definition, whatever its value.
PERSONAL_FIELDS = frozenset(
    c.name for table in (AgencyPersonal, EnterprisePersonal) for c in table.__table__.columns if not c.foreign_keys
)


class ReleaseRefused(Exception):
    """A release would carry something it must not; nothing was published."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(f"{message_en} / {message_zh}")
        self.message_en = message_en
        self.message_zh = message_zh


def check_schema(resource: str, schema: dict[str, Any]) -> None:
    personal = sorted(PERSONAL_FIELDS & {f["name"] for f in schema["fields"]})
    if personal:
        raise ReleaseRefused(
            f"resource {resource} declares personal fields {personal}",
            f"资源 {resource} 含有个人信息字段 {personal}",
        )


def _personal(where: str, kind: str) -> ReleaseRefused:
    return ReleaseRefused(
        f"{where} contains a {kind.replace('_', ' ')}; open data may not carry personal data",
        f"{where} 含有{'身份证号码' if kind == 'id_number' else '电话号码'}；开放数据不得包含个人信息",
    )


# SHA-256 digests are random hex; eleven digits in a row inside one would read as a mobile number.
_DIGEST_RE = re.compile(r"[0-9a-f]{64}")


def check_text(where: str, text: str) -> None:
    """Refuse a generated document (descriptor, README, page) that carries personal data; the file
    digests it lists are skipped."""
    found = next(find_personal_data(_DIGEST_RE.sub(" ", text)), None)
    if found is not None:
        raise _personal(where, found[0])


class RowChecker:
    """Checks one resource's formatted cells against privacy patterns and the schema's constraints."""

    def __init__(self, resource: str, schema: dict[str, Any]) -> None:
        check_schema(resource, schema)
        self.resource = resource
        self.names = [f["name"] for f in schema["fields"]]
        constraints = [f.get("constraints", {}) for f in schema["fields"]]
        self.required = [bool(c.get("required")) for c in constraints]
        self.enums = [frozenset(c["enum"]) if "enum" in c else None for c in constraints]
        self.patterns = [re.compile(c["pattern"]) if "pattern" in c else None for c in constraints]

    def check(self, key: str, cells: list[str]) -> None:
        for name, cell, required, enum, pattern in zip(
            self.names, cells, self.required, self.enums, self.patterns, strict=True
        ):
            if cell == "":
                if required:
                    where = f"{self.resource}[{key}].{name}"
                    raise ReleaseRefused(f"{where} is required but empty", f"{where} 为必填项，但为空")
                continue
            found = next(find_personal_data(cell), None)
            if found is not None:
                raise _personal(f"{self.resource}[{key}].{name}", found[0])
            if enum is not None and cell not in enum:
                where = f"{self.resource}[{key}].{name}"
                raise ReleaseRefused(
                    f"{where} = {cell!r} is not one of its categories", f"{where} 的取值“{cell}”不在分类表中"
                )
            if pattern is not None and not pattern.fullmatch(cell):
                where = f"{self.resource}[{key}].{name}"
                raise ReleaseRefused(
                    f"{where} = {cell!r} does not match its pattern", f"{where} 的取值“{cell}”不符合格式"
                )
