"""``biomedqa sql "QUESTION" --db URL``: text-to-SQL from the command line."""

from __future__ import annotations

import asyncio
import logging

import click

from biomedqa.cli.options import with_settings
from biomedqa.cli.output import echo_json, stdout_console
from biomedqa.settings import Settings
from biomedqa.tools.sql.models import SqlAnswer

logger = logging.getLogger(__name__)


def render(ans: SqlAnswer) -> None:
    """Print the SQL, the rows as a rich table and the answer to stdout."""
    from rich.syntax import Syntax
    from rich.table import Table

    console = stdout_console()
    if ans.sql:
        if console.is_terminal:
            console.print(Syntax(ans.sql, "sql", word_wrap=True))
        else:  # a pipe or file: the bare query, not a highlight block padded to the console's width
            console.print(ans.sql, markup=False, highlight=False, soft_wrap=True)
    if ans.columns:
        if ans.tables:  # above the table, not as its title: a title wraps to the width of a one-column table
            console.print(f"[dim]from {' + '.join(ans.tables)}[/]")
        table = Table(*["#", *ans.columns], show_lines=False)
        for i, row in enumerate(ans.rows, start=1):
            table.add_row(str(i), *["" if v is None else str(v) for v in row])
        console.print(table)
    if ans.error:
        label = "Refused" if ans.refused else "Needs clarification" if ans.needs_clarification else "Failed"
        console.print(f"[bold red]{label}:[/] {ans.error}", markup=True)
    console.print(ans.answer, markup=False, highlight=False)
    console.print(f"[dim]{len(ans.rows)} rows, {ans.repairs} repair round(s)[/]")


@click.command("sql")
@click.argument("question")
@click.option("--db", default=None, help="SQLAlchemy URL or SQLite file (default: the shared BiomedSQL sample).")
@click.option("--json", "as_json", is_flag=True, help="Print the SqlAnswer as JSON.")
@with_settings(ncbi=False, db="sql.url")
def sql_command(question: str, as_json: bool, settings: Settings) -> None:
    """Answer QUESTION from a database with read-only, guarded SQL written by the local model."""
    from biomedqa.deps import Deps
    from biomedqa.tools.sql.tool import build_sql_tool

    deps = Deps(settings)
    tool = build_sql_tool(settings, deps.llm)
    try:
        ans = asyncio.run(tool.ask(question))
    finally:
        tool.close()
        deps.close()
    if as_json:
        echo_json(ans.model_dump(mode="json"))
    else:
        render(ans)
    if ans.refused:
        raise SystemExit(5)
    if ans.needs_clarification:
        raise SystemExit(2)  # like any other input the tool cannot act on
