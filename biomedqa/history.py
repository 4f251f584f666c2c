"""Opt-in local history of answers in SQLite (``history.enabled=true``), read by ``biomedqa logs``.

Nothing is written unless the user turns it on (``-o history.enabled=true``, the user config file
or ``BIOMEDQA_HISTORY__ENABLED=true``). The database is ``settings.history_path``
(``home/history.sqlite`` by default); one row per answer, with the public JSON of the answer.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from biomedqa.errors import InputError
from biomedqa.settings import Settings
from biomedqa.types import Answer

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    command TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    pmids TEXT NOT NULL,
    model TEXT NOT NULL,
    source TEXT NOT NULL,
    grounded INTEGER,
    seconds REAL,
    data TEXT NOT NULL
)
"""
COLUMNS = ("id", "created", "command", "question", "answer", "pmids", "model", "source", "grounded", "seconds")


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=5.0)
    con.execute(SCHEMA)
    return con


def record_answer(settings: Settings, answer: Answer, *, command: str) -> int | None:
    """Append ``answer`` to the history when it is enabled; returns the row id (None: off or failed).

    A history that cannot be written is a warning, never a failed answer.
    """
    if not settings.history.enabled:
        return None
    source = f"{answer.searched.kind}:{answer.searched.name}" if answer.searched else "none"
    grounded = None if answer.grounded is None else int(answer.grounded)
    row = (
        time.strftime("%Y-%m-%dT%H:%M:%S%z"), command, answer.question, answer.text, json.dumps(answer.pmids),
        settings.llm.model, source, grounded, float(answer.timings.get("total", 0.0)),
        json.dumps(answer.to_public(), ensure_ascii=False, default=str),
    )
    try:
        with closing(_connect(settings.history_path)) as con, con:
            cur = con.execute(
                "INSERT INTO answers (created, command, question, answer, pmids, model, source, grounded, seconds,"
                " data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return cur.lastrowid
    except sqlite3.Error as e:
        logger.warning("could not write the answer history %s: %s", settings.history_path, e)
        return None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_history(path: Path, query: str | None = None, limit: int = 3) -> list[dict[str, Any]]:
    """The latest ``limit`` answers (newest first), those whose question or answer contains ``query``.

    Raises:
        InputError: the file is not a history database.
    """
    if not path.is_file():
        return []
    sql = f"SELECT {', '.join(COLUMNS)}, data FROM answers"
    args: list[Any] = []
    if query:
        sql += " WHERE question LIKE ? ESCAPE '\\' OR answer LIKE ? ESCAPE '\\'"
        args += [_like(query), _like(query)]
    sql += " ORDER BY id DESC"
    if limit > 0:
        sql += " LIMIT ?"
        args.append(limit)
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            rows = con.execute(sql, args).fetchall()
    except sqlite3.Error as e:
        raise InputError(f"{path} is not a biomedqa history database ({e}).",
                         hint="Point history.path at another file, or move this one away.") from e
    out = []
    for row in rows:
        rec = dict(zip((*COLUMNS, "data"), row, strict=True))
        rec["pmids"] = json.loads(rec["pmids"])
        rec["grounded"] = None if rec["grounded"] is None else bool(rec["grounded"])
        rec["data"] = json.loads(rec["data"])
        out.append(rec)
    return out
