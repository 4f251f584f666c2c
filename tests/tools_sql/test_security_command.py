"""``biomedqa eval security``: the SQL area end to end through the CLI, as JSON and as tables."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from biomedqa.cli import cli
from biomedqa.eval.security.common import CaseResult
from biomedqa.eval.security.runner import summarize


def test_security_sql_area_passes_and_reports_the_digest(sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "security.json"
    res = CliRunner().invoke(cli, ["eval", "security", "--area", "sql", "--json", "--out", str(out)])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert json.loads(out.read_text()) == report
    (sql,) = report["areas"]
    assert sql["area"] == "sql" and sql["crashes"] == 0 and sql["ok"] == sql["cases"] >= 60
    assert sql["over_limits"] == [] and sql["max_seconds"] < 15 and sql["max_peak_mb"] < 500
    digest = sql["results"][-1]
    before, after = (part.split("=")[1] for part in digest["detail"].split())
    assert digest["case"] == "database-sha256" and before == after and len(before) == 64


def test_a_crash_or_a_breach_fails_the_summary() -> None:
    rows = [CaseResult("x", "a", "refused", 0.1, 1.0), CaseResult("x", "b", "harmless", 16.0, 1.0),
            CaseResult("x", "c", "crash", 0.1, 1.0, "RecursionError")]
    head = summarize("x", rows)
    assert head["ok"] == 2 and head["crashes"] == 1 and head["over_limits"] == ["b"]
