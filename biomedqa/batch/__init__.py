"""Answer a file of questions, resumably: :func:`run_batch` (library) and ``biomedqa batch`` (CLI).

Modules: ``files`` (read CSV/TSV/JSONL, write the output atomically), ``journal`` (fsync-per-row
write-ahead log), ``report`` (output records and the run report), ``progress`` (the bar),
``run`` (the runner) and ``command`` (the click command).
"""

from __future__ import annotations

from biomedqa.batch.journal import Journal, journal_path
from biomedqa.batch.report import BatchReport, answer_record, support_verdict
from biomedqa.batch.run import run_batch

__all__ = ["BatchReport", "Journal", "answer_record", "journal_path", "run_batch", "support_verdict"]
