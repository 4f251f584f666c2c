"""Connections are read-only and time-limited at the engine, independent of the guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from biomedqa.errors import ConfigError, SQLExecutionError
from biomedqa.eval.sql_compare import relaxed_match, rows_match
from biomedqa.tools.sql.connect import dialect_of, normalize_url, open_engine
from biomedqa.tools.sql.run import SqlRunner

D = "DrugGeneTargets_ComprehensiveAnnotations_updated"


def test_writes_fail_at_the_connection_even_without_the_guard(sample_db: Path) -> None:
    runner = SqlRunner(open_engine(str(sample_db), timeout_s=5))
    for sql in (f'DELETE FROM "{D}"', "CREATE TABLE evil (a INTEGER)", "ATTACH DATABASE '/tmp/x.db' AS x"):
        with pytest.raises(SQLExecutionError, match="readonly|read-only|not authorized|too many attached"):
            runner.execute(sql)
    assert runner.execute(f'SELECT COUNT(*) FROM "{D}"').rows == [[7]]


def test_statement_timeout_stops_a_runaway_query(sample_db: Path) -> None:
    runner = SqlRunner(open_engine(str(sample_db), timeout_s=0.3), timeout_s=0.3)
    bomb = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c"
    with pytest.raises(SQLExecutionError, match="timeout"):
        runner.execute(bomb)


def test_row_limit_truncates(sample_db: Path) -> None:
    runner = SqlRunner(open_engine(str(sample_db), timeout_s=5), row_limit=3)
    res = runner.execute(f'SELECT "drugName" FROM "{D}"')
    assert len(res.rows) == 3 and res.truncated


def test_urls(sample_db: Path, tmp_path: Path) -> None:
    assert normalize_url(str(sample_db)).startswith("sqlite:////")
    assert dialect_of("postgresql+psycopg://u@h/db") == "postgres"
    with pytest.raises(ConfigError, match="does not exist"):
        normalize_url(str(tmp_path / "missing.sqlite"))


def test_result_comparison_is_robust() -> None:
    gold = [["Phenprocoumon", 8]]
    assert rows_match([["phenprocoumon ", 8.0]], gold)
    assert rows_match([["B"], ["A"]], [["A"], ["B"]])
    assert not rows_match([["B"], ["A"]], [["A"], ["B"]], ordered=True)
    assert relaxed_match([["x1", "Phenprocoumon", 8, 1]], gold)
    assert not relaxed_match([["Phenprocoumon", 7]], gold)
    assert relaxed_match([], []) and not relaxed_match([["a"]], [])
    assert rows_match([[0.3390000001]], [[0.339]])
