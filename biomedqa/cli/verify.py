"""``biomedqa verify``: check one claim against one article of a local index (no question needed)."""

from __future__ import annotations

import click

from biomedqa.cli.options import with_settings
from biomedqa.cli.output import echo_json
from biomedqa.settings import Settings


@click.command()
@click.argument("claim")
@click.option("--pmid", required=True, help="PubMed ID of the article that should state the claim.")
@click.option("--index", default=None, help="Index holding the article (default: retrieval.index).")
@click.option("--question", default="", help="Refuse a claim that only restates this question.")
@click.option("--model/--no-model", "use_model", default=True, help="Let the model decide open cases.")
@click.option("--json", "as_json", is_flag=True, help="Print verdict, quote and reason as JSON.")
@with_settings(index="retrieval.index")
def verify_command(claim: str, pmid: str, question: str, use_model: bool, as_json: bool, settings: Settings) -> None:
    """Is CLAIM supported by article PMID? Prints the verdict, the best quote and why.

    Exit code 0: supported; 1: partial or unsupported; 2: bad input; 3: index missing.
    """
    from biomedqa.claims import verify

    check = verify(claim, pmid=pmid, settings=settings, question=question, use_model=use_model)
    if as_json:
        echo_json({"claim": claim, "pmid": pmid.strip(), **check.model_dump()})
    else:
        click.echo(f"{check.verdict} (PMID {pmid.strip()}): {check.reason}")
        if check.quote:
            click.echo(f'quote: "{check.quote}"')
    if check.verdict != "supported":
        raise SystemExit(1)
