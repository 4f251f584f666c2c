"""Answer-shape checks: does a query select what the question asks for?

The question is read for how many things it asks ("which drug" → one column, "which drug and for
what indication" → two, "how many" → one number, "for each X, how many" → X and a number). A
draft that selects more columns than asked is trimmed of columns it only filters or orders by
(``SELECT drugName, synonyms_count ... ORDER BY synonyms_count`` → ``SELECT drugName``); a draft
that still does not fit fails the check and is repaired or out-voted, never answered as is.
Questions whose shape is unclear (``the effect and non-effect allele frequencies``) are not checked.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

logger = logging.getLogger(__name__)

WH = r"(?:which|what|who|whom|where|when|how\s+many|how\s+much|whose)"
# ", and what is its ...", "and for which targets", "and up to which phase", "and its full name", "with their p-values"
EXTRA_ASK = re.compile(
    rf"(?:,?\s+and\s+(?:(?:for|in|up\s+to|through|from|on|at|by|of|to|with)\s+)?{WH}\b"
    r"|,?\s+and\s+(?:its|their)\b|\s+(?:along|together)\s+with\b|\s+with\s+(?:its|their)\b)",
    re.IGNORECASE,
)
GROUPED = re.compile(r"\b(?:for\s+each|for\s+every|by\s+each|broken\s+down\s+by|grouped\s+by)\b", re.IGNORECASE)
COUNT_PER = re.compile(r"^\s*how\s+many\b.*\bper\s+\w", re.IGNORECASE)  # "how many rows per disease"
COUNT_ASK = re.compile(r"^\s*(?:how\s+many|what\s+is\s+the\s+number\s+of|count\b)", re.IGNORECASE)
# A head noun phrase listing several attributes ("the effect and non-effect allele frequencies",
# "tissue/omic source") makes the column count unclear.
AMBIGUOUS_HEAD = re.compile(rf"^\s*(?:{WH}|list|show|name|give)\b[^,?]*?(?:/|\band\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Shape:
    """What the question asks for."""

    columns: int | None  # number of columns asked for; None: unclear, not checked
    count: bool = False  # "how many": one number (per group when grouped)
    grouped: bool = False  # "for each X": X plus the aggregate

    def describe(self) -> str:
        """A short phrase for repair prompts and reports."""
        if self.columns is None:
            return "unclear"
        what = "a number" if self.count and not self.grouped and self.columns == 1 else (
            f"{self.columns} column{'s' if self.columns > 1 else ''}")
        return what + (" per group" if self.grouped else "")


def expected_shape(question: str) -> Shape:
    """Read the number of asked-for columns off the question's wording."""
    q = " ".join(question.split())
    extra = len(EXTRA_ASK.findall(q))
    grouped = bool(GROUPED.search(q) or COUNT_PER.search(q))
    count = bool(COUNT_ASK.search(q)) or bool(re.search(r"\bhow\s+many\b", q, re.IGNORECASE) and grouped)
    if not extra and not grouped and AMBIGUOUS_HEAD.search(_head(q)):
        return Shape(columns=None, count=count)
    return Shape(columns=1 + extra + (1 if grouped else 0), count=count, grouped=grouped)


def _head(q: str) -> str:
    """The question up to its verb phrase, where an attribute list would sit."""
    m = re.match(rf"^\s*(?:{WH}|list|show|name|give)\s+(?:is|are|was|were)?\s*(?:the\s+)?([^,?]*)", q, re.IGNORECASE)
    if not m:
        return q
    head = re.split(r"\s+(?:of|for|in|from|that|which|with|does|do|did|has|have|had|is|are|was|were)\s+", m.group(1))[0]
    return q[: m.start(1)] + head


def check_shape(shape: Shape, tree: exp.Query, columns: list[str], rows: list[list[Any]]) -> str | None:
    """The shape problem of an executed query, or None when it fits the question."""
    if shape.columns is None:
        return None
    n = len(columns)
    if n != shape.columns:
        return (f"the question asks for {shape.describe()}, but the query selects {n} "
                f"({', '.join(columns[:6])}); select exactly what is asked")
    if shape.count and rows:
        values = [r[-1] for r in rows] if shape.grouped else [rows[0][0]]
        if (not shape.grouped and len(rows) != 1) or not all(_numeric(v) for v in values):
            return "the question asks 'how many': return one number, e.g. SELECT COUNT(*) ..."
    return None


def _numeric(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def trim_columns(shape: Shape, tree: exp.Query) -> list[str]:
    """Drop selected columns that only filter or order the rows, until the count fits; return them.

    Only plain columns are dropped (never aggregates or GROUP BY keys), last first, and only
    when they also appear in WHERE, HAVING or ORDER BY: those are conditions, not answers.
    Under DISTINCT the remaining columns stay distinct, so the row set is the same.
    """
    if shape.columns is None or not isinstance(tree, exp.Select):
        return []
    select = list(tree.expressions)
    if len(select) <= shape.columns or any(isinstance(e, exp.Star) for e in select):
        return []
    used: set[str] = set()
    for key in ("where", "having", "order"):
        part = tree.args.get(key)
        if part is not None:
            used |= {c.name.lower() for c in part.find_all(exp.Column)}
    group = tree.args.get("group")
    keys = {c.name.lower() for c in group.find_all(exp.Column)} if group is not None else set()
    dropped: list[str] = []
    for e in reversed(select):
        if len(select) - len(dropped) <= shape.columns:
            break
        col = e.this if isinstance(e, exp.Alias) else e
        if isinstance(col, exp.Column) and col.name.lower() in used and col.name.lower() not in keys:
            dropped.append(e.alias_or_name)
    if len(select) - len(dropped) != shape.columns:
        return []
    names = {d.lower() for d in dropped}
    tree.set("expressions", [e for e in select if e.alias_or_name.lower() not in names])
    return dropped
