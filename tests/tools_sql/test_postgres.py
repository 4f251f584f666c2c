"""The same tables in a real PostgreSQL server: transpiled SQL answers, and writes fail at the connection."""

from __future__ import annotations

from typing import Any

import pytest

from biomedqa.errors import SQLExecutionError, UnsafeSQLError
from biomedqa.eval.sql_compare import rows_match
from biomedqa.eval.sql_refusals import content_fingerprint, run_sql_cases, summarize

from .conftest import ToolFactory

pytestmark = pytest.mark.postgres
D = "DrugGeneTargets_ComprehensiveAnnotations_updated"


async def test_gold_sql_transpiles_and_matches_on_postgres(make_tool: ToolFactory, pg_url: str,
                                                           triples: list[dict[str, Any]]) -> None:
    tool = make_tool("SELECT 1", url=pg_url)
    assert tool.dialect == "postgres"
    for t in triples:
        res = tool.run_sql(str(t["sql_sqlite"]))
        assert rows_match(res.rows, t["answer_rows"]), (t["question"], res.sql, res.rows)


async def test_bigquery_style_draft_answers_on_postgres(make_tool: ToolFactory, pg_url: str) -> None:
    tool = make_tool(f"SELECT drugName FROM `card-ai-389220.bio_sql_benchmark.{D}` "
                     "WHERE newLinkedTargets_string LIKE \"%pparg (%\" AND drugIsApproved = TRUE", url=pg_url)
    ans = await tool.ask("Which approved drugs target PPARG?")
    assert ans.rows == [["Troglitazone"]] and ans.error is None
    assert "ILIKE" in ans.sql and '"drugIsApproved" = 1' in ans.sql


async def test_writes_fail_on_postgres_even_past_the_guard(make_tool: ToolFactory, pg_url: str) -> None:
    tool = make_tool("SELECT 1", url=pg_url)
    before = content_fingerprint(tool.engine)
    reset = f'SET default_transaction_read_only = off; DELETE FROM "{D}"'
    for sql in (f'DELETE FROM "{D}"', "CREATE TABLE evil (a int)", reset):
        with pytest.raises(SQLExecutionError, match="read-only"):
            tool.runner.execute(sql)  # straight to the driver, no guard
    cases = run_sql_cases(tool)
    assert summarize(cases)["failed"] == []
    assert content_fingerprint(tool.engine) == before


def test_statement_timeout_on_postgres(make_tool: ToolFactory, pg_url: str) -> None:
    tool = make_tool("SELECT 1", url=pg_url, **{"sql.timeout_s": 0.5})
    with pytest.raises(SQLExecutionError, match="timeout"):
        tool.runner.execute("SELECT count(*) FROM generate_series(1, 100000000) a")


def test_session_limits_on_postgres(make_tool: ToolFactory, pg_url: str) -> None:
    tool = make_tool("SELECT 1", url=pg_url, **{"sql.timeout_s": 2.5})
    assert tool.runner.execute("SHOW work_mem").rows == [["16MB"]]
    assert tool.runner.execute("SHOW statement_timeout").rows in ([["2500ms"]], [["2500"]])
    for sql in (f"SELECT repeat(drugName, 100000000) FROM {D}", f"SELECT lpad('x', 1000000000) FROM {D}",
                f"SELECT format('%999999999s', 'x') FROM {D}"):
        with pytest.raises(UnsafeSQLError):
            tool.run_sql(sql)
    assert tool.run_sql(f"SELECT lpad(drugName, 30, '.') FROM {D}").rows
