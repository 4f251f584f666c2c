"""SQL area of ``biomedqa eval security``: resource bombs, deep nesting and recursion against the real
sample database (read-only), through the guard, straight to the driver, and through ``SqlTool.ask``.

Outcomes: ``refused`` is a typed refusal (UnsafeSQLError / SQLExecutionError, resource errors
included), ``harmless`` a query that ran and returned a small result, ``crash`` anything else (an
untyped exception, a bomb the PostgreSQL guard let through, a query re-run after a resource
failure, or a changed database). The last case compares the database file's sha256.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path

from biomedqa.errors import SQLExecutionError, UnsafeSQLError
from biomedqa.eval.security.common import CaseResult, Outcome, timed
from biomedqa.eval.security.sql_cases import (
    BUILDER_CASES,
    DEPTH_CASES,
    DRIVER_CASES,
    HARMLESS,
    POSTGRES_GUARD_CASES,
    RECURSION_CASES,
    D,
)
from biomedqa.hashing import sha256_file
from biomedqa.settings import get_settings
from biomedqa.testing import ScriptedChatModel
from biomedqa.tools.sql.guard import SqlGuard
from biomedqa.tools.sql.models import QueryResult
from biomedqa.tools.sql.run import SqlRunner, value_bytes
from biomedqa.tools.sql.tool import DEFAULT_DB, SqlTool, build_sql_tool

logger = logging.getLogger(__name__)

AREA = "sql"
DRIVER_TIMEOUT_S = 2.0
"""Statement timeout of the runner used for the driver-level cases (the tool's default is 10 s)."""

CaseFn = Callable[[], Outcome | tuple[Outcome, str]]


def sample_db() -> Path:
    """The shared BiomedSQL sample database (raises ConfigError when the shared data is missing)."""
    from biomedqa.shared_data import shared_data_dir

    return shared_data_dir().joinpath(*DEFAULT_DB)


def make_tool(db: Path, reply: str = "SELECT 1", **over: object) -> SqlTool:
    """A SqlTool on ``db`` whose model always drafts ``reply`` and answers from the rows."""
    settings = get_settings("default").with_overrides({"sql.url": str(db), "sql.answer_with_llm": False, **over})
    llm = ScriptedChatModel({'{"answer"': json.dumps({"answer": "See the rows [1]."}),
                             '{"sql"': json.dumps({"sql": reply})})
    return build_sql_tool(settings, llm)


def _ran(name: str, res: QueryResult) -> tuple[Outcome, str]:
    size = sum(value_bytes(v) for row in res.rows for v in row)
    detail = f"ran: {len(res.rows)} rows, {size:,} bytes"
    return ("harmless", detail) if name in HARMLESS else ("crash", f"{detail} (expected a refusal)")


def _refusal(e: UnsafeSQLError | SQLExecutionError) -> tuple[Outcome, str]:
    return "refused", f"{type(e).__name__}: {e.message}"[:160]


def guard_case(tool: SqlTool, name: str, sql: str) -> CaseFn:
    """The whole tool path: guard, grounding, execution."""
    def run() -> tuple[Outcome, str]:
        try:
            return _ran(name, tool.run_sql(sql))
        except (UnsafeSQLError, SQLExecutionError) as e:
            return _refusal(e)
    return run


def postgres_guard_case(guard: SqlGuard, sql: str) -> CaseFn:
    """A PostgreSQL-dialect guard must refuse the bomb before any server sees it."""
    def run() -> tuple[Outcome, str]:
        try:
            out, _ = guard.guard(sql, read="postgres")
        except UnsafeSQLError as e:
            return _refusal(e)
        return "crash", f"passed the PostgreSQL guard: {out[:100]}"
    return run


def driver_case(runner: SqlRunner, name: str, sql: str) -> CaseFn:
    """Straight to the read-only connection: its length limit, caps and timeout must hold alone."""
    def run() -> tuple[Outcome, str]:
        try:
            res = runner.execute(sql)
        except SQLExecutionError as e:
            return _refusal(e)
        size = sum(value_bytes(v) for row in res.rows for v in row)
        return "harmless", f"ran at the driver, bounded by its limits: {len(res.rows)} rows, {size:,} bytes"
    return run


def ask_case(db: Path, reply: str, *, expect_runs: int, **over: object) -> CaseFn:
    """``SqlTool.ask`` with a model that always drafts ``reply``: refused, and run at most ``expect_runs`` times."""
    def run() -> tuple[Outcome, str]:
        tool = make_tool(db, reply, **{"sql.drafts": 3, "sql.max_repairs": 3, **over})
        runs = 0
        execute = tool.runner.execute

        def counted(sql: str) -> QueryResult:
            nonlocal runs
            runs += 1
            return execute(sql)

        tool.runner.execute = counted  # type: ignore[method-assign]
        try:
            ans = asyncio.run(tool.ask(f"Which drugs in {D} match?"))
        finally:
            tool.close()
        detail = f"refused={ans.refused}, executed {runs}x, drafts {len(ans.attempts)}: {ans.error or ''}"[:160]
        return ("refused", detail) if ans.refused and runs <= expect_runs else ("crash", detail)
    return run


def cases(db: Path, tool: SqlTool) -> list[tuple[str, CaseFn]]:
    """Every SQL case as (name, zero-argument function)."""
    pg_guard = SqlGuard(tool.tables, write="postgres", row_limit=tool.settings.row_limit)
    runner = SqlRunner(tool.engine, timeout_s=DRIVER_TIMEOUT_S, row_limit=tool.settings.row_limit)
    out: list[tuple[str, CaseFn]] = [(n, guard_case(tool, n, s)) for n, s in DEPTH_CASES + BUILDER_CASES
                                     + RECURSION_CASES]
    out += [(n, postgres_guard_case(pg_guard, s)) for n, s in POSTGRES_GUARD_CASES]
    out += [(n, driver_case(runner, n, s)) for n, s in DRIVER_CASES]
    slow = (f"SELECT count(*) FROM {D} a, {D} b, {D} c, {D} d "
            "WHERE a.drugName || b.drugName || c.drugName || d.drugName LIKE '%zzz%'")
    out += [
        ("ask-printf-bomb-every-draft", ask_case(db, "SELECT printf('%999999999d', 1) FROM " + D, expect_runs=0)),
        ("ask-cte-self-reference", ask_case(db, RECURSION_CASES[1][1], expect_runs=0)),
        ("ask-timeout-never-rerun", ask_case(db, slow, expect_runs=1, **{"sql.timeout_s": 0.0})),
    ]
    return out


def run() -> list[CaseResult]:
    """Run every SQL case on the shared sample database; the last result is its sha256 check."""
    db = sample_db()
    before = sha256_file(db)
    tool = make_tool(db)
    try:
        results = [timed(AREA, name, fn) for name, fn in cases(db, tool)]
    finally:
        tool.close()
    after = sha256_file(db)
    same: Outcome = "harmless" if after == before else "crash"
    results.append(CaseResult(AREA, "database-sha256", same, 0.0, 0.0, f"before={before} after={after}"))
    return results
