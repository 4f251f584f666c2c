"""Answer a file of questions: ``run_batch``, the library side of ``biomedqa batch``.

Finished rows go to a write-ahead journal (``OUT.journal.jsonl``, fsync per row) and the output
is written atomically in input order at the end, so a run killed at any moment (even SIGKILL)
resumes on rerun without losing or repeating a row. A failing row records its error and the
run goes on. Exit codes: 0 all rows ok, 1 some rows had errors, 2 bad input or usage.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from biomedqa.batch.files import (
    InputRow,
    output_format,
    read_table,
    to_rows,
    write_output_atomic,
)
from biomedqa.batch.journal import Journal, journal_path
from biomedqa.batch.progress import BatchProgress
from biomedqa.batch.report import BatchReport, answer_record, previous_output
from biomedqa.cli.agent import AgentLike, max_question_chars
from biomedqa.errors import ConfigError, IndexCorruptError, IndexNotFoundError, InputError

logger = logging.getLogger(__name__)

DEFAULT_ID_COL = "id"
FATAL_ERRORS = (ConfigError, IndexNotFoundError, IndexCorruptError)  # the same for every row: stop


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
