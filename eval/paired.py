"""Paired-mode evaluation runs: each question answered in every mode, one JSON line per (question, mode),
resumable, and stopped after a time budget so a long run can be split into chunks; and saving a result."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import click

from biomedqa.cli.output import echo_json

Row = dict[str, Any]


def read_journal(path: Path) -> list[Row]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def run_budgeted(
    questions: Sequence[Row],
    modes: Sequence[str],
    journal: Path,
    budget: float,
    answer: Callable[[Row, str], Awaitable[Row]],
) -> int:
    """Answer (question, mode) pairs missing from ``journal`` in order until ``budget`` seconds pass.

    Returns how many questions ran now; ``answer`` returns the row to append (with ``qid`` and ``mode``).
    """
    done = {(r["qid"], r["mode"]) for r in read_journal(journal)}
    start, ran = time.perf_counter(), 0
    with journal.open("a") as out:
        for q in questions:
            missing = [m for m in modes if (q["qid"], m) not in done]
            if not missing:
                continue
            if time.perf_counter() - start > budget:
                break
            for mode in missing:
                out.write(json.dumps(await answer(q, mode)) + "\n")
            out.flush()
            ran += 1
    return ran


def todo(questions: Sequence[Row], modes: Sequence[str], journal: Path) -> bool:
    """Whether any (question, mode) pair is still missing from ``journal``."""
    done = {(r["qid"], r["mode"]) for r in read_journal(journal)}
    return any((q["qid"], m) not in done for q in questions for m in modes)


def save_result(out: Path, tag: str, result: Row, markdown: str, as_json: bool) -> None:
    """Write ``tag``.json and ``tag``.md under ``out``, then print the JSON or the Markdown."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{tag}.json").write_text(json.dumps(result, indent=2))
    (out / f"{tag}.md").write_text(markdown)
    if as_json:
        echo_json(result)
    else:
        click.echo(markdown)
