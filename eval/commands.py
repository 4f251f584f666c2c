"""``biomedqa eval``: benchmark suites, each a lazily imported command."""

from __future__ import annotations

import click

from biomedqa.cli import LazyGroup

SUITES = {
    "retrieval": "biomedqa.eval.runners.retrieval:command",
    "geneturing": "biomedqa.eval.runners.geneturing:command",
    "genes": "biomedqa.eval.runners.genes:command",
    "sql": "biomedqa.eval.runners.sql:command",
    "mirage": "biomedqa.eval.runners.mirage:command",
    "calibration": "biomedqa.eval.runners.calibration:command",
    "verify": "biomedqa.eval.runners.verify:command",
    "ask-speed": "biomedqa.eval.runners.ask_speed:command",
    "bioasq-qa": "biomedqa.eval.runners.bioasq_qa:command",
    "threads": "biomedqa.eval.runners.threads:command",
    "report": "biomedqa.eval.report:command",
    "scale": "biomedqa.eval.scale.runner:command",
    "ingest": "biomedqa.eval.scale.ingest:command",
    "security": "biomedqa.eval.security.runner:command",
}


@click.group(cls=LazyGroup, lazy=SUITES)
def eval_group() -> None:
    """Run offline benchmarks on ../shared data (results as JSON + Markdown under runs/)."""
