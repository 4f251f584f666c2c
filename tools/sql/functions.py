"""Which functions a guarded query may call, and how large a string its functions may build.

Functions are allowed by name, whether sqlglot parses them into a typed node (``REPEAT`` →
``exp.Repeat``, ``LPAD`` → ``exp.Pad``) or leaves them anonymous (``PRINTF``). Functions that
build strings or blobs are also bounded: the guard estimates, without running anything, the
longest string each call can produce (a column counts as ``COLUMN_CHARS``) and refuses a query
whose estimate passes ``MAX_BUILT_CHARS``; a printf/format width or precision over
``MAX_FORMAT_WIDTH``, a ``*`` width, or a non-literal format string, count or length is refused.
"""

from __future__ import annotations

import math
import re

from sqlglot import exp

from biomedqa.tools.sql.limits import MAX_BUILT_CHARS, MAX_FORMAT_WIDTH

COLUMN_CHARS = 65_536
"""What the size estimate assumes a column value or unknown expression may hold."""

DENIED_FUNCTIONS = frozenset((
    "load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "zeroblob", "randomblob", "sqlite_offset",
    "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_sleep", "pg_terminate_backend",
    "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "pg_logdir_ls", "set_config", "lo_import",
    "lo_export", "lo_get", "lo_put", "lo_from_bytea", "lo_create", "lo_unlink", "dblink", "dblink_exec",
    "dblink_connect", "query_to_xml", "query_to_xml_and_xmlschema", "table_to_xml", "cursor_to_xml", "copy",
    "generate_series", "explodinggenerateseries", "load_file", "sleep", "benchmark", "sys_exec", "sys_eval",
    "xp_cmdshell", "openrowset", "opendatasource", "openquery", "read_csv", "read_parquet", "read_json",
    "read_text", "read_blob", "glob_files", "current_setting", "version", "txid_current", "pg_backend_pid",
))
"""Hard refusals: file, network, session and server functions, and blob generators."""

ALLOWED_TYPED = frozenset((
    # connectives and comparisons that sqlglot models as functions
    "and", "or", "xor", "collate", "regexplike", "regexpilike", "exists",
    # aggregates and windows
    "count", "sum", "avg", "min", "max", "groupconcat", "median", "stddev", "stddevsamp", "stddevpop",
    "variance", "variancepop", "countif", "anyvalue", "approxdistinct", "arrayagg", "percentilecont",
    "percentiledisc", "rownumber", "rank", "denserank", "ntile", "lag", "lead", "firstvalue", "lastvalue",
    "nthvalue", "percentrank", "cumedist",
    # conditionals and casts
    "case", "if", "coalesce", "nullif", "greatest", "least", "cast", "trycast",
    # strings
    "lower", "upper", "length", "substring", "strposition", "trim", "replace", "format", "concat", "concatws",
    "left", "right", "splitpart", "chr", "repeat", "pad", "startswith", "endswith", "contains", "hex",
    "lowerhex", "unicode", "typeof",
    # numbers
    "abs", "round", "floor", "ceil", "sign", "sqrt", "pow", "exp", "ln", "log", "trunc", "rand",
    # dates
    "date", "time", "datetime", "timetostr", "tsordstotime", "tsordstodatetime", "tsordstotimestamp",
    "extract", "datediff", "year", "month", "day", "currentdate", "currenttime", "currenttimestamp",
))
"""sqlglot node keys (``type(node).key``) a query may use."""

ALLOWED_ANONYMOUS = frozenset((
    "instr", "ifnull", "nullif", "printf", "format", "total", "typeof", "ltrim", "rtrim", "trim", "lower", "upper",
    "abs", "round", "substr", "substring", "length", "char", "unicode", "hex", "quote", "replace", "coalesce",
    "iif", "like", "glob", "min", "max", "avg", "sum", "count", "group_concat", "string_agg", "date", "time",
    "datetime", "julianday", "strftime", "cast", "log", "log10", "ln", "exp", "power", "pow", "sqrt", "sign",
    "floor", "ceil", "ceiling", "mod", "concat", "concat_ws", "left", "right", "position", "strpos", "split_part",
    "regexp_like", "regexp_contains", "contains_substr",
))
"""Function names sqlglot leaves anonymous that a query may use."""

_SPEC = re.compile(r"%(?:\d+\$)?([-+ #0,!]*)(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]?")


def function_name(node: exp.Func) -> str:
    """The lower-case name the allow-list knows a call by (anonymous name, or the typed node's key)."""
    return node.name.lower() if isinstance(node, exp.Anonymous) else node.key.lower()


