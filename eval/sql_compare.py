"""Execution-accuracy comparison of result sets: order-insensitive, numeric tolerance, case-folded."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from itertools import permutations
from typing import Any

logger = logging.getLogger(__name__)

ABS_TOL = 1e-9
ORDER_WORDS = re.compile(
    r"\b(rank|ranked|order|ordered|sorted|sort|ascending|descending|top \d+|first \d+)\b", re.IGNORECASE
)
MAX_PERMUTATION_COLUMNS = 6


def norm_value(v: Any) -> Any:
    """A comparable form: numbers rounded to tolerance, booleans as 0/1, strings stripped and case-folded."""
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            return str(v)
        f = float(v)
        return float(f"{f:.6g}") if abs(f) > ABS_TOL else 0.0
    if isinstance(v, str):
        s = v.strip()
        try:
            return norm_value(float(s)) if re.fullmatch(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?", s) else s.casefold()
        except ValueError:
            return s.casefold()
    return v


def _rows(rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    return [tuple(norm_value(v) for v in r) for r in rows]


def ordered_question(question: str, gold_sql: str) -> bool:
    """Whether row order matters: the gold SQL orders and the question asks for an order."""
    return "order by" in gold_sql.lower() and bool(ORDER_WORDS.search(question))


def rows_match(pred: list[list[Any]], gold: list[list[Any]], *, ordered: bool = False) -> bool:
    """Strict match: same columns in order, same rows as sets (BIRD-style), or as a list when ordered."""
    p, g = _rows(pred), _rows(gold)
    if ordered:
        return p == g
    return set(p) == set(g)


def relaxed_match(pred: list[list[Any]], gold: list[list[Any]], *, ordered: bool = False) -> bool:
    """Column-relaxed match: some choice of predicted columns (in any order) equals the gold rows.

    Extra columns in the prediction (an id, the filter value) are tolerated; every gold column must
    be found, and the projected rows must equal the gold rows as sets.
    """
    p, g = _rows(pred), _rows(gold)
    if not g:
        return not p
    if not p:
        return False
    n_gold, n_pred = len(g[0]), len(p[0])
    if n_pred < n_gold:
        return False
    gold_cols = [Counter(r[j] for r in g) for j in range(n_gold)]
    candidates = [[k for k in range(n_pred) if set(Counter(r[k] for r in p)) == set(gold_cols[j])]
                  for j in range(n_gold)]
    if any(not c for c in candidates):
        return False
    target = g if ordered else set(g)
    for combo in _injective(candidates, limit=5000):
        projected = [tuple(r[k] for k in combo) for r in p]
        if (projected if ordered else set(projected)) == target:
            return True
    return False


def _injective(candidates: list[list[int]], limit: int) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = []

    def walk(j: int, used: tuple[int, ...]) -> None:
        if len(out) >= limit:
            return
        if j == len(candidates):
            out.append(used)
            return
        for k in candidates[j]:
            if k not in used:
                walk(j + 1, used + (k,))

    walk(0, ())
    return out


def any_column_order_match(pred: list[list[Any]], gold: list[list[Any]]) -> bool:
    """Same columns in a different order (small results only)."""
    if not pred or not gold or len(pred[0]) != len(gold[0]) or len(gold[0]) > MAX_PERMUTATION_COLUMNS:
        return False
    g = set(_rows(gold))
    return any({tuple(r[i] for i in perm) for r in _rows(pred)} == g for perm in permutations(range(len(gold[0]))))
