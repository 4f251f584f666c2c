"""The SQL limits one by one: pre-scan, iterative depth, function bounds, connection limits, byte caps,
typed MemoryError/RecursionError, PostgreSQL session settings, and no re-run after a resource failure."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from biomedqa.errors import SQLResourceError, UnsafeSQLError
from biomedqa.tools.sql import guard as guard_module
from biomedqa.tools.sql import run as run_module
from biomedqa.tools.sql.connect import open_engine
from biomedqa.tools.sql.functions import oversized_call
from biomedqa.tools.sql.guard import SqlGuard
from biomedqa.tools.sql.limits import (
    MAX_TREE_DEPTH,
    SQLITE_MAX_LENGTH,
    postgres_options,
    postgres_session_sql,
    prescan,
    skeleton,
    tree_depth,
)
from biomedqa.tools.sql.run import SqlRunner
from biomedqa.tools.sql.schema import introspect

from .conftest import ToolFactory

D = "DrugGeneTargets_ComprehensiveAnnotations_updated"


@pytest.fixture(scope="module")
def engine(sample_db: Path):  # type: ignore[no-untyped-def]
    eng = open_engine(str(sample_db), timeout_s=5)
    yield eng
    eng.dispose()


def test_skeleton_ignores_strings_and_comments() -> None:
    bare, depth = skeleton("SELECT '((('')' , \"a(\" /* ((( */ -- (((\n FROM (t)")
    assert depth == 1 and "(((" not in bare


@pytest.mark.parametrize("sql", ["SELECT " + "(" * 17 + "1" + ")" * 17, "SELECT NOT NOT NOT NOT NOT 1",
                                 "SELECT - - - - - 1", "SELECT " + "CASE WHEN 1 THEN " * 17 + "1" + " END" * 17,
                                 "SELECT 1" + " " * 4000])
def test_prescan_refuses_before_parsing(sql: str) -> None:
    with pytest.raises(UnsafeSQLError):
        prescan(sql)


def test_prescan_accepts_ordinary_sql() -> None:
    prescan(f"SELECT a - -1, NOT (x = 1) FROM {D} WHERE ((a = 1) OR (b = 2)) -- ----- note")


def test_tree_depth_is_iterative_far_past_the_recursion_limit() -> None:
    node: exp.Expr = exp.Literal.number(1)
    for _ in range(20_000):
        node = exp.Not(this=node)
    assert tree_depth(node) == 20_001


def test_recursion_and_memory_errors_become_refusals(engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    guard = SqlGuard(introspect(engine))
    for error in (RecursionError, MemoryError):
        def boom(*_a: Any, error: type[BaseException] = error, **_k: Any) -> Any:
            raise error()
        monkeypatch.setattr(guard_module.sqlglot, "parse", boom)
        with pytest.raises(UnsafeSQLError, match=error.__name__):
            guard.guard(f"SELECT drugName FROM {D}")


@pytest.mark.parametrize("call", ["printf('%5.2f', a)", "replace(a, ' ', '')", "lpad(a, 10, '0')",
                                  "repeat('-', 20)", "a || ' ' || b", "format('%s-%s', a, b)", "substr(a, 1, 10)"])
def test_ordinary_string_functions_fit(call: str) -> None:
    assert oversized_call(sqlglot.parse_one(f"SELECT {call} FROM t", read="postgres")) is None


@pytest.mark.parametrize("call", ["printf('%1001d', 1)", "printf('%.*f', 5, a)", "repeat(a, n)", "lpad(a, n)",
                                  "replace(a, 'x', a)", "format(a, 1)", "repeat('ab', 600000)"])
def test_unbounded_string_functions_are_found(call: str) -> None:
    assert oversized_call(sqlglot.parse_one(f"SELECT {call} FROM t", read="postgres")) is not None


def test_typed_functions_are_allow_listed_too(engine: Any) -> None:
    guard = SqlGuard(introspect(engine), write="postgres")
    with pytest.raises(UnsafeSQLError, match="REPEAT"):
        guard.guard(f"SELECT repeat(drugName, 100000000) FROM {D}", read="postgres")
    out, _ = guard.guard(f"SELECT lpad(drugName, 30, '.') FROM {D}", read="postgres")
    assert "LPAD" in out


def test_sqlite_connection_has_a_length_limit(engine: Any) -> None:
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)
        assert raw.getlimit(sqlite3.SQLITE_LIMIT_LENGTH) == SQLITE_MAX_LENGTH
        assert raw.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED) == 0


def test_resource_failures_are_typed(engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = SqlRunner(engine, timeout_s=5)
    with pytest.raises(SQLResourceError) as info:
        runner.execute("SELECT zeroblob(2000000)")
    assert info.value.limit == "length"
    with pytest.raises(SQLResourceError) as info:
        runner.execute("SELECT " + ", ".join(f"printf('%900000d', {i})" for i in range(5)))
    assert info.value.limit == "result"

    def no_memory(*_a: Any) -> Any:
        raise MemoryError
    monkeypatch.setattr(run_module, "fetch_capped", no_memory)
    with pytest.raises(SQLResourceError) as info:
        runner.execute("SELECT 1")
    assert info.value.limit == "memory"


def test_postgres_session_limits_are_emitted() -> None:
    opts = postgres_options(2.5)
    assert "-c statement_timeout=2500" in opts and "-c work_mem=16MB" in opts
    assert "-c default_transaction_read_only=on" in opts
    assert postgres_session_sql(2.5) == ["SET LOCAL statement_timeout = 2500", "SET LOCAL work_mem = '16MB'"]


def test_depth_limit_is_safe_for_the_recursive_generator(engine: Any) -> None:
    guard = SqlGuard(introspect(engine))
    chain = " AND ".join(["1=1"] * (MAX_TREE_DEPTH - 6))
    out, _ = guard.guard(f"SELECT drugName FROM {D} WHERE {chain}")
    assert out.count("1 = 1") == MAX_TREE_DEPTH - 6


async def test_repairs_never_rerun_a_query_that_failed_for_resources(make_tool: ToolFactory) -> None:
    slow = (f"SELECT count(*) FROM {D} a, {D} b, {D} c, {D} d "  # 2401 rows: past the first progress check
            "WHERE a.drugName || b.drugName || c.drugName || d.drugName LIKE '%zz%'")
    tool = make_tool(slow, **{"sql.timeout_s": 0.0, "sql.max_repairs": 3})
    runs: list[str] = []
    execute = tool.runner.execute
    tool.runner.execute = lambda sql: (runs.append(sql), execute(sql))[1]  # type: ignore[method-assign]
    ans = await tool.ask(f"How many drugs in {D}?")
    assert ans.refused and "timeout" in (ans.error or "")
    assert len(runs) == 1 and ans.repairs == 0
    again = await tool.ask(f"How many drugs in {D}?")
    assert again.refused and len(runs) == 1  # remembered: not even a second question re-runs it


@pytest.mark.parametrize("write", ["sqlite", "postgres"])
@pytest.mark.parametrize("expr", [
    f"EXISTS (SELECT 1 FROM {D} WHERE drugName = 'x')", "CAST(yearOfFirstApproval AS REAL)", "COUNT(DISTINCT drugName)",
    "date('now')", "CURRENT_DATE", "strftime('%Y', 'now')", "IFNULL(drugName, '')", "GROUP_CONCAT(DISTINCT drugName)",
    "ROW_NUMBER() OVER (ORDER BY drugName)", "LAG(drugName) OVER (ORDER BY drugName)",
    "ROUND(AVG(yearOfFirstApproval), 2)",
    "SUM(CASE WHEN drugIsApproved = 1 THEN 1 ELSE 0 END)", "IIF(drugIsApproved = 1, 'y', 'n')", "UPPER(TRIM(drugName))",
    "INSTR(drugName, 'a')", "SUBSTR(drugName, 1, 3)", "drugName || ' (' || drugName || ')'",
    "TOTAL(yearOfFirstApproval)",
    "REPLACE(drugName, ' ', '')", "drugName COLLATE NOCASE", "EXTRACT(YEAR FROM CURRENT_DATE)", "printf('%.2f', 1.5)",
])
def test_ordinary_sql_still_passes_the_allow_list(engine: Any, write: str, expr: str) -> None:
    SqlGuard(introspect(engine), write=write).guard(f"SELECT {expr} FROM {D}")
