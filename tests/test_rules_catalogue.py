"""docs/rules.md is generated from the code and must not drift from it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from api.cli import main
from domain.parameters import PARAMETERS, Parameters
from domain.rules import REGISTRY
from domain.rules.catalogue import NOT_ENCODED, render_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_docs_rules_md_matches_the_code():
    expected = render_markdown(Parameters.documented(), PARAMETERS.version)
    assert DOC.read_text(encoding="utf-8") == expected, "regenerate with: jiqun rules > docs/rules.md"


def test_the_cli_prints_the_catalogue():
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0
    assert result.output == DOC.read_text(encoding="utf-8")


def test_every_rule_and_parameter_is_listed():
    text = DOC.read_text(encoding="utf-8")
    for rule_id, rule in REGISTRY.items():
        assert f"### {rule_id}\n" in text and rule.article in text
    for name, *_ in Parameters.documented():
        assert f"`{name}`" in text


def test_every_parameter_is_documented_with_a_source_and_a_reason():
    documented = {name for name, _, source, reason in Parameters.documented() if source and reason}
    assert documented == set(PARAMETERS.as_mapping()) - {"version"}


def test_unencoded_rules_name_no_encoded_rule_twice():
    refs = [n.ref for n in NOT_ENCODED]
    assert len(refs) == len(set(refs))
    assert all(n.why for n in NOT_ENCODED)
