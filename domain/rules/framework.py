"""A small rule framework.

A rule has a stable id (``WX-26.3``), the rule pack it belongs to, the dates it is in force, the article
it comes from, and bilingual messages. Evaluating it returns findings, never a bare boolean, so a
refusal can always say which article refused and on which facts.

Commands evaluate rules at named checkpoints (``agency.register``, ``address.file``,
``enterprise.register``, ``address.begin_exit``, ``agency.terminate``, the ``supervision.*`` and
``score.*`` checkpoints) with a dictionary of facts the command gathered, and with the named parameters
of :mod:`domain.parameters` as a plain mapping. The facts of each checkpoint are a ``TypedDict`` of
:mod:`domain.rules.facts`, and a rule takes the ``Context`` of its checkpoint
(``Context[AddressFilingFacts]``). The rules themselves import nothing but the standard library and this
package, so they can be read, tested and reused without a database.

A rule that is not in force on the evaluation date is not evaluated, and the caller is told: each pack
adds one ``info`` finding naming the rules it skipped and the dates its document is in force.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar


class Severity(StrEnum):
    BLOCK = "block"  # the command refuses
    WARN = "warn"  # the command goes ahead; the finding is recorded against the subject
    INFO = "info"  # for the record: a fact worth knowing, or a rule that was not evaluated


class Action(StrEnum):
    """What a finding recommends. Supervision records recommendations; it changes no status itself."""

    REFUSE = "refuse"
    INTERVIEW = "interview"  # 约谈
    AWAIT_RECTIFICATION = "await_rectification"  # 限期改正, deadline not yet passed
    SUSPEND = "suspend"  # 暂停
    CANCEL = "cancel"  # 取消
    STOP_SERVICE = "stop_service"  # 停止其从事集群注册登记服务
    DISQUALIFY = "disqualify"  # 取消托管机构的资格
    REFER = "refer_to_district_government"  # 报请区政府审议
    VET = "vet"  # 审慎审核
    PUBLICISE = "publicise_actual_premises"  # 自行公示实际经营场所
    REMOVE = "remove"  # 除名
    CREDIT_REPAIR = "credit_repair"  # 信用修复
    CLEAR_ABNORMAL = "clear_abnormal_mark"  # 自动取消经营异常标记
    RECTIFY = "rectify"  # 改正


def json_safe(value: Any) -> Any:
    """Facts as JSON values: dates as ISO strings, sets sorted, tuples as lists."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(json_safe(v) for v in value)
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


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


@dataclass(frozen=True)
class Pack:
    """A seed document: its rules share its dates of force."""

    code: str
    title_zh: str
    title_en: str
    source: str
    in_force_from: dt.date | None = None
    in_force_to: dt.date | None = None
    validity_article: str | None = None
    note: str | None = None


RULE_ACTION = "<the rule's action>"  # default of Context.finding: the rule's own recommended action

# The facts of a checkpoint: a TypedDict of domain.rules.facts (a rule on several checkpoints takes a union).
FactsT = TypeVar("FactsT", bound=Mapping[str, Any], covariant=True)


@dataclass(frozen=True)
class Context(Generic[FactsT]):
    """What a rule sees: the facts, the evaluation date, and only the parameters it declared."""

    rule: Rule
    checkpoint: str
    facts: FactsT
    on: dt.date
    params: Mapping[str, Any]

    def finding(
        self,
        message_zh: str,
        message_en: str,
        *,
        used: Mapping[str, Any],
        severity: Severity | None = None,
        action: str | None = RULE_ACTION,
        field: str | None = None,
    ) -> Finding:
        """A finding of this rule; ``used`` are the facts it rests on (stored with it, as JSON)."""
        return Finding(
            rule=self.rule.id,
            pack=self.rule.pack,
            article=self.rule.article,
            severity=severity or self.rule.severity,
            message_zh=message_zh,
            message_en=message_en,
            facts=json_safe(used),
            field=field,
            action=self.rule.action if action == RULE_ACTION else action,
        )


