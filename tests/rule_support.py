"""Evaluate one rule on hand-written facts, with parameters overridable, as the framework would."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing
from enum import StrEnum
from typing import Any

from domain import enums
from domain.key_industries import KEY_INDUSTRIES
from domain.parameters import PARAMETERS
from domain.rules import REGISTRY
from domain.rules.facts import CHECKPOINT_FACTS
from domain.rules.framework import Context, Finding

ON = dt.date(2026, 3, 2)


def check(
    rule_id: str, facts: dict[str, Any], *, on: dt.date = ON, checkpoint: str | None = None, **params: Any
) -> list[Finding]:
    """The findings of ``rule_id`` alone at ``checkpoint`` (default: its first), evaluated on ``on``;
    the rule sees only the parameters it declares, as in :func:`domain.rules.framework.evaluate`. The
    facts may leave keys out, but each one given must be a fact the checkpoint declares
    (domain/rules/facts.py), so a misspelt fact fails the test rather than testing the default."""
    rule = REGISTRY[rule_id]
    assert rule.in_force(on), f"{rule_id} is not in force on {on}"
    at = checkpoint or rule.checkpoints[0]
    undeclared = set(facts) - set(typing.get_type_hints(CHECKPOINT_FACTS[at]))
    assert not undeclared, f"{rule_id}: {sorted(undeclared)} are not facts of {at}"
    mapping = dataclasses.replace(PARAMETERS, **params).as_mapping()
    ctx = Context(rule, at, facts, on, {n: mapping[n] for n in rule.parameters})
    found = list(rule.evaluate(ctx))
    for finding in found:  # every rule test doubles as a check that messages show labels, not codes
        assert not raw_codes(finding.message_zh, chinese=True), (rule_id, finding.message_zh)
        assert not raw_codes(finding.message_en, chinese=False), (rule_id, finding.message_en)
    return found


CODES = (
    frozenset(
        member.value
        for enum in vars(enums).values()
        if isinstance(enum, type) and issubclass(enum, StrEnum) and enum is not StrEnum
        for member in enum
    )
    | frozenset(KEY_INDUSTRIES)
    | {"either", "both", "foreign"}
)


def raw_codes(message: str, *, chinese: bool) -> list[str]:
    """Coded values shown as they are: in a Chinese message any code in Latin letters (``suspended``,
    ``legal_representative``); in an English one the snake-case codes (plain words are English there)."""
    words = re.findall(r"[A-Za-z_]+", message)
    return [w for w in words if w in CODES and (chinese or "_" in w)]
