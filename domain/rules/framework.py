"""A small rule framework.

A rule has a stable id (``WX-26.3``), the rule pack it belongs to, the dates it is in force, the article
it comes from, and bilingual messages. Evaluating it returns findings, never a bare boolean, so a
refusal can always say which article refused and on which facts.

Commands evaluate rules at named checkpoints (``agency.register``, ``address.file``,
``enterprise.register``, ``address.begin_exit``, ``agency.terminate``, ...) with a dictionary of facts
the command gathered; the rules themselves import nothing but the standard library and this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    rule: str
    pack: str
    article: str
    severity: Severity
    message_zh: str
    message_en: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    field: str | None = None
    action: str | None = None


Evaluator = Callable[[Mapping[str, Any], dt.date], "list[Finding]"]


@dataclass(frozen=True)
class Rule:
    id: str
    pack: str
    article: str
    checkpoints: tuple[str, ...]
    title_zh: str
    title_en: str
    evaluate: Evaluator
    in_force_from: dt.date | None = None
    in_force_to: dt.date | None = None

    def in_force(self, on: dt.date) -> bool:
        return (self.in_force_from is None or on >= self.in_force_from) and (
            self.in_force_to is None or on <= self.in_force_to
        )


REGISTRY: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if rule.id in REGISTRY:
        raise ValueError(f"duplicate rule id {rule.id}")
    REGISTRY[rule.id] = rule
    return rule


def evaluate(checkpoint: str, packs: tuple[str, ...], facts: Mapping[str, Any], on: dt.date) -> list[Finding]:
    """Every finding of every rule of ``packs`` that applies at ``checkpoint`` and is in force ``on``."""
    findings: list[Finding] = []
    for rule in REGISTRY.values():
        if rule.pack in packs and checkpoint in rule.checkpoints and rule.in_force(on):
            findings.extend(rule.evaluate(facts, on))
    return findings