Evaluator = Callable[[Context[Any]], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    pack: str
    article: str
    checkpoints: tuple[str, ...]
    title_zh: str
    title_en: str
    evaluate: Evaluator
    severity: Severity = Severity.BLOCK
    action: str | None = None
    parameters: tuple[str, ...] = ()
    thresholds: Mapping[str, Any] = field(default_factory=dict)
    quote: str = ""
    in_force_from: dt.date | None = None
    in_force_to: dt.date | None = None

    def in_force(self, on: dt.date) -> bool:
        return (self.in_force_from is None or on >= self.in_force_from) and (
            self.in_force_to is None or on <= self.in_force_to
        )


PACKS: dict[str, Pack] = {}
REGISTRY: dict[str, Rule] = {}


def register_pack(pack: Pack) -> Pack:
    if pack.code in PACKS:
        raise ValueError(f"duplicate pack {pack.code}")
    PACKS[pack.code] = pack
    return pack


def register(rule: Rule) -> Rule:
    if rule.id in REGISTRY:
        raise ValueError(f"duplicate rule id {rule.id}")
    REGISTRY[rule.id] = rule
    return rule


def rule(
    pack: Pack,
    id: str,
    article: str,
    checkpoints: tuple[str, ...],
    title_zh: str,
    title_en: str,
    *,
    severity: Severity = Severity.BLOCK,
    action: str | None = None,
    parameters: tuple[str, ...] = (),
    thresholds: Mapping[str, Any] | None = None,
    quote: str = "",
) -> Callable[[Evaluator], Rule]:
    """Register the decorated evaluator as a rule of ``pack``, in force when the pack is."""

    def wrap(evaluate_fn: Evaluator) -> Rule:
        return register(
            Rule(
                id=id,
                pack=pack.code,
                article=article,
                checkpoints=checkpoints,
                title_zh=title_zh,
                title_en=title_en,
                evaluate=evaluate_fn,
                severity=severity,
                action=action,
                parameters=parameters,
                thresholds=dict(thresholds or {}),
                quote=quote,
                in_force_from=pack.in_force_from,
                in_force_to=pack.in_force_to,
            )
        )

    return wrap


def not_in_force(pack_code: str, rule_ids: Iterable[str], on: dt.date) -> Finding:
    """The ``info`` finding that says which rules of a pack were not evaluated on ``on``, and why."""
    pack = PACKS[pack_code]
    start = pack.in_force_from.isoformat() if pack.in_force_from else "—"
    end = pack.in_force_to.isoformat() if pack.in_force_to else "—"
    ids = sorted(set(rule_ids))
    return Finding(
        rule=f"{pack_code}-IN-FORCE",
        pack=pack_code,
        article=pack.validity_article or pack.source,
        severity=Severity.INFO,
        message_zh=f"《{pack.title_zh}》有效期为 {start} 至 {end}，{on.isoformat()} 不在有效期内，"
        f"未评估：{'、'.join(ids)}",
        message_en=(
            f"{pack.title_en} is in force from {start} to {end}; on {on.isoformat()} it is not, so these rules "
            f"were not evaluated: {', '.join(ids)}"
        ),
        facts=json_safe({"on": on, "in_force_from": pack.in_force_from, "in_force_to": pack.in_force_to, "rules": ids}),
    )


def rules_at(checkpoint: str, packs: Iterable[str]) -> list[Rule]:
    wanted = set(packs)
    return [r for r in REGISTRY.values() if r.pack in wanted and checkpoint in r.checkpoints]


def evaluate(
    checkpoint: str,
    packs: tuple[str, ...],
    facts: Mapping[str, Any],
    on: dt.date,
    params: Mapping[str, Any],
) -> list[Finding]:
    """Every finding of every rule of ``packs`` at ``checkpoint`` that is in force ``on``, plus one info
    finding per pack whose rules were skipped because they were not in force."""
    findings: list[Finding] = []
    for pack_code in packs:
        skipped: list[str] = []
        for r in rules_at(checkpoint, (pack_code,)):
            if not r.in_force(on):
                skipped.append(r.id)
                continue
            ctx = Context(r, checkpoint, facts, on, {name: params[name] for name in r.parameters})
            findings.extend(r.evaluate(ctx))
        if skipped:
            findings.append(not_in_force(pack_code, skipped, on))
    return findings
