"""``biomedqa batch IN --out OUT``: the command line over :func:`~biomedqa.batch.run.run_batch`.

``-o KEY=VALUE`` overrides a setting, as in every command; ``--out -`` writes the answers to stdout
(not resumable: the journal lives in a temporary folder). The old ``-o OUT.csv`` gets a one-line
"use --out" error.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

from biomedqa.batch.files import ensure_writable
from biomedqa.batch.run import DEFAULT_ID_COL, run_batch
from biomedqa.cli.agent import AgentLike, close_agent, make_agent
from biomedqa.cli.options import UsageLine, with_settings
from biomedqa.cli.output import echo_json, stderr_console
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)

BARE_O = "batch writes its answers with --out FILE now (-o is KEY=VALUE, as in every command)."
EXAMPLE = """

\b
Examples:
  biomedqa batch questions.csv --out answers.csv -c 2 -o retrieval.k=5
  biomedqa batch questions.jsonl --out - --format jsonl | jq .answer
"""


@click.command("batch", epilog=EXAMPLE)
@click.argument("in_path", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_path",
    default=None,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Output file (.csv or .jsonl), or - for stdout; required. Rerun the same command to resume.",
)
@click.option("--output", "old_output", hidden=True, default=None, expose_value=True)
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
@click.option("--model", default=None, help="Model name, .gguf path, or hf:REPO/FILE (overrides llm.model).")
@click.option("--index", default=None, help="Index name (overrides retrieval.index).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="ray: spread rows over Ray actors, each with one loaded model (same journal, resume, order).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 256), help="Ray actors (--engine ray).")
@with_settings(bare_hint=BARE_O, model="llm.model", index="retrieval.index")
def batch_command(
    in_path: Path,
    out_path: Path | None,
    old_output: str | None,
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
    """Answer every question in IN (CSV, TSV or JSONL) into OUT, resumably.

    Adds answer, choice, pmids, grounded, support, seconds and error columns; a rerun skips the
    ids already answered in OUT.
    """
    if old_output is not None:
        raise UsageLine(f"--output is now --out: write --out {old_output}.")
    if out_path is None:
        raise UsageLine("missing --out FILE (.csv or .jsonl; - for stdout).")
    job = _Job(in_path, question_col, id_col, options_cols, concurrency, fmt, retry_errors, no_progress, as_json,
               engine, workers, settings)
    if str(out_path) != "-":
        raise SystemExit(_run(job, out_path, shown_out=str(out_path)))
    if as_json:
        raise UsageLine("--out - prints the answers on stdout; drop --json (the report goes to stderr).")
    with tempfile.TemporaryDirectory(prefix="biomedqa-batch-") as tmp:
        path = Path(tmp) / f"answers.{fmt or 'csv'}"
        code = _run(job, path, shown_out="-")
        if path.exists():
            sys.stdout.write(path.read_text(encoding="utf-8"))
            sys.stdout.flush()
    raise SystemExit(code)


@dataclass(frozen=True)
class _Job:
    """What the command line asks of one batch run, apart from where the answers go."""

    in_path: Path
    question_col: str
    id_col: str | None
    options_cols: str
    concurrency: int
    fmt: str | None
    retry_errors: bool
    no_progress: bool
    as_json: bool
    engine: str
    workers: int
    settings: Settings


def _run(job: _Job, out_path: Path, *, shown_out: str) -> int:
    ensure_writable(out_path)  # a read-only folder or a file in the way fails now, not after the first answer
    concurrency = job.concurrency
    if job.engine == "ray":
        from biomedqa.batch.ray import RayAgentPool

        agent: AgentLike = RayAgentPool(job.settings, job.workers)
        concurrency = max(concurrency, job.workers)  # keep every actor busy
    else:
        agent = make_agent(job.settings)
    try:
        report = asyncio.run(
            run_batch(
                agent,
                job.in_path,
                out_path,
                question_col=job.question_col,
                id_col=job.id_col or DEFAULT_ID_COL,
                options_cols=[c.strip() for c in job.options_cols.split(",") if c.strip()],
                concurrency=concurrency,
                fmt=job.fmt,
                progress=not job.no_progress and stderr_console().is_terminal,
                retry_errors=job.retry_errors,
                console=stderr_console(),
            )
        )
    except KeyboardInterrupt:
        click.echo(f"Interrupted; finished rows are kept. Rerun the same command to resume into {shown_out}.", err=True)
        raise SystemExit(130) from None
    finally:
        close_agent(agent)
    if shown_out != str(out_path):  # --out -: the temporary file is no one's business
        report = report.model_copy(update={"output": shown_out, "journal": ""})
    if job.as_json:
        echo_json(report.model_dump())
    for sample in report.error_samples:
        click.echo(f"row {sample['id']}: {sample['error']}", err=True)
    click.echo(report.summary(), err=True)
    return report.exit_code
