"""Resource limits of the SQL tool, and the checks that hold them before sqlglot or the database runs.

A query is refused before parsing when it is too long, nests parentheses or CASE too deeply or chains
unary operators (``NOT NOT …``, ``- - …``); sqlglot's parser and generator are recursive, so these
limits keep every guard failure a typed refusal rather than a ``RecursionError``. After parsing,
the tree's depth is measured iteratively. At run time the SQLite connection gets a
``SQLITE_LIMIT_LENGTH``, every cell and the whole result have a byte cap, and PostgreSQL sessions
get ``statement_timeout`` and ``work_mem``.
"""

from __future__ import annotations

import re

from sqlglot import exp

from biomedqa.errors import UnsafeSQLError

MAX_SQL_CHARS = 4000
"""Longest SQL text the guard reads."""
MAX_PAREN_DEPTH = 16
"""Deepest nesting of parentheses (subqueries, calls, groups) before parsing."""
MAX_UNARY_RUN = 4
"""Longest run of unary operators (NOT, -, +, ~) in a row."""
MAX_TREE_DEPTH = 64
"""Deepest parsed expression tree (AND/OR/|| chains nest one level per operand)."""
MAX_BUILT_CHARS = 1_000_000
"""Largest string a function may build, by the guard's static estimate (see ``functions``)."""
MAX_FORMAT_WIDTH = 1000
"""Largest width or precision in a printf/format conversion."""
SQLITE_MAX_LENGTH = 1_000_000
"""SQLITE_LIMIT_LENGTH on every connection: no string, blob or row may grow past this many bytes."""
MAX_CELL_BYTES = 1_000_000
"""Largest single value a result may hold."""
MAX_RESULT_BYTES = 4_000_000
"""Largest total size of the rows a query returns."""
PG_WORK_MEM = "16MB"
"""PostgreSQL ``work_mem`` per sort/hash node of a session (its default is 4MB; 16MB bounds a cross join)."""

_CASE_TOKEN = re.compile(r"(?<![\w$])(CASE|END)(?![\w$])", re.IGNORECASE)
_UNARY_RUN = re.compile(r"(?:(?<![\w$])NOT(?![\w$])\s*|[-+~]\s*){" + str(MAX_UNARY_RUN + 1) + ",}", re.IGNORECASE)


def skeleton(text: str) -> tuple[str, int]:
    """``text`` with string literals emptied and comments blanked, and its deepest parenthesis nesting.

    One pass, no recursion: quoted strings ('…', "…", `…`, with doubled-quote escapes), ``--``
    line comments and ``/* … */`` block comments are recognised; everything else is kept.
    """
    out: list[str] = []
    depth = deepest = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"`":
            j = i + 1
            while j < n:
                if text[j] == ch:
                    if j + 1 < n and text[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            out.append(ch + ch)
            i = j + 1
            continue
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            out.append(" ")
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
            continue
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
        out.append(ch)
        i += 1
    return "".join(out), deepest


def prescan(text: str, sql: str = "") -> None:
    """Refuse text that is too long, holds NUL bytes, nests too deeply or chains unary operators."""
    if len(text) > MAX_SQL_CHARS or "\x00" in text:
        raise UnsafeSQLError(f"SQL longer than {MAX_SQL_CHARS} characters or with NUL bytes is refused.", sql=sql)
    bare, deepest = skeleton(text)
    if deepest > MAX_PAREN_DEPTH:
        raise UnsafeSQLError(f"parentheses nest {deepest} deep; at most {MAX_PAREN_DEPTH} levels are allowed.",
                             sql=sql)
    depth = deepest_case = 0
    for m in _CASE_TOKEN.finditer(bare):
        depth += 1 if m.group(1).upper() == "CASE" else -1
        deepest_case = max(deepest_case, depth)
    if deepest_case > MAX_PAREN_DEPTH:
        raise UnsafeSQLError(f"CASE expressions nest {deepest_case} deep; at most {MAX_PAREN_DEPTH} are allowed.",
                             sql=sql)
    run = _UNARY_RUN.search(bare)
    if run:
        raise UnsafeSQLError(f"more than {MAX_UNARY_RUN} unary operators in a row ({run.group(0)[:20].strip()}…) "
                             "are refused.", sql=sql)


def tree_depth(tree: exp.Expr) -> int:
    """Depth of a sqlglot tree, measured with an explicit stack (no recursion)."""
    deepest = 0
    stack: list[tuple[exp.Expr, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    return deepest


def check_depth(tree: exp.Expr, sql: str = "") -> None:
    """Refuse a parsed tree deeper than MAX_TREE_DEPTH, before anything walks it recursively."""
    depth = tree_depth(tree)
    if depth > MAX_TREE_DEPTH:
        raise UnsafeSQLError(f"the expression nests {depth} levels deep; at most {MAX_TREE_DEPTH} are allowed "
                             "(split long AND/OR/|| chains).", sql=sql)


def postgres_options(timeout_s: float, work_mem: str = PG_WORK_MEM) -> str:
    """libpq ``options`` for a read-only session with a statement timeout and a work_mem cap."""
    ms = max(1, int(timeout_s * 1000))
    return (f"-c default_transaction_read_only=on -c statement_timeout={ms} -c work_mem={work_mem} "
            f"-c idle_in_transaction_session_timeout={max(ms, 1000) * 6}")


def postgres_session_sql(timeout_s: float, work_mem: str = PG_WORK_MEM) -> list[str]:
    """The statements each PostgreSQL transaction starts with (``SET LOCAL``: they end with it)."""
    ms = max(1, int(timeout_s * 1000))
    return [f"SET LOCAL statement_timeout = {ms}", f"SET LOCAL work_mem = '{work_mem}'"]
