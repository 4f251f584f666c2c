"""``biomedqa batch IN -o OUT``: the command line over :func:`~biomedqa.batch.run.run_batch`.

``-o`` is the output file here, so settings are overridden with ``--set KEY=VALUE`` only.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import click

from biomedqa.batch.files import ensure_writable
from biomedqa.batch.run import DEFAULT_ID_COL, run_batch
from biomedqa.cli.agent import AgentLike, close_agent, make_agent
from biomedqa.cli.options import with_settings
from biomedqa.cli.output import echo_json, stderr_console
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)

_SETTING_LIKE = re.compile(r"^[A-Za-z_]+(\.[A-Za-z_]+)+=")


def _check_output_path(ctx: click.Context, param: click.Parameter, out_path: Path) -> Path:
    if _SETTING_LIKE.match(out_path.name):
        raise click.UsageError(
            f"-o is the output file in 'batch'; {out_path.name!r} looks like a setting. Use --set KEY=VALUE."
        )
    return out_path


@click.command("batch")
@click.argument("in_path", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_check_output_path,
    help="Output file (.csv or .jsonl). Rerun the same command to resume an interrupted run.",
)
@click.option("--question-col", default="question", show_default=True, help="Column holding the question.")
@click.option("--id-col", default=None, help="Column of unique ids [default: 'id' if present, else row numbers].")
@click.option("--options-cols", default="", metavar="A,B,..", help="Comma-separated answer-option columns.")
@click.option(
    "-c", "--concurrency", default=1, show_default=True, type=click.IntRange(1, 64), help="Questions in flight at once."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default=None,
    help="Output format [default: from the output suffix].",
)
@click.option("--retry-errors", is_flag=True, help="Answer again rows that failed in an earlier run.")
@click.option("--no-progress", is_flag=True, help="Do not draw the progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON.")
@click.option("--model", default=None, help="Override llm.model.")
@click.option("--index", default=None, help="Override retrieval.index.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="ray: spread rows over Ray actors, each with one loaded model (same journal, resume, order).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 256), help="Ray actors (--engine ray).")
@with_settings(
    set_flags=("--set",), set_help="Override a setting (-o is the output).", model="llm.model", index="retrieval.index"
)
def batch_command(
    in_path: Path,
    out_path: Path,
    question_col: str,
    id_col: str | None,
    options_cols: str,
    concurrency: int,
    fmt: str | None,
    retry_errors: bool,
    no_progress: bool,
    as_json: bool,
    engine: str,
    workers: int,
    settings: Settings,
) -> None:
    """Answer every question in IN (CSV, TSV or JSONL) into OUT, resumably."""
    ensure_writable(out_path)  # a read-only folder or a file in the way fails now, not after the first answer
    if engine == "ray":
        from biomedqa.batch.ray import RayAgentPool

        agent: AgentLike = RayAgentPool(settings, workers)
        concurrency = max(concurrency, workers)  # keep every actor busy
    else:
        agent = make_agent(settings)
    try:
        report = asyncio.run(
            run_batch(
                agent,
                in_path,
                out_path,
                question_col=question_col,
                id_col=id_col or DEFAULT_ID_COL,
                options_cols=[c.strip() for c in options_cols.split(",") if c.strip()],
                concurrency=concurrency,
                fmt=fmt,
                progress=not no_progress and stderr_console().is_terminal,
                retry_errors=retry_errors,
                console=stderr_console(),
            )
        )
    except KeyboardInterrupt:
        click.echo(f"Interrupted; finished rows are kept. Rerun the same command to resume into {out_path}.", err=True)
        raise SystemExit(130) from None
    finally:
        close_agent(agent)
    if as_json:
        echo_json(report.model_dump())
    for sample in report.error_samples:
        click.echo(f"row {sample['id']}: {sample['error']}", err=True)
    click.echo(report.summary(), err=True)
    raise SystemExit(report.exit_code)
