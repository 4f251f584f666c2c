"""One meaning per flag: ``-o KEY=VALUE`` overrides in every command, ``batch --out`` (``-`` = stdout),
the old spellings get a one-line migration error, ``-v``/``-q`` work after the subcommand, and
``python -m biomedqa`` is the same CLI."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from biomedqa.cli import cli
from tests.cli.conftest import Recorder
from tests.frontdoors.conftest import pubmedqa_questions


def questions_csv(path: Path, n: int = 3) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "question"])
        w.writerows(pubmedqa_questions(n))
    return path


def test_batch_o_overrides_a_setting_and_out_writes(tmp_path: Path, recorder: Recorder) -> None:
    src = questions_csv(tmp_path / "q.csv")
    r = CliRunner().invoke(cli, ["batch", str(src), "--out", str(tmp_path / "a.csv"), "-o", "retrieval.k=3"])
    assert r.exit_code == 0, r.stderr
    assert recorder.settings[0].retrieval.k == 3
    rows = list(csv.DictReader(open(tmp_path / "a.csv", encoding="utf-8")))
    assert [row["id"] for row in rows] == [p for p, _ in pubmedqa_questions(3)]


def test_batch_out_dash_writes_answers_to_stdout_only(tmp_path: Path, recorder: Recorder) -> None:
    src = questions_csv(tmp_path / "q.csv")
    r = CliRunner().invoke(cli, ["batch", str(src), "--out", "-", "--format", "jsonl"])
    assert r.exit_code == 0, r.stderr
    records = [json.loads(line) for line in r.stdout.splitlines()]
    assert [rec["id"] for rec in records] == [p for p, _ in pubmedqa_questions(3)]
    assert all(rec["answer"].startswith("Answer to: ") for rec in records)
    assert "3 rows: 3 ok" in r.stderr and r.stderr.rstrip().endswith("-> -") and not list(tmp_path.glob("*.journal*"))
    r = CliRunner().invoke(cli, ["batch", str(src), "--out", "-"])  # csv by default
    assert next(csv.reader(io.StringIO(r.stdout)))[:3] == ["id", "question", "answer"]


def test_old_spellings_get_one_line_migration_errors(tmp_path: Path, recorder: Recorder) -> None:
    src = questions_csv(tmp_path / "q.csv")
    for args, says in (
        (["batch", str(src), "-o", "a.csv"], "--out FILE"),
        (["batch", str(src), "--output", "a.csv"], "--out a.csv"),
        (["batch", str(src), "--out", "a.csv", "--set", "retrieval.k=3"], "-o retrieval.k=3"),
        (["ask", "q?", "--set", "retrieval.k=3"], "-o retrieval.k=3"),
        (["batch", str(src)], "missing --out"),
    ):
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 2, (args, r.output)
        assert says in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.output, r.stderr
    assert recorder.agent.calls == []


def test_verbosity_flags_after_the_subcommand(home: Path) -> None:
    lg = logging.getLogger("biomedqa")
    assert CliRunner().invoke(cli, ["config", "show", "-v"]).exit_code == 0
    assert lg.level == logging.INFO
    assert CliRunner().invoke(cli, ["config", "show", "-vv"]).exit_code == 0
    assert lg.level == logging.DEBUG
    assert CliRunner().invoke(cli, ["-v", "config", "show", "-q"]).exit_code == 0
    assert lg.level == logging.WARNING  # +1 before, -1 after
    assert CliRunner().invoke(cli, ["index", "list", "-q"]).exit_code == 0
    assert lg.level == logging.ERROR
    assert CliRunner().invoke(cli, ["eval", "report", "--help"]).output.count("-q, --quiet") == 1


def test_python_dash_m_biomedqa(tmp_path: Path) -> None:
    env = {**os.environ, "BIOMEDQA_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "biomedqa", "--help"], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and "Commands:" in out.stdout and "ask" in out.stdout
    out = subprocess.run([sys.executable, "-m", "biomedqa", "config", "show", "--json"],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    rows = {r["key"]: r for r in json.loads(out.stdout)}
    assert rows["home"] == {"key": "home", "value": str(tmp_path), "source": "BIOMEDQA_HOME"}
