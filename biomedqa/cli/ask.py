"""``biomedqa ask``: one question, one answer with citations (thin: parse, call the agent, print)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from biomedqa.cli.agent import close_agent, make_agent
from biomedqa.cli.options import with_settings
from biomedqa.cli.output import echo_json, stderr_console, stdout_console
from biomedqa.errors import InputError
from biomedqa.history import record_answer
from biomedqa.settings import Settings
from biomedqa.types import Answer

logger = logging.getLogger(__name__)


def parse_options(items: tuple[str, ...]) -> dict[str, str]:
    """``("A=yes", "B=no")`` → ``{"A": "yes", "B": "no"}``.

    Raises:
        click.BadParameter: an item without ``=``.
    """
    out = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq:
            raise click.BadParameter(f"{item!r}: write options as LETTER=TEXT, e.g. -O A=yes", param_hint="--option")
        out[key.strip()] = value.strip()
    return out


EXAMPLE = """

\b
Examples:
  biomedqa ask "Does metformin lower HbA1c?"
  echo "Is CFTR the gene mutated in cystic fibrosis?" | biomedqa ask - --json
"""


def read_question(question: str) -> str:
    """QUESTION itself, or all of stdin when it is ``-``.

    Raises:
        InputError: ``-`` with a terminal on stdin (nothing piped in).
    """
    if question != "-":
        return question
    if sys.stdin.isatty():
        raise InputError("ask - reads the question from stdin, but nothing was piped in.",
                         hint='Pipe it in (echo "Q" | biomedqa ask -) or pass it as an argument.')
    text = sys.stdin.read().strip()
    if not text:
        raise InputError("the question is empty (stdin had no text).", hint='Pipe one in: echo "Q" | biomedqa ask -')
    return text


@click.command(epilog=EXAMPLE)
@click.argument("question")
@click.option("--index", default=None, help="Index name (see: biomedqa index list).")
@click.option("--model", default=None, help="Model name, .gguf path, or hf:REPO/FILE.")
@click.option("--db", default=None, help="SQLAlchemy URL of a database for the SQL tool.")
@click.option(
    "-O", "--option", "options", multiple=True, metavar="LETTER=TEXT", help="Answer options (multiple choice)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["free", "yesno", "yesnomaybe", "choice", "factoid", "list"]), default=None,
    help="Answer shape: free text; yes/no(/maybe) or choice (calibrated option); factoid (ranked names) or list.",
)
@click.option("--hyde/--no-hyde", default=None, help="HyDE query expansion.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.option(
    "--trace",
    "trace_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Save the run's trace (plan, tool calls, retrieved ids, drafts, verdicts) as JSON.",
)
@with_settings(index="retrieval.index", model="llm.model", db="sql.url", hyde="retrieval.hyde")
def ask(
    question: str,
    options: tuple[str, ...],
    fmt: Any,
    as_json: bool,
    trace_path: Path | None,
    settings: Settings,
) -> None:
    """Answer QUESTION (or stdin, with -) with citations from the local index and tools."""
    from biomedqa.api import run_sync

    question = read_question(question)
    agent = make_agent(settings)
    try:
        coro = agent.aask(question, options=parse_options(options) or None, format=fmt)
        if as_json:
            answer: Answer = run_sync(coro)
        else:
            with stderr_console().status("thinking…"):
                answer = run_sync(coro)
    finally:
        close_agent(agent)
    record_answer(settings, answer, command="ask")
    if trace_path:
        trace_path.write_text(answer.model_dump_json(indent=2))
    if as_json:
        echo_json(answer.to_public())
    else:
        render(answer)


def render(answer: Answer) -> None:
    """The shared answer view (text, choice, citations, self-check), then the run's verdicts and time."""
    from rich.text import Text

    from biomedqa.cli.render import render_answer

    console = stdout_console()
    render_answer(console, answer)
    verdicts = ", ".join(s.verdict for s in answer.support) or "no verdicts"
    console.print(Text(f"({verdicts}; {answer.timings.get('total', 0):.1f}s)", style="dim"))
