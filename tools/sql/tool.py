"""SqlTool: question → schema slice → constrained SQL → guard → ground → execute → repair → answer."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from biomedqa.errors import (
    BiomedQAError,
    ConfigError,
    InputError,
    SQLExecutionError,
    UnsafeSQLError,
)
from biomedqa.interfaces import ChatModel, Embedder
from biomedqa.settings import Settings, SQLSettings
from biomedqa.tools.sql.connect import dialect_of, normalize_url, open_engine
from biomedqa.tools.sql.generate import (
    AnswerDraft,
    answer_messages,
    cite_rows,
    draft_sql,
    fallback_answer,
    relevant_rules,
    sql_messages,
)
from biomedqa.tools.sql.ground import ValueGrounder
from biomedqa.tools.sql.guard import GuardedQuery, InvalidSQLError, SqlGuard
from biomedqa.tools.sql.models import QueryResult, SchemaNotes, SqlAnswer, TableInfo
from biomedqa.tools.sql.run import SqlRunner
from biomedqa.tools.sql.schema import default_notes_for, introspect, load_notes
from biomedqa.tools.sql.select import SchemaSelector, ValueIndex, select_examples
from biomedqa.types import Message

logger = logging.getLogger(__name__)

DEFAULT_DB = ("derived", "biomedsql", "biomedsql_sample.sqlite")


def default_db_url() -> str | None:
    """The shared BiomedSQL sample database as a URL, when the shared data is present."""
    try:
        from biomedqa.shared_data import shared_data_dir

        path = shared_data_dir().joinpath(*DEFAULT_DB)
    except ConfigError:
        return None
    return f"sqlite:///{path}" if path.exists() else None


class SqlTool:
    """Text-to-SQL over one read-only database, with guard, value grounding and repair rounds."""

    def __init__(
        self, engine: sa.Engine, llm: ChatModel, settings: SQLSettings, *, dialect: str = "sqlite",
        notes: SchemaNotes | None = None, embedder: Embedder | None = None,
    ) -> None:
        self.engine = engine
        self.llm = llm
        self.settings = settings
        self.dialect = dialect
        self.tables = introspect(engine, notes)
        self.notes = notes if notes is not None else default_notes_for([t.name for t in self.tables])
        if notes is None and self.notes.tables:
            self.tables = introspect(engine, self.notes)
        self.selector = SchemaSelector(self.tables, ValueIndex.build(engine, self.tables), embedder)
        self.guard = SqlGuard(self.tables, write=dialect, row_limit=settings.row_limit)
        self.runner = SqlRunner(engine, timeout_s=settings.timeout_s, row_limit=settings.row_limit)
        self.grounder = ValueGrounder(self.runner, self.guard)

    # -- SQL in, rows out -------------------------------------------------------------------
    def prepare(self, sql: str, question: str = "") -> tuple[str, GuardedQuery, list[str]]:
        """Guard and ground SQL; return the SQL to run, its tree and hints for unmatched values."""
        reads = list(dict.fromkeys([self.settings.read_dialect, "bigquery"]))
        for i, read in enumerate(reads):
            try:
                q = self.guard.check(sql, read=read)
                break
            except InvalidSQLError as e:
                if i == len(reads) - 1 or "does not parse" not in e.message:
                    raise
        misses = self.grounder.ground(q, question)
        out = self.guard.render(q)
        self.guard.check(out, read=self.dialect)
        return out, q, misses

    def run_sql(self, sql: str) -> QueryResult:
        """Guard, ground and execute SQL written by a person or a model (raises on refusal)."""
        out, _, _ = self.prepare(sql)
        return self.runner.execute(out)

    # -- question in, answer out ------------------------------------------------------------
    async def ask(self, question: str) -> SqlAnswer:
        """Answer a question from the database; refusals and failures come back in ``error``."""
        question = question.strip()
        if not question:
            raise InputError("empty question.", hint="Ask something about the database's tables.")
        if len(question) > 2000:
            raise InputError("question longer than 2000 characters.", hint="Shorten it.")
        tables = self.selector.select_tables(question, max_tables=self.settings.max_tables)
        ans = SqlAnswer(question=question)
        best: tuple[QueryResult, GuardedQuery] | None = None
        failed, problem, tried = "", "", set()
        for round_no in range(self.settings.max_repairs + 1):
            ans.repairs = round_no
            messages = self._messages(question, tables, failed, problem)
            temperature = 0.0 if round_no == 0 else (0.3 if failed not in tried else 0.8)
            tried.add(failed)
            try:
                sql = await draft_sql(self.llm, messages, temperature=temperature)
            except BiomedQAError as e:
                ans.attempts.append({"sql": None, "error": str(e)})
                failed, problem = "", f"the reply was not valid JSON with one short query ({e.message[:120]})"
                continue
            found = await self._try(sql, ans)
            if found is None or (found.startswith("returned no rows") and ans.attempts[-1].get("ok")):
                best = ans.attempts[-1]["_result"]
            if found is None or ans.refused:
                break
            failed, problem = sql, found
            tables = self._retarget(question, tables, ans.attempts[-1].get("_column"))
        for a in ans.attempts:
            a.pop("_result", None)
            a.pop("_column", None)
        if ans.refused:
            return ans
        if best is None:
            ans.error = ans.error or "no query ran successfully"
            ans.answer = f"I could not answer this from the database: {ans.error}"
            return ans
        result, q = best
        ans.error = None
        ans.sql, ans.columns, ans.rows, ans.tables, ans.truncated = (
            result.sql, result.columns, result.rows, q.tables, result.truncated)
        ans.answer = await self._answer(ans)
        logger.info("sql tool: %d rows after %d repairs", len(ans.rows), ans.repairs)
        return ans

    async def _try(self, sql: str, ans: SqlAnswer) -> str | None:
        """Run one draft; record it; return the problem to repair, or None when it is acceptable."""
        attempt: dict[str, Any] = {"draft": sql}
        ans.attempts.append(attempt)
        try:
            out, q, misses = self.prepare(sql, question=ans.question)
            attempt.update(sql=out, fixes=q.fixes)
            result = self.runner.execute(out)
        except (UnsafeSQLError, SQLExecutionError) as e:
            attempt["_column"] = getattr(e, "column", None)
            hard = isinstance(e, UnsafeSQLError) and not isinstance(e, InvalidSQLError)
            problem = f"refused: {e.message}" if hard else str(e.message)
            attempt["error"] = ans.error = problem
            ans.refused = hard
            return problem
        attempt.update(ok=True, rows=len(result.rows), _result=(result, q))
        empty = not result.rows or all(v is None for row in result.rows for v in row)
        if empty and misses:
            attempt["error"] = "; ".join(misses)
            return "returned no rows: " + "; ".join(misses)
        return None

    def _messages(self, question: str, tables: list[TableInfo], failed: str, problem: str) -> list[Message]:
        columns = {t.name: self.selector.select_columns(question, t) for t in tables}
        examples = select_examples(question, self.notes.examples, [t.name for t in tables], self.settings.few_shot)
        rules = relevant_rules(self.notes, question, tables)
        msgs: list[Message] = sql_messages(question, tables, columns, rules, examples, failed=failed, problem=problem)
        return msgs

    def _retarget(self, question: str, tables: list[TableInfo], column: str | None) -> list[TableInfo]:
        """After 'unknown column X', show the best-scoring table that has X (the model mixed tables up)."""
        if not column:
            return tables
        owners = [t for t, _ in self.selector.score_tables(question) if t.column(column) is not None]
        if not owners or (owners[0] in tables and len(tables) == 1):
            return tables
        logger.info("repair: column %s lives in %s; showing that table", column, owners[0].name)
        return [owners[0]]

    async def _answer(self, ans: SqlAnswer) -> str:
        if not ans.rows:
            return f"No rows in {', '.join(ans.tables)} match the query, so the database holds no such record."
        if not self.settings.answer_with_llm:
            return str(fallback_answer(ans.columns, ans.rows, ans.doc_id))
        table = " + ".join(ans.tables)
        try:
            draft = await self.llm.complete(
                answer_messages(ans.question, ans.sql, table, ans.columns, ans.rows), schema=AnswerDraft,
                max_tokens=160, temperature=0.0)
        except BiomedQAError as e:
            logger.warning("answer step failed (%s); listing the rows instead", e)
            return str(fallback_answer(ans.columns, ans.rows, ans.doc_id))
        return str(cite_rows(str(draft.answer), ans.doc_id, len(ans.rows)))

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def build_sql_tool(settings: Settings, llm: ChatModel, embedder: Embedder | None = None) -> SqlTool:
    """A SqlTool for ``settings.sql.url`` (default: the shared BiomedSQL sample DB), read-only."""
    url = settings.sql.url or default_db_url()
    if not url:
        raise ConfigError("no database configured.", hint="Set sql.url or pass --db PATH_OR_URL.")
    url = normalize_url(url)
    notes = load_notes(settings.sql.schema_notes) if settings.sql.schema_notes else None
    engine = open_engine(url, settings.sql.timeout_s)
    try:
        return SqlTool(engine, llm, settings.sql, dialect=dialect_of(url), notes=notes, embedder=embedder)
    except sa.exc.SQLAlchemyError as e:
        engine.dispose()
        raise ConfigError(f"cannot open database {engine.url!r}: {str(e).splitlines()[0]}",
                          hint="Check the URL, the server and the credentials.") from e
