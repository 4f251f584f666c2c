"""The SQL guard: one read-only SELECT over known tables, with a capped LIMIT, in the target dialect.

sqlglot parses the model's SQL (SQLite or BigQuery style); the guard refuses anything else
(DML/DDL, PRAGMA, ATTACH, several statements, SELECT INTO, recursive CTEs, file/system
functions, system catalogs), repairs what is merely sloppy (identifier case, project-qualified
BigQuery table names, booleans vs 0/1, double-quoted strings) and re-generates the SQL from the
tree, so comments and anything the parser did not understand never reach the database.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from biomedqa.errors import UnsafeSQLError
from biomedqa.tools.sql.functions import function_name, is_allowed, is_denied, oversized_call
from biomedqa.tools.sql.limits import MAX_SQL_CHARS, check_depth, prescan
from biomedqa.tools.sql.models import TableInfo

logger = logging.getLogger(__name__)

MAX_TABLE_REFS = 4
FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = tuple(
    getattr(exp, n) for n in (
        "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "Command", "Pragma", "Attach",
        "Detach", "Copy", "Set", "Transaction", "Commit", "Rollback", "Use", "TruncateTable", "LoadData",
        "Into", "Lock", "Grant", "Analyze", "Describe", "Show", "Kill", "Cache", "Uncache", "Refresh",
    ) if hasattr(exp, n)
)
SYSTEM_PREFIXES = ("sqlite_", "pg_", "information_schema", "mysql", "performance_schema", "sys")


class InvalidSQLError(UnsafeSQLError):
    """SQL the guard cannot accept but a repair round may fix (syntax, unknown table or column)."""

    repairable = True

    def __init__(self, message: str, *, sql: str = "", column: str | None = None) -> None:
        self.column = column
        super().__init__(message, sql=sql)


@dataclass
class GuardedQuery:
    """A checked query tree plus what the guard learned and changed."""

    tree: exp.Query
    tables: list[str]
    aliases: dict[str, str] = field(default_factory=dict)  # alias or table name (lower) -> table
    fixes: list[str] = field(default_factory=list)


@contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    """Silence sqlglot's 'falling back to Command' warnings: the guard refuses those statements itself."""
    log = logging.getLogger("sqlglot")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _references_itself(cte: exp.CTE) -> bool:
    """Whether a CTE's body reads its own name (SQLite recurses on that even without RECURSIVE)."""
    name = cte.alias_or_name.lower()
    return any(not t.db and t.name.lower() == name for t in cte.this.find_all(exp.Table))


def strip_wrapping(sql: str) -> str:
    """Remove Markdown fences, a leading 'sql' tag and trailing semicolons/whitespace."""
    s = sql.strip()
    fence = re.search(r"```(?:sql|sqlite|bigquery)?\s*(.*?)```", s, flags=re.DOTALL | re.IGNORECASE)
    if fence:
        s = fence.group(1).strip()
    s = re.sub(r"^sql\s*:?\s+(?=select|with)", "", s, flags=re.IGNORECASE)
    return s.rstrip().rstrip(";").rstrip()


def unescape_csv_quotes(sql: str) -> str:
    """Undo CSV-style doubled double quotes (``""text""`` → ``"text"``) as found in BiomedSQL's examples."""
    return re.sub(r'""([^"]+)""', r'"\1"', sql)


