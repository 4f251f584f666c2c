"""Write-ahead journal of finished batch rows, so a killed run resumes without losing or repeating one.

Each finished row is appended as one JSON line, flushed and ``os.fsync``-ed before the run moves
on, so after any kill (SIGKILL included) the journal holds every row whose answer was reported.
A kill in the middle of an append can leave a torn last line: :meth:`Journal.load` ignores it
and cuts it off, so the next append starts on a clean line.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import IO, Any

from typing_extensions import Self

from biomedqa.batch.files import fsync_dir

logger = logging.getLogger(__name__)


def journal_path(out_path: Path) -> Path:
    """Where the journal of ``out_path`` lives: ``OUT.journal.jsonl`` beside it."""
    return out_path.with_name(out_path.name + ".journal.jsonl")


class Journal:
    """Append-only, fsync-per-row record of finished rows, keyed by row id.

    Args:
        path: The journal file (created on the first append).
        key: The record field that identifies a row (``"id"`` for batch, ``"qid"`` for evaluations).
    """

    def __init__(self, path: Path, *, key: str = "id") -> None:
        self.path = path
        self.key = key
        self._file: IO[bytes] | None = None

    def load(self) -> dict[str, dict[str, Any]]:
        """Read finished rows (the last record of an id wins) and drop a torn tail.

        Returns:
            ``{row id: output record}`` for every complete journal line.
        """
        if not self.path.exists():
            return {}
        data = self.path.read_bytes()
        done: dict[str, dict[str, Any]] = {}
        good_end = 0
        pos = 0
        for raw in data.splitlines(keepends=True):
            pos += len(raw)
            if not raw.endswith(b"\n"):
                logger.warning("ignoring a torn last line in %s (%d bytes)", self.path, len(raw))
                break
            good_end = pos
            try:
                rec = json.loads(raw)
                done[str(rec[self.key])] = rec
            except (ValueError, KeyError, TypeError):
                logger.warning("ignoring an unreadable line in %s", self.path)
        if good_end < len(data):
            with open(self.path, "r+b") as f:
                f.truncate(good_end)
                f.flush()
                os.fsync(f.fileno())
        return done

    def append(self, record: dict[str, Any]) -> None:
        """Durably add one finished row (write, flush, fsync) before returning."""
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            self._file = open(self.path, "ab")  # noqa: SIM115 - held open for the run
            if created:  # make the new file's directory entry durable too
                fsync_dir(self.path.parent)
        line = json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"
        self._file.write(line)
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file (safe to call twice)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def remove(self) -> None:
        """Delete the journal once the final output holds every row."""
        self.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
