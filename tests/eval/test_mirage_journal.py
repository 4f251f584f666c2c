"""MIRAGE's per-mode journals are the batch journal keyed on ``qid``: fsync per row, torn tail repaired."""

from __future__ import annotations

import json
from pathlib import Path

from biomedqa.batch.journal import Journal


def test_qid_journal_cuts_a_torn_last_line_and_appends_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "pubmedqa-n2-s0-rag.jsonl"
    path.write_bytes(b'{"qid": "21645374", "correct": true}\n{"qid": "16418930", "corr')  # killed mid-append
    log = Journal(path, key="qid")
    assert set(log.load()) == {"21645374"}
    log.append({"qid": "16418930", "correct": False})
    log.close()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r["qid"] for r in rows] == ["21645374", "16418930"] and rows[1]["correct"] is False
