"""Batch records: the output record of a row, the run report, and reading an earlier output back."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from biomedqa.batch.files import InputRow, OutputFormat, read_table, record_from_csv
from biomedqa.errors import InputError
from biomedqa.types import Answer, SentenceSupport

logger = logging.getLogger(__name__)


class BatchReport(BaseModel):
    """What a batch run did; ``exit_code`` is 0 when every row is ok, else 1."""

    input: str
    output: str
    journal: str
    format: str
    encoding: str
    total: int = Field(description="Rows in the input")
    ok: int = Field(description="Rows in the output without an error")
    errors: int = Field(description="Rows in the output with an error")
    resumed: int = Field(description="Rows taken from an earlier, interrupted run")
    answered: int = Field(description="Rows answered by this run")
    seconds: float
    rate_per_min: float = Field(description="Rows answered by this run per minute")
    warnings: list[str] = Field(default_factory=list)
    error_samples: list[dict[str, str]] = Field(default_factory=list, description="First few failing rows")

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def summary(self) -> str:
        resumed = f", {self.resumed} resumed" if self.resumed else ""
        return (
            f"{self.total} rows: {self.ok} ok, {self.errors} with errors{resumed}; "
            f"{self.answered} answered in {self.seconds:.1f} s ({self.rate_per_min:.1f}/min) -> {self.output}"
        )


def support_verdict(support: Sequence[SentenceSupport]) -> str | None:
    """One word for the self-check: supported (all), unsupported (none), partial, or None (not run)."""
    if not support:
        return None
    if all(s.verdict == "supported" for s in support):
        return "supported"
    if all(s.verdict == "unsupported" for s in support):
        return "unsupported"
    return "partial"


def answer_record(row: InputRow, answer: Answer | None, seconds: float, error: str | None = None) -> dict[str, Any]:
    """The output record of one row (an answer, or an error)."""
    return {
        "id": row.key,
        "question": row.question,
        "answer": answer.text if answer else "",
        "choice": answer.choice if answer else None,
        "pmids": answer.pmids if answer else [],
        "grounded": answer.grounded if answer else None,
        "support": support_verdict(answer.support) if answer else None,
        "seconds": round(seconds, 3),
        "error": error,
    }


def previous_output(out_path: Path, fmt: OutputFormat) -> dict[str, dict[str, Any]]:
    """Rows of an earlier complete output (so a rerun after success skips them too)."""
    if not out_path.exists() or out_path.stat().st_size == 0:
        return {}
    try:
        if fmt == "csv":
            return {r["id"]: r for r in map(record_from_csv, read_table(out_path).records)}
        lines = out_path.read_text(encoding="utf-8").splitlines()
        return {str(r["id"]): r for r in (json.loads(ln) for ln in lines if ln.strip())}
    except (InputError, OSError, ValueError, KeyError, TypeError) as e:  # an unreadable old output is replaced
        logger.warning("ignoring the existing %s (%s); it will be overwritten", out_path, e)
        return {}
