"""``biomedqa logs``: the opt-in local history of answers (``-o history.enabled=true``), newest first."""

from __future__ import annotations

import logging

import click

from biomedqa.cli.options import with_settings
from biomedqa.cli.output import echo_json, stdout_console
from biomedqa.history import search_history
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)

EXAMPLE = """

\\b
Examples:
  biomedqa config show --changed                 # is history.enabled on?
  biomedqa ask "Does metformin lower HbA1c?" -o history.enabled=true
  biomedqa logs --query metformin -n 10 --json
"""


@click.command("logs", epilog=EXAMPLE)
@click.option("--query", "query", default=None, metavar="TEXT",
              help="Only answers whose question or answer contains TEXT (case-insensitive).")
@click.option("-n", "--count", default=3, show_default=True, type=click.IntRange(min=0),
              help="How many answers, newest first (0: all).")
@click.option("--path", "show_path", is_flag=True, help="Print the history database path and stop.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list (each with the full answer JSON as 'data').")
@with_settings(ncbi=False)
def logs(query: str | None, count: int, show_path: bool, as_json: bool, settings: Settings) -> None:
    """Show the local history of answers (kept only with history.enabled=true; off by default)."""
    path = settings.history_path
    if show_path:
        click.echo(str(path))
        return
    rows = search_history(path, query, count)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        state = "on" if settings.history.enabled else "off (turn it on: -o history.enabled=true, or in the user config)"
        what = f"matching {query!r} " if query else ""
        click.echo(f"No answers {what}in {path}. History is {state}.", err=True)
        return
    console = stdout_console(highlight=False)
    for r in rows:
        pmids = ", ".join(r["pmids"]) or "no citations"
        console.print(f"[bold]#{r['id']}[/bold] {r['created']}  {r['command']}  {r['model']}  {r['source']}  "
                      f"{r['seconds']:.1f}s", soft_wrap=True)
        console.print(f"Q: {r['question']}", markup=False, soft_wrap=True)
        console.print(f"A: {r['answer']}", markup=False, soft_wrap=True)
        console.print(f"   PMIDs: {pmids}; grounded: {r['grounded']}", markup=False, soft_wrap=True)
        console.print()
