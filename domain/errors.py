"""Errors a command raises when it refuses input.

Every refusal carries a stable ``code``, the offending ``field`` where there is one, and a message in
Chinese and English, so the API can turn it into a ``userErrors`` entry without guessing. A command
raises before it writes, or its transaction is rolled back, so a refusal never leaves partial data.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from domain import labels


@dataclass
class DomainError(Exception):
    code: str
    message_en: str
    message_zh: str
    field: str | None = None
    rule: str | None = None
    article: str | None = None
    details: dict[str, Any] = dataclass_field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(f"{self.code}: {self.message_en}")

    def __str__(self) -> str:
        return f"{self.code}: {self.message_en} / {self.message_zh}"


class InvalidInput(DomainError):
    """A value fails a validator (USCC check character, code, length, date)."""

    def __init__(self, field: str, message_en: str, message_zh: str, **details: Any) -> None:
        super().__init__("INVALID_INPUT", message_en, message_zh, field=field, details=details)


KIND_ZH: dict[str, str] = {
    "Jurisdiction": "行政区",
    "Agency": "机构",
    "Address": "地址",
    "Enterprise": "经营主体",
    "Notice": "公告",
    "AnnualReport": "年度报告",
    "QuarterlyReport": "季度报告",
    "ContactLog": "联络记录",
    "ApiKey": "API 密钥",
}


def kind_zh(kind: str) -> str:
    """The Chinese name of an entity kind, for the Chinese half of a message (the kind itself if unnamed)."""
    return KIND_ZH.get(kind, kind)


class NotFound(DomainError):
    def __init__(self, kind: str, key: object, field: str | None = None) -> None:
        super().__init__(
            "NOT_FOUND",
            f"{kind} {key!s} does not exist",
            f"{kind_zh(kind)} {key!s} 不存在",
            field=field,
            details={"kind": kind, "key": str(key)},
        )


class AlreadyExists(DomainError):
    def __init__(self, kind: str, key: object, field: str | None = None) -> None:
        super().__init__(
            "ALREADY_EXISTS",
            f"{kind} {key!s} already exists",
            f"{kind_zh(kind)} {key!s} 已存在",
            field=field,
            details={"kind": kind, "key": str(key)},
        )


class IllegalTransition(DomainError):
    """A lifecycle command asked for a move its state machine does not allow from the current state."""

    def __init__(self, kind: str, action: str, current: str, allowed_from: Collection[str]) -> None:
        allowed = ", ".join(labels.en(s) for s in sorted(allowed_from)) or "none"
        allowed_zh = "、".join(labels.zh(s) for s in sorted(allowed_from)) or "无"
        article = "an" if kind[:1] in "AEIOU" else "a"
        super().__init__(
            "ILLEGAL_TRANSITION",
            f"cannot {labels.en(action)} {article} {kind} that is {labels.en(current)}; allowed only when: {allowed}",
            f"{kind_zh(kind)}当前状态为“{labels.zh(current)}”，不能{labels.zh(action)}；仅在以下状态可以：{allowed_zh}",
            field="status",
            details={"current": current, "allowedFrom": sorted(allowed_from), "action": action},
        )


class StaleVersion(DomainError):
    """Optimistic concurrency: the caller edited an older version than the one stored."""

    def __init__(self, kind: str, expected: int, actual: int) -> None:
        super().__init__(
            "STALE_VERSION",
            f"{kind} is at version {actual}, not the expected {expected}; reload and retry",
            f"{kind_zh(kind)}当前版本为 {actual}，不是预期的 {expected}；请刷新后重试",
            field="expectedVersion",
            details={"expected": expected, "actual": actual},
        )


class RuleRefusal(DomainError):
    """One or more blocking rule findings; ``findings`` lists every finding, blocking or not."""

    def __init__(self, findings: Sequence[Any]) -> None:
        blocking = [f for f in findings if getattr(f, "severity", None) == "block"]
        first = blocking[0] if blocking else findings[0]
        super().__init__(
            "RULE_REFUSED",
            "; ".join(f"[{f.rule}] {f.message_en}" for f in blocking),
            "；".join(f"[{f.rule}] {f.message_zh}" for f in blocking),
            field=getattr(first, "field", None),
            rule=first.rule,
            article=first.article,
        )
        self.findings = list(findings)
