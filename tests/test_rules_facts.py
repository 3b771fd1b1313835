"""The typed facts of the checkpoints: every rule reads only what its checkpoints declare, and mypy refuses
a fact the checkpoint does not declare, whether read by index, read with ``.get`` or built."""

from __future__ import annotations

import textwrap
import typing
from pathlib import Path

from mypy import api as mypy_api

from domain.rules import REGISTRY
from domain.rules.facts import CHECKPOINT_FACTS, DemonstrationBaseEvaluationFacts
from domain.rules.framework import Rule
from tests.demonstration_case import GOOD

ROOT = Path(__file__).resolve().parent.parent
PACK_RULES = [r for r in REGISTRY.values() if r.evaluate.__module__.startswith("domain.rules.")]


def _read_types(r: Rule) -> tuple[typing.Any, ...]:
    """The facts type of the rule's ``Context``, or each member of a union."""
    (facts,) = typing.get_args(typing.get_type_hints(r.evaluate)["ctx"])
    return typing.get_args(facts) or (facts,)


def _within(reader: typing.Any, supplier: typing.Any) -> bool:
    """Every key ``reader`` declares is declared by ``supplier`` with the same type, and required there if
    required here."""
    read, supplied = typing.get_type_hints(reader), typing.get_type_hints(supplier)
    return all(supplied.get(k) == t for k, t in read.items()) and (
        reader.__required_keys__ <= supplier.__required_keys__
    )


def test_every_checkpoint_declares_its_facts():
    checkpoints = {c for r in PACK_RULES for c in r.checkpoints}
    assert checkpoints == set(CHECKPOINT_FACTS)


def test_every_rule_reads_the_facts_of_its_checkpoints():
    for r in PACK_RULES:
        types = _read_types(r)
        for checkpoint in r.checkpoints:
            assert any(_within(t, CHECKPOINT_FACTS[checkpoint]) for t in types), (r.id, checkpoint)
        for t in types:
            assert any(_within(t, CHECKPOINT_FACTS[c]) for c in r.checkpoints), (r.id, t)


def test_a_demonstration_base_application_gives_exactly_the_declared_facts():
    declared = DemonstrationBaseEvaluationFacts.__required_keys__ | DemonstrationBaseEvaluationFacts.__optional_keys__
    assert set(GOOD.as_facts()) == declared


def test_mypy_refuses_an_undeclared_fact(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        textwrap.dedent(
            """
            from domain.rules.facts import AddressExitFacts, AddressFilingFacts
            from domain.rules.framework import Context

            def read(ctx: Context[AddressFilingFacts]) -> None:
                ctx.facts["lease_ends"]
                ctx.facts.get("lease_ends")
                ctx.facts.get("lease_end")

            facts: AddressExitFacts = {"notice_on": None, "planned_exit": None, "occupied": 0}
            """
        )
    )
    out, _, status = mypy_api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache"), str(probe)]
    )
    assert status == 1
    assert 'TypedDict "AddressFilingFacts" has no key "lease_ends"' in out
    lines = {int(line.split(":")[1]) for line in out.splitlines() if line.startswith(str(probe))}
    assert lines == {6, 7, 10}, out
