"""Answer a file of questions: ``run_batch`` (library) and ``biomedqa batch`` (CLI).

Finished rows go to a write-ahead journal (``OUT.journal.jsonl``, fsync per row) and the output
is written atomically in input order at the end, so a run killed at any moment (even SIGKILL)
resumes on rerun without losing or repeating a row. A failing row records its error and the
run goes on. Exit codes: 0 all rows ok, 1 some rows had errors, 2 bad input or usage.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from biomedqa.batch_io import (
    InputRow,
    output_format,
    read_table,
    to_rows,
    write_output_atomic,
)
from biomedqa.batch_journal import Journal, journal_path
from biomedqa.batch_progress import BatchProgress
from biomedqa.batch_report import BatchReport, answer_record, previous_output, support_verdict
from biomedqa.cli_common import build_settings, echo_json, handle_errors, stderr_console
from biomedqa.errors import ConfigError, IndexCorruptError, IndexNotFoundError, InputError
from biomedqa.frontdoor import AgentLike, close_agent, default_agent_factory, max_question_chars
from biomedqa.settings import Settings

__all__ = ["BatchReport", "agent_factory", "answer_record", "batch_command", "run_batch", "support_verdict"]

logger = logging.getLogger(__name__)

#: Hook the CLI uses to build its agent; tests replace it with a fake (``Settings -> AgentLike``).
agent_factory: Callable[[Settings], AgentLike] = default_agent_factory

DEFAULT_ID_COL = "id"
FATAL_ERRORS = (ConfigError, IndexNotFoundError, IndexCorruptError)  # the same for every row: stop
_SETTING_LIKE = re.compile(r"^[A-Za-z_]+(\.[A-Za-z_]+)+=")


def _row_problem(row: InputRow, limit: int) -> str | None:
    if not row.question.strip():
        return "empty question"
    if len(row.question) > limit:
        return f"question is {len(row.question)} characters; the limit is {limit} (agent.max_question_chars)"
    return None


async def _answer_row(agent: AgentLike, row: InputRow, limit: int) -> dict[str, Any]:
    start = time.perf_counter()
    problem = _row_problem(row, limit)
    if problem:
        return answer_record(row, None, 0.0, problem)
    try:
        answer = await agent.aask(row.question, options=row.options or None)
    except FATAL_ERRORS:
        raise
    except Exception as e:  # one bad row must not stop the run
        logger.debug("row %s failed", row.key, exc_info=True)
        message = " ".join(str(e).split()) or type(e).__name__
        return answer_record(row, None, time.perf_counter() - start, f"{type(e).__name__}: {message}")
    return answer_record(row, answer, time.perf_counter() - start)


async def run_batch(
    agent: AgentLike,
    in_path: Path | str,
    out_path: Path | str,
    *,
    question_col: str = "question",
    id_col: str | None = DEFAULT_ID_COL,
    options_cols: Sequence[str] = (),
    concurrency: int = 1,
    fmt: str | None = None,
    progress: bool = True,
    retry_errors: bool = False,
    console: Any = None,
) -> BatchReport:
    """Answer every row of ``in_path`` into ``out_path``, resuming an interrupted run.

    Args:
        agent: The agent (``biomedqa.Agent`` or anything with ``aask``).
        in_path: CSV, TSV or JSONL questions.
        out_path: Output file (CSV or JSONL); its journal lives beside it until the run completes.
        question_col: Column holding the question.
        id_col: Column of unique row ids; when it is ``"id"`` and absent, rows are numbered.
        options_cols: Columns holding answer options (passed to the agent as ``{column: text}``).
        concurrency: Rows in flight at once (the agent serialises model calls itself).
        fmt: "csv" or "jsonl"; None picks from the output suffix.
        progress: Show a rich progress bar on stderr.
        retry_errors: Answer again rows whose earlier attempt failed.
        console: A rich Console for the progress bar (default: stderr).

    Returns:
        A :class:`BatchReport`.

    Raises:
        InputError: unreadable file, missing column, duplicate ids.
    """
    in_path, out_path = Path(in_path), Path(out_path)
    if in_path.exists() and out_path.exists() and in_path.resolve() == out_path.resolve():
        raise InputError(f"{out_path} is also the input file.", hint="Write the answers to another file.")
    out_fmt = output_format(out_path, fmt)
    table = read_table(in_path)
    if id_col == DEFAULT_ID_COL and id_col not in table.columns:
        id_col = None
    rows = to_rows(table, in_path, question_col=question_col, id_col=id_col, options_cols=options_cols)
    journal = Journal(journal_path(out_path))
    done = previous_output(out_path, out_fmt) | journal.load()
    questions = {row.key: row.question for row in rows}
    done = {k: r for k, r in done.items() if questions.get(k) == r.get("question")}
    if retry_errors:
        done = {k: r for k, r in done.items() if not r.get("error")}
    pending = [row for row in rows if row.key not in done]
    resumed = len(rows) - len(pending)
    logger.info("batch: %d rows, %d already done, %d to answer", len(rows), resumed, len(pending))
    limit = max_question_chars(agent)
    start = time.perf_counter()
    bar = BatchProgress(len(rows), resumed, enabled=progress and bool(pending), console=console)
    queue = iter(pending)

    async def worker() -> None:
        for row in queue:  # a shared iterator: rows start in input order
            record = await _answer_row(agent, row, limit)
            journal.append(record)
            done[row.key] = record
            bar.advance(failed=bool(record["error"]))

    with journal, bar:
        tasks = [asyncio.ensure_future(worker()) for _ in range(max(1, min(concurrency, len(pending) or 1)))]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
    seconds = time.perf_counter() - start
    records = [done[row.key] for row in rows]
    write_output_atomic(out_path, records, out_fmt)
    journal.remove()
    failed = [r for r in records if r.get("error")]
    return BatchReport(
        input=str(in_path),
        output=str(out_path),
        journal=str(journal.path),
        format=out_fmt,
        encoding=table.encoding,
        total=len(rows),
        ok=len(rows) - len(failed),
        errors=len(failed),
        resumed=resumed,
        answered=len(pending),
        seconds=round(seconds, 3),
        rate_per_min=round(60 * len(pending) / seconds, 2) if seconds > 0 and pending else 0.0,
        warnings=table.warnings,
        error_samples=[{"id": r["id"], "error": r["error"]} for r in failed[:5]],
    )


def _check_output_path(out_path: Path) -> None:
    if _SETTING_LIKE.match(out_path.name):
        raise click.UsageError(
            f"-o is the output file in 'batch'; {out_path.name!r} looks like a setting. Use --set KEY=VALUE."
        )


@click.command("batch")
@click.argument("in_path", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
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
@click.option(
    "--record",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Save live NCBI responses to this JSONL(.gz) file.",
)
@click.option(
    "--replay",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Serve NCBI calls from this recording (repeatable); no network.",
)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a setting (-o is the output).")
@click.option("-s", "--preset", default=None, help="Settings preset: default, fast, debug, gpu, or a .json file.")
@handle_errors
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
    model: str | None,
    index: str | None,
    record: Path | None,
    replay: tuple[Path, ...],
    sets: tuple[str, ...],
    preset: str | None,
) -> None:
    """Answer every question in IN (CSV, TSV or JSONL) into OUT, resumably."""
    _check_output_path(out_path)
    settings = build_settings(preset, sets, replay, record, **{"llm.model": model, "retrieval.index": index})
    agent = agent_factory(settings)
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