class SqlGuard:
    """Checks and normalises SQL against a known schema for one target dialect."""

    def __init__(self, tables: list[TableInfo], *, write: str = "sqlite", row_limit: int = 200) -> None:
        self.tables = {t.name.lower(): t for t in tables}
        self.write = write
        self.row_limit = row_limit

    # -- entry points -----------------------------------------------------------------------
    def check(self, sql: str, read: str = "sqlite") -> GuardedQuery:
        """Parse and check one statement; raise UnsafeSQLError (hard) or InvalidSQLError (repairable).

        Every failure is typed: the text is pre-scanned before sqlglot sees it (length, nesting,
        unary chains), and a RecursionError or MemoryError from parsing or checking is a refusal.
        """
        if len(sql) > 4 * MAX_SQL_CHARS:  # before any regex runs over it
            raise UnsafeSQLError(f"SQL longer than {MAX_SQL_CHARS} characters or with NUL bytes is refused.",
                                 sql=sql[:200])
        text = strip_wrapping(sql)
        if not text:
            raise InvalidSQLError("empty SQL; write one SELECT statement.", sql=sql)
        prescan(text, sql)
        try:
            return self._check(text, sql, read)
        except (RecursionError, MemoryError) as e:
            raise UnsafeSQLError(f"the query is too complex to check ({type(e).__name__}); write a simpler one.",
                                 sql=sql) from e

    def _check(self, text: str, sql: str, read: str) -> GuardedQuery:
        try:
            with _quiet_sqlglot():
                statements = [s for s in sqlglot.parse(text, read=read) if s is not None]
        except SqlglotError as e:
            raise InvalidSQLError(f"SQL does not parse: {str(e).splitlines()[0][:200]}", sql=sql) from e
        for statement in statements:
            check_depth(statement, sql)
        if len(statements) != 1:
            raise UnsafeSQLError(f"exactly one statement is allowed, got {len(statements)}.", sql=sql)
        tree = statements[0]
        if not isinstance(tree, exp.Query):
            raise UnsafeSQLError(f"only a read-only SELECT is allowed, not {tree.key.upper()}.", sql=sql)
        self._refuse_forbidden(tree, sql)
        q = GuardedQuery(tree=tree, tables=[])
        self._resolve_tables(q, sql)
        self._resolve_columns(q, sql)
        self._harmonise_booleans(q)
        self._show_ranking_column(q)
        self._show_threshold_columns(q)
        self._cap_limit(q)
        return q

    def render(self, q: GuardedQuery) -> str:
        """The query as SQL in the target dialect, comments dropped, identifiers quoted."""
        tree: Any = q.tree.copy()
        if self.write == "postgres":
            tree = tree.transform(lambda n: exp.ILike(this=n.this, expression=n.expression)
                                  if isinstance(n, exp.Like) else n)
        return str(tree.sql(dialect=self.write, comments=False))

    def guard(self, sql: str, read: str = "sqlite") -> tuple[str, GuardedQuery]:
        """check + render, then re-check the rendered SQL in the target dialect (defence in depth)."""
        q = self.check(sql, read=read)
        try:
            out = self.render(q)
        except (RecursionError, MemoryError) as e:
            raise UnsafeSQLError(f"the query is too complex to render ({type(e).__name__}).", sql=sql) from e
        self.check(out, read=self.write)
        return out, q

    # -- checks -----------------------------------------------------------------------------
    def _refuse_forbidden(self, tree: exp.Query, sql: str) -> None:
        for node in tree.walk():
            if isinstance(node, FORBIDDEN_NODES):
                raise UnsafeSQLError(f"{node.key.upper()} is not allowed in a read-only query.", sql=sql)
            if isinstance(node, exp.Select) and (node.args.get("into") or node.args.get("locks")):
                raise UnsafeSQLError("SELECT INTO and locking reads are not allowed.", sql=sql)
            if isinstance(node, exp.With) and node.args.get("recursive"):
                raise UnsafeSQLError("recursive CTEs are not allowed.", sql=sql)
            if isinstance(node, exp.CTE) and _references_itself(node):
                raise UnsafeSQLError(f"recursive CTEs are not allowed ({node.alias_or_name} reads itself).", sql=sql)
            if isinstance(node, exp.Func):
                name = function_name(node)
                if is_denied(node):
                    raise UnsafeSQLError(f"function {name.upper()} is not allowed.", sql=sql)
                if not is_allowed(node):
                    raise InvalidSQLError(f"function {name.upper()} is not allowed; use standard SQL functions.",
                                          sql=sql)
        big = oversized_call(tree)
        if big is not None:
            size = "an unbounded" if big[1] == float("inf") else f"a {big[1]:,.0f}-character"
            raise UnsafeSQLError(f"{big[0].upper()} may build {size} string; string builders need literal, "
                                 "small widths, counts and lengths.", sql=sql)

    def _resolve_tables(self, q: GuardedQuery, sql: str) -> None:
        ctes = {c.alias_or_name.lower() for c in q.tree.find_all(exp.CTE)}
        refs = list(q.tree.find_all(exp.Table))
        if len(refs) > MAX_TABLE_REFS:
            raise UnsafeSQLError(f"at most {MAX_TABLE_REFS} table references are allowed, got {len(refs)}.", sql=sql)
        for t in refs:
            if not isinstance(t.this, exp.Identifier):
                raise UnsafeSQLError("table functions are not allowed in FROM; read the known tables.", sql=sql)
            parts = [p for p in (t.catalog, t.db) if p] + t.name.split(".")
            name = parts[-1]
            if name.lower() in ctes and len(parts) == 1:
                continue
            if any(p.lower().startswith(SYSTEM_PREFIXES) for p in parts):
                raise UnsafeSQLError(f"system catalog {'.'.join(parts)} is not readable.", sql=sql)
            info = self.tables.get(name.lower())
            if info is None:
                close = difflib.get_close_matches(name.lower(), list(self.tables), n=1, cutoff=0.85)
                prefixed = [k for k in self.tables if len(name) >= 6 and k.startswith(name.lower())]
                close = close or (prefixed if len(prefixed) == 1 else [])
                if not close:
                    raise InvalidSQLError(
                        f"unknown table {name}; use one of: {', '.join(x.name for x in self.tables.values())}.",
                        sql=sql)
                info = self.tables[close[0]]
                q.fixes.append(f"table {name} -> {info.name}")
            t.set("this", exp.to_identifier(info.name, quoted=True))
            t.set("db", None)
            t.set("catalog", None)
            if info.name not in q.tables:
                q.tables.append(info.name)
            q.aliases[(t.alias or info.name).lower()] = info.name
            q.aliases.setdefault(info.name.lower(), info.name)
        if not q.tables:
            raise InvalidSQLError("the query reads no table; select from one of the listed tables.", sql=sql)

    def _resolve_columns(self, q: GuardedQuery, sql: str) -> None:
        complex_from = bool(q.tree.find(exp.CTE)) or any(
            isinstance(s.parent, (exp.From, exp.Join)) for s in q.tree.find_all(exp.Subquery))
        out_aliases = {a.alias.lower() for a in q.tree.find_all(exp.Alias)}
        for col in list(q.tree.find_all(exp.Column)):
            if isinstance(col.this, exp.Star):
                continue
            name = col.name
            candidates = [self.tables[q.aliases[col.table.lower()].lower()]] if col.table and \
                col.table.lower() in q.aliases else [self.tables[t.lower()] for t in q.tables]
            found = next((c for t in candidates if (c := t.column(name))), None)
            if found is None:
                if name.lower() in out_aliases or complex_from:
                    continue
                if col.this.args.get("quoted") and not col.table:
                    col.replace(exp.Literal.string(name))
                    q.fixes.append(f'"{name}" read as a string')
                    continue
                names = [c.name for t in candidates for c in t.columns]
                close = difflib.get_close_matches(name, names, n=1, cutoff=0.8) or \
                    [n for n in names if n.lower().replace("_", "") == name.lower().replace("_", "")][:1]
                if not close:
                    raise InvalidSQLError(
                        f"unknown column {name}; columns of {', '.join(t.name for t in candidates)}: "
                        f"{', '.join(names)}.", sql=sql, column=name)
                found = next(c for t in candidates if (c := t.column(close[0])))
                q.fixes.append(f"column {name} -> {found.name}")
            col.set("this", exp.to_identifier(found.name, quoted=True))
            if col.table and col.table.lower() not in q.aliases:
                col.set("table", None)

    def column_kind(self, q: GuardedQuery, col: exp.Column) -> tuple[str, str] | None:
        """(table, kind) of a resolved column reference, or None when unknown/ambiguous."""
        names = [q.aliases[col.table.lower()]] if col.table and col.table.lower() in q.aliases else q.tables
        for n in names:
            info = self.tables.get(n.lower())
            c = info.column(col.name) if info else None
            if c is not None:
                return info.name, c.kind  # type: ignore[union-attr]
        return None

    def _harmonise_booleans(self, q: GuardedQuery) -> None:
        for cmp in list(q.tree.find_all(exp.EQ, exp.NEQ)):
            col, lit = cmp.this, cmp.expression
            if not isinstance(col, exp.Column):
                col, lit = lit, col
            if not isinstance(col, exp.Column):
                continue
            where = self.column_kind(q, col)
            if where is None:
                continue
            if where[1] == "int" and isinstance(lit, exp.Boolean):
                lit.replace(exp.Literal.number(1 if lit.this else 0))
            elif where[1] == "bool" and isinstance(lit, exp.Literal) and lit.this in {"0", "1"}:
                lit.replace(exp.Boolean(this=lit.this == "1"))

    def _show_ranking_column(self, q: GuardedQuery) -> None:
        """For a top-N query (ORDER BY col ... LIMIT n), also select the column it ranks by."""
        tree = q.tree
        limit = tree.args.get("limit")
        order = tree.args.get("order")
        if not isinstance(tree, exp.Select) or limit is None or order is None or tree.args.get("distinct") \
                or tree.args.get("group") or any(isinstance(e, exp.Star) for e in tree.expressions):
            return
        shown = {e.alias_or_name.lower() for e in tree.expressions}
        for ordered in order.expressions:
            col = ordered.this
            if isinstance(col, exp.Column) and col.name.lower() not in shown:
                tree.select(col.copy(), copy=False)
                shown.add(col.name.lower())
                q.fixes.append(f"also selected ranking column {col.name}")

    def _show_threshold_columns(self, q: GuardedQuery) -> None:
        """Also select numeric columns compared with a number in WHERE (``p < 0.05`` shows ``p``)."""
        tree = q.tree
        where = tree.args.get("where")
        if not isinstance(tree, exp.Select) or where is None or tree.args.get("distinct") \
                or tree.args.get("group") or any(isinstance(e, (exp.Star, exp.AggFunc)) or e.find(exp.AggFunc)
                                                 for e in tree.expressions):
            return
        shown = {e.alias_or_name.lower() for e in tree.expressions}
        for cmp in where.find_all(exp.GT, exp.GTE, exp.LT, exp.LTE):
            col, lit = cmp.this, cmp.expression
            if not isinstance(col, exp.Column):
                col, lit = lit, col
            kind = self.column_kind(q, col) if isinstance(col, exp.Column) else None
            if kind and kind[1] in {"int", "float"} and isinstance(lit, exp.Literal) and not lit.is_string \
                    and col.name.lower() not in shown:
                tree.select(col.copy(), copy=False)
                shown.add(col.name.lower())
                q.fixes.append(f"also selected threshold column {col.name}")

    def _cap_limit(self, q: GuardedQuery) -> None:
        limit = q.tree.args.get("limit")
        value = limit.expression if isinstance(limit, exp.Limit) else None
        if isinstance(value, exp.Literal) and not value.is_string and value.this.isdigit() \
                and int(value.this) <= self.row_limit:
            return
        q.tree.set("limit", None)
        q.tree.set("limit", exp.Limit(expression=exp.Literal.number(self.row_limit)))
        if limit is not None:
            q.fixes.append(f"LIMIT capped at {self.row_limit}")
