"""``jiqun rules``: print the rule catalogue (``jiqun rules > docs/rules.md``)."""

from __future__ import annotations

import click


@click.command()
def rules() -> None:
    """Print the catalogue of every rule, parameter and deliberately unencoded rule, as Markdown."""
    from domain.parameters import PARAMETERS, Parameters
    from domain.rules.catalogue import render_markdown

    click.echo(render_markdown(Parameters.documented(), PARAMETERS.version), nl=False)
