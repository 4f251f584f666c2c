"""SqlTool: question → schema slice → constrained SQL → guard → ground → execute → repair → answer."""

from __future__ import annotations

import logging
import re

import sqlalchemy as sa

from biomedqa.errors import (
    BiomedQAError,
    ConfigError,
    InputError,
    SQLExecutionError,
    SQLResourceError,
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
from biomedqa.tools.sql.shape import Shape, check_shape, expected_shape, trim_columns
from biomedqa.tools.sql.vote import Draft, draft_plan, vote
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
        self.resource_failures: dict[str, str] = {}  # SQL that failed for resources -> why; never run again

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
        """Answer a question from the database; refusals and failures come back in ``error``.

        ``sql.drafts`` drafts are sampled and voted by result (see ``vote``); a draft that fails
        a check (guard, execution, literal values, answer shape) is out-voted, and when none
        passes, repair rounds show the model the first failure.
        """
        question = question.strip()
        if not question:
            raise InputError("empty question.", hint="Ask something about the database's tables.")
        if len(question) > 2000:
            raise InputError("question longer than 2000 characters.", hint="Shorten it.")
        ans = SqlAnswer(question=question)
        scored = self.selector.score_tables(question)
        if not scored or scored[0][1] <= 0:
            return self._clarify(ans)
        tables = self.selector.select_tables(question, max_tables=self.settings.max_tables)
        shape = expected_shape(question) if self.settings.shape_checks else Shape(columns=None)
        base = self._messages(question, tables, "", "")
        drafts: list[Draft] = []
        for variant, temperature in draft_plan(self.settings.drafts):
            msgs = base if variant == "base" else self._messages(question, tables, "", "", examples=False)
            drafts.append(await self._draft(msgs, temperature, ans, shape, len(drafts), variant))
        if all(d.refused for d in drafts):
            return self._refused(ans, drafts)
        winner = await vote(drafts, self.llm, base, use_votes=self.settings.vote)
        failed = next((d for d in drafts if not d.ok and not d.refused), drafts[0])
        tried: set[str] = set()
        while winner is None and ans.repairs < self.settings.max_repairs:
            ans.repairs += 1
            tables = self._retarget(question, tables, failed.column)
            msgs = self._messages(question, tables, failed.sql, failed.problem or "")
            temperature = 0.3 if failed.sql not in tried else 0.8
            tried.add(failed.sql)
            d = await self._draft(msgs, temperature, ans, shape, len(drafts), "repair")
            drafts.append(d)
            if d.refused:
                return self._refused(ans, drafts)
            winner = d if d.ok else None
            failed = d if not d.ok else failed
        ans.attempts = [d.record() for d in drafts]
        if winner is None:
            winner = next((d for d in drafts if d.absent), None)
        if winner is None or winner.result is None or winner.query is None:
            ans.error = failed.problem or "no query ran successfully"
            ans.answer = f"I could not answer this from the database: {ans.error}"
            return ans
        result = winner.result
        ans.sql, ans.columns, ans.rows, ans.tables, ans.truncated = (
            result.sql, result.columns, result.rows, winner.query.tables, result.truncated)
        ans.answer = await self._answer(ans)
        logger.info("sql tool: %d rows from draft %d after %d repairs", len(ans.rows), winner.index, ans.repairs)
        return ans

    async def _draft(self, messages: list[Message], temperature: float, ans: SqlAnswer, shape: Shape,
                     index: int, variant: str) -> Draft:
        """Ask the model for one draft and run it through every check."""
        try:
            sql = await draft_sql(self.llm, messages, temperature=temperature)
        except BiomedQAError as e:
            return Draft(index=index, sql="", variant=variant, temperature=temperature,
                         problem=f"the reply was not valid JSON with one short query ({e.message[:120]})")
        d = Draft(index=index, sql=sql, variant=variant, temperature=temperature)
        try:
            out, q, misses = self.prepare(sql, question=ans.question)
            dropped = trim_columns(shape, q.tree)
            if dropped:
                q.fixes.append(f"dropped filter/order columns {', '.join(dropped)} (not asked for)")
                out = self.guard.render(q)
            d.ran, d.query, d.fixes = out, q, q.fixes
            if out in self.resource_failures:
                raise SQLResourceError(self.resource_failures[out], sql=out)
            d.result = self.runner.execute(out)
        except (UnsafeSQLError, SQLExecutionError) as e:
            d.column = getattr(e, "column", None)
            # A resource failure (timeout, size or memory limit) is final: repairs would only re-run it.
            d.refused = isinstance(e, SQLResourceError) or (
                isinstance(e, UnsafeSQLError) and not isinstance(e, InvalidSQLError))
            d.problem = f"refused: {e.message}" if d.refused else str(e.message)
            if isinstance(e, SQLResourceError) and len(self.resource_failures) < 256:
                self.resource_failures[e.sql or sql] = e.message
            return d
        rows = d.result.rows
        empty = not rows or all(v is None for row in rows for v in row)
        named = [m for m in misses if _named_in(m, ans.question)]
        # A value the question itself names that no row holds: after the repairs, an honest empty answer.
        d.absent = bool(misses) and len(named) == len(misses) and empty
        if misses:
            d.problem = ("returned no rows: " if empty else "unmatched values: ") + "; ".join(misses)
        d.problem = d.problem or check_shape(shape, q.tree, d.result.columns, rows)
        return d

    def _clarify(self, ans: SqlAnswer) -> SqlAnswer:
        topics = "; ".join(t.note for t in self.tables if t.note)[:300] or ", ".join(t.name for t in self.tables)
        ans.needs_clarification = True
        ans.error = "the question names nothing in this database's tables, columns or values"
        ans.answer = (f"Which data do you mean? The question names nothing in this database. It holds: {topics}. "
                      "Ask about one of these, e.g. name a drug, gene, SNP or disease.")
        logger.info("sql tool: asked for clarification (nothing in the schema matched)")
        return ans

    @staticmethod
    def _refused(ans: SqlAnswer, drafts: list[Draft]) -> SqlAnswer:
        ans.attempts = [d.record() for d in drafts]
        ans.refused = True
        ans.error = next((d.problem for d in drafts if d.refused), "refused")
        return ans

    def _messages(self, question: str, tables: list[TableInfo], failed: str, problem: str,
                  examples: bool = True) -> list[Message]:
        columns = {t.name: self.selector.select_columns(question, t) for t in tables}
        pool = self.notes.examples if examples else []
        shots = select_examples(question, pool, [t.name for t in tables], self.settings.few_shot)
        rules = relevant_rules(self.notes, question, tables)
        msgs: list[Message] = sql_messages(question, tables, columns, rules, shots, failed=failed, problem=problem)
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
            return f"No rows matched this query: {ans.sql}"
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


def _named_in(miss: str, question: str) -> bool:
    """Whether an unmatched literal (from a grounding hint) is a value the question itself names."""
    m = re.match(r"no value '(.*?)' in ", miss)
    value = re.sub(r"^[%\s]+|[%\s(]+$", "", m.group(1)).lower() if m else ""
    return len(value) >= 2 and value in question.lower()


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
