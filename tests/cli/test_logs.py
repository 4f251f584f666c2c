"""``biomedqa logs``: an opt-in SQLite history of answers, searchable, with --json."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from biomedqa.cli import cli
from tests.cli.conftest import Recorder
from tests.frontdoors.conftest import pubmedqa_questions


def logs(*args: str) -> list[dict[str, object]]:
    r = CliRunner().invoke(cli, ["logs", "--json", *args])
    assert r.exit_code == 0, r.output
    rows: list[dict[str, object]] = json.loads(r.stdout)
    return rows


def test_history_is_off_by_default(home: Path, recorder: Recorder) -> None:
    q = pubmedqa_questions(1)[0][1]
    assert CliRunner().invoke(cli, ["ask", q]).exit_code == 0
    assert not (home / "history.sqlite").exists() and logs() == []
    r = CliRunner().invoke(cli, ["logs"])
    assert "History is off" in r.stderr and "history.enabled=true" in r.stderr


def test_answers_are_logged_searched_and_listed_newest_first(home: Path, recorder: Recorder) -> None:
    (_, q1), (_, q2), (_, q3) = pubmedqa_questions(3)
    for q in (q1, q2, q3):
        r = CliRunner().invoke(cli, ["ask", q, "-o", "history.enabled=true", "-o", "llm.model=smollm2-135m"])
        assert r.exit_code == 0, r.output
    rows = logs("-n", "0")
    assert [r["question"] for r in rows] == [q3, q2, q1]
    assert rows[0]["command"] == "ask" and rows[0]["model"] == "smollm2-135m" and rows[0]["grounded"] is True
    assert rows[0]["pmids"] == recorder.agent.ask(q3).pmids and rows[0]["answer"] == f"Answer to: {q3} " + \
        f"[PMID:{rows[0]['pmids'][0]}] (history: 0 messages)"
    assert isinstance(rows[0]["data"], dict) and rows[0]["data"]["answer"] == rows[0]["answer"]
    assert len(logs()) == 3 and len(logs("-n", "2")) == 2
    word = q2.split()[-1].strip("?").lower()
    found = logs("--query", word.upper())  # case-insensitive, question or answer
    assert q2 in [r["question"] for r in found] and all(word in str(r["question"]).lower() for r in found)
    assert logs("--query", "100%_no_such") == []  # LIKE wildcards are literal
    text = CliRunner().invoke(cli, ["logs", "-n", "1"]).stdout
    assert f"Q: {q3}" in text and "PMIDs:" in text


def test_history_path_setting_and_a_foreign_file(tmp_path: Path, home: Path, recorder: Recorder) -> None:
    db = tmp_path / "elsewhere" / "h.sqlite"
    assert CliRunner().invoke(cli, ["ask", "q?", "-o", "history.enabled=true", "-o", f"history.path={db}"]
                              ).exit_code == 0
    assert sqlite3.connect(db).execute("SELECT count(*) FROM answers").fetchone() == (1,)
    assert CliRunner().invoke(cli, ["logs", "--path", "-o", f"history.path={db}"]).stdout.strip() == str(db)
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not sqlite")
    r = CliRunner().invoke(cli, ["logs", "-o", f"history.path={bad}"])
    assert r.exit_code == 2 and "is not a biomedqa history database" in r.stderr and r.stderr.count("\n") == 1
