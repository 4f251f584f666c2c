"""Value grounding: make string literals match values that really exist in their column.

A small model writes ``Disease = 'als'`` or ``drugName = 'haloperidol'``; the grounder turns the
first into the stored ``'ALS'`` (case-insensitive match), the second into a LIKE on the stored
value that contains it, and a near-miss spelling into its closest stored value. Literals that
match nothing are reported, which makes an empty result worth a repair round.
"""

from __future__ import annotations

import difflib
import logging
import re

import sqlalchemy as sa
from sqlglot import exp

from biomedqa.tools.sql.guard import GuardedQuery, SqlGuard
from biomedqa.tools.sql.run import SqlRunner
from biomedqa.tools.sql.schema import data_literal

logger = logging.getLogger(__name__)

MAX_FUZZY_VALUES = 5000
FUZZY_CUTOFF = 0.8


class ValueGrounder:
    """Fixes string literals compared with text columns, looking values up through bound queries."""

    def __init__(self, runner: SqlRunner, guard: SqlGuard) -> None:
        self.runner = runner
        self.guard = guard
        self._values: dict[tuple[str, str], list[str] | None] = {}

    def ground(self, q: GuardedQuery, question: str = "") -> list[str]:
        """Rewrite literals in place; return a hint per literal that matched no stored value."""
        self.question = question
        misses: list[str] = []
        for node in list(q.tree.find_all(exp.EQ, exp.In, exp.Like, exp.ILike)):
            col = node.this
            if not isinstance(col, exp.Column):
                continue
            where = self.guard.column_kind(q, col)
            if where is None or where[1] != "text":
                continue
            table, column = where[0], col.name
            if isinstance(node, exp.EQ) and isinstance(node.expression, exp.Literal) and node.expression.is_string:
                miss = self._ground_eq(q, node, table, column)
            elif isinstance(node, exp.In):
                miss = self._ground_in(q, node, table, column)
            elif isinstance(node, (exp.Like, exp.ILike)) and isinstance(node.expression, exp.Literal):
                miss = self._check_like(node, table, column)
            else:
                miss = None
            if miss:
                misses.append(miss)
        return misses

    def _fix(self, table: str, column: str, value: str) -> str | None:
        found = self.runner.values_like(table, column, value, exact=True, limit=2)
        if found:
            return str(found[0])
        pool = self.distinct(table, column)
        if pool is not None:
            low = {v.lower(): v for v in pool}
            close = difflib.get_close_matches(value.lower(), list(low), n=1, cutoff=FUZZY_CUTOFF)
            if close:
                return low[close[0]]
        return None

    def _ground_eq(self, q: GuardedQuery, node: exp.EQ, table: str, column: str) -> str | None:
        lit = node.expression
        value = lit.this
        if self.runner.scalar_values(table, column, sa.column(column) == value, 1):
            return None
        fixed = self._fix(table, column, value)
        if fixed is not None and fixed != value:
            q.fixes.append(f"{column} = {value!r} -> {fixed!r}")
            lit.replace(exp.Literal.string(fixed))
            return None
        if fixed is None and len(value) >= 3 and self.runner.values_like(table, column, value, exact=False, limit=1):
            q.fixes.append(f"{column} = {value!r} -> LIKE '%{value}%'")
            node.replace(exp.Like(this=node.this.copy(), expression=exp.Literal.string(f"%{value}%")))
            return None
        linked = self._linked(q, node, table, column)
        if linked is not None:
            q.fixes.append(f"{column} = {value!r} -> {linked[0]} = {linked[1]!r} (named in the question)")
            col = exp.column(exp.to_identifier(linked[0], quoted=True), table=node.this.args.get("table"))
            node.replace(exp.EQ(this=col, expression=exp.Literal.string(linked[1])))
            return None
        return self._miss(table, column, value)

    def distinct(self, table: str, column: str) -> list[str] | None:
        """All distinct values of a text column (None when there are too many to hold)."""
        key = (table, column)
        if key not in self._values:
            pool = [str(v) for v in self.runner.scalar_values(table, column, None, MAX_FUZZY_VALUES)]
            self._values[key] = pool if len(pool) < MAX_FUZZY_VALUES else None
        return self._values[key]

    def _linked(self, q: GuardedQuery, node: exp.EQ, table: str, column: str) -> tuple[str, str] | None:
        """A stored value that the question names verbatim, in this column or a sibling text column
        not already filtered on (``Disease = 'FDP'`` → ``Disease_name = 'Frontotemporal Dementia'``)."""
        text = self.question.lower()
        info = self.guard.tables.get(table.lower())
        if not text or info is None:
            return None
        filtered = {c.name.lower() for c in q.tree.find_all(exp.Column) if c is not node.this} - {column.lower()}
        own = [c for c in info.columns if c.name == column]
        others = [c for c in info.columns if c.kind == "text" and c.name != column and c.name.lower() not in filtered]
        for group in (own, others):
            hits = []
            for c in group:
                for v in self.distinct(table, c.name) or []:
                    if len(v) >= 3 and re.search(r"(?<!\w)" + re.escape(v.lower()) + r"(?!\w)", text):
                        hits.append((len(v), c.name, v))
            if hits:
                _, name, value = max(hits)
                return name, value
        return None

    def _ground_in(self, q: GuardedQuery, node: exp.In, table: str, column: str) -> str | None:
        misses = []
        for lit in node.expressions:
            if not (isinstance(lit, exp.Literal) and lit.is_string):
                continue
            fixed = self._fix(table, column, lit.this)
            if fixed is None:
                misses.append(lit.this)
            elif fixed != lit.this:
                q.fixes.append(f"{column} IN {lit.this!r} -> {fixed!r}")
                lit.replace(exp.Literal.string(fixed))
        return self._miss(table, column, ", ".join(misses)) if misses else None

    def _check_like(self, node: exp.Like | exp.ILike, table: str, column: str) -> str | None:
        pattern = node.expression.this
        needle = pattern.strip("%")
        if "%" in needle or "_" in needle or not needle:
            return None
        if self.runner.values_like(table, column, needle, exact=False, limit=1):
            return None
        return self._miss(table, column, pattern)

    def _miss(self, table: str, column: str, value: str) -> str:
        examples = [data_literal(v, 40) for v in self.runner.scalar_values(table, column, None, 8)]
        shown = ", ".join(lit for lit in examples if lit is not None) or "(not shown)"
        return f"no value {value!r} in {table}.{column}; stored values look like: {shown}"