def is_denied(node: exp.Func) -> bool:
    """Whether a call is a hard refusal (by its SQL name or its sqlglot key)."""
    names = {function_name(node), node.key.lower()}
    if not isinstance(node, exp.Anonymous):
        names.add(node.sql_name().lower())
    return bool(names & DENIED_FUNCTIONS)


def is_allowed(node: exp.Func) -> bool:
    """Whether a call is on the allow-list."""
    if isinstance(node, exp.Anonymous):
        return node.name.lower() in ALLOWED_ANONYMOUS
    return node.key.lower() in ALLOWED_TYPED


def _literal_int(node: exp.Expr | None) -> int | None:
    if isinstance(node, exp.Neg):
        return None
    if isinstance(node, exp.Literal) and not node.is_string and node.this.isascii() and node.this.isdigit():
        return int(node.this)
    return None


def _format_size(fmt: exp.Expr | None, args: list[exp.Expr], est: dict[int, float]) -> float:
    """Longest output of printf/format(fmt, args…); inf when the format is not a bounded literal."""
    if not (isinstance(fmt, exp.Literal) and fmt.is_string):
        return math.inf
    text = fmt.this
    total = float(len(text)) + sum(est.get(id(a), COLUMN_CHARS) for a in args)
    for m in _SPEC.finditer(text):
        width, precision = m.group(2), m.group(3)
        if "*" in (width, precision):
            return math.inf
        for part in (width, precision):
            if part is not None:
                if int(part) > MAX_FORMAT_WIDTH:
                    return math.inf
                total += int(part)
    return total


def _node_size(node: exp.Expr, est: dict[int, float]) -> float:
    """Longest string ``node`` can produce, from its children's estimates in ``est``."""
    children = list(node.iter_expressions())

    def size(child: exp.Expr | None) -> float:
        return est.get(id(child), COLUMN_CHARS) if child is not None else 0.0

    if isinstance(node, exp.Literal):
        return float(len(node.this))
    if isinstance(node, (exp.Column, exp.Star)):
        return float(COLUMN_CHARS)
    if isinstance(node, exp.DPipe):
        return size(node.this) + size(node.expression)
    if isinstance(node, (exp.Concat, exp.ConcatWs)):
        parts = [size(c) for c in node.expressions]
        sep = parts[0] * max(0, len(parts) - 2) if isinstance(node, exp.ConcatWs) and parts else 0.0
        return sum(parts) + sep
    if isinstance(node, exp.Replace):
        frm, to = node.expression, node.args.get("replacement")
        frm_len = len(frm.this) if isinstance(frm, exp.Literal) and frm.is_string else 1
        grow = size(to) / max(1, frm_len)
        return size(node.this) * max(1.0, math.ceil(grow))
    if isinstance(node, exp.Repeat):
        times = _literal_int(node.args.get("times"))
        return math.inf if times is None else size(node.this) * times
    if isinstance(node, exp.Pad):
        length = _literal_int(node.expression)
        return math.inf if length is None else max(size(node.this), float(length))
    if isinstance(node, exp.Format) or (isinstance(node, exp.Anonymous) and node.name.lower() in {"printf", "format"}):
        args = list(node.expressions)
        fmt = node.this if isinstance(node, exp.Format) else (args.pop(0) if args else None)
        return _format_size(fmt, args, est)
    if isinstance(node, exp.Chr):
        return 4.0 * len(node.expressions)
    if isinstance(node, (exp.Hex, exp.LowerHex)):
        return 2 * size(node.this)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "quote":
        return 2 * max((size(c) for c in children), default=0.0) + 2
    return max((size(c) for c in children), default=float(COLUMN_CHARS) if isinstance(node, exp.Func) else 0.0)


def oversized_call(tree: exp.Expr) -> tuple[str, float] | None:
    """The first call whose output may pass MAX_BUILT_CHARS, with its estimate; None when all fit.

    Children are estimated before parents with an explicit stack (the tree's depth is already
    bounded, but nothing here recurses either).
    """
    est: dict[int, float] = {}
    order: list[exp.Expr] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(node.iter_expressions())
    for node in reversed(order):
        value = _node_size(node, est)
        est[id(node)] = value
        if value > MAX_BUILT_CHARS and isinstance(node, (exp.Func, exp.DPipe)):
            name = function_name(node) if isinstance(node, exp.Func) else "||"
            return name, value
    return None
