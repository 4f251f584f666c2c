"""Hostile SQL for ``biomedqa eval security --area sql``, one list per class of failure (issue #16).

Each case is ``(name, sql)``. ``GUARD_CASES`` go through the whole tool path (guard, grounding,
execution); ``POSTGRES_GUARD_CASES`` through a guard that reads and writes PostgreSQL (no server
needed: they must be refused before anything runs); ``DRIVER_CASES`` go straight to the read-only
connection with the guard bypassed, to show that its own limits hold (they are harmless when they
run, because the length limit and the byte caps bound what comes back). ``HARMLESS`` names the
guard cases that are allowed to run because their results are small.
"""

from __future__ import annotations

D = "DrugGeneTargets_ComprehensiveAnnotations_updated"
F = f"FROM {D}"


def _nested_in(levels: int) -> str:
    inner = "SELECT drugName FROM D WHERE drugName IN ('x')"
    for _ in range(levels):
        inner = f"SELECT drugName FROM D WHERE drugName IN ({inner})"
    return inner.replace(" D ", f" {D} ")


def _replace_chain(levels: int, source: str = "'xxxxxxxxxx'") -> str:
    out = source
    for _ in range(levels):
        out = f"replace({out}, 'x', 'xxxxxxxxxx')"
    return f"SELECT {out} {F} LIMIT 1"


DEPTH_CASES: list[tuple[str, str]] = [
    ("parens-500", "SELECT " + "(" * 500 + "1" + ")" * 500 + f" {F}"),
    ("parens-1900", "SELECT " + "(" * 1900 + "1" + ")" * 1900 + f" {F}"),
    ("not-chain-900", f"SELECT drugName {F} WHERE " + "NOT " * 900 + "1"),
    ("not-paren-chain-600", f"SELECT drugName {F} WHERE " + "NOT (" * 600 + "1" + ")" * 600),
    ("minus-chain-1800", "SELECT " + "- " * 1800 + f"1 {F}"),
    ("tilde-chain-3500", "SELECT " + "~" * 3500 + f"1 {F}"),
    ("nested-subqueries-40", _nested_in(40)),
    ("nested-calls-600", "SELECT " + "lower(" * 600 + "drugName" + ")" * 600 + f" {F}"),
    ("and-chain-480", f"SELECT drugName {F} WHERE " + "1=1 AND " * 480 + "1=1"),
    ("or-chain-480", f"SELECT drugName {F} WHERE " + "1=0 OR " * 480 + "1=1"),
    ("concat-chain-1300", "SELECT " + "'a'||" * 1300 + f"'a' {F}"),
    ("plus-chain-1900", "SELECT " + "1+" * 1900 + f"1 {F}"),
    ("case-nest-180", "SELECT " + "CASE WHEN 1 THEN " * 180 + "1" + " END" * 180 + f" {F}"),
    ("long-query-1MB", f"SELECT drugName {F} WHERE " + "1=1 OR " * 150_000 + "1=1"),
    ("depth-hidden-in-comment", "/* " + "(" * 1000 + " */ " + f"SELECT drugName {F}"),
    ("parens-in-string", f"SELECT drugName {F} WHERE drugName = '" + "(" * 1000 + "'"),
    ("dashes-in-comment", f"SELECT drugName {F} -- ----------------------------"),
]

BUILDER_CASES: list[tuple[str, str]] = [
    ("printf-width-1e9", f"SELECT printf('%999999999d', 1) {F} LIMIT 1"),
    ("printf-star-width", f"SELECT printf('%*d', 999999999, 1) {F} LIMIT 1"),
    ("printf-star-precision", f"SELECT printf('%.*c', 999999999, 'x') {F} LIMIT 1"),
    ("printf-positional-width", f"SELECT printf('%1$999999999d', 1) {F} LIMIT 1"),
    ("printf-column-format", f"SELECT printf(drugName, 1) {F} LIMIT 1"),
    ("printf-many-wide", f"SELECT printf('{'%999d' * 1100}', 1) {F} LIMIT 1"),
    ("format-width-1e9", f"SELECT format('%999999999d', 1) {F} LIMIT 1"),
    ("replace-chain-6", _replace_chain(6)),
    ("replace-column-into-itself", f"SELECT replace(replace(drugName, 'a', drugName), 'a', drugName) {F}"),
    ("repeat-1e9", f"SELECT repeat('x', 1000000000) {F} LIMIT 1"),
    ("repeat-column-count", f"SELECT repeat(drugName, length(drugName) * 100000000) {F}"),
    ("lpad-1e9", f"SELECT lpad('x', 1000000000, 'y') {F} LIMIT 1"),
    ("rpad-1e9", f"SELECT rpad(drugName, 1000000000) {F}"),
    ("concat-of-repeats", f"SELECT concat(repeat('ab', 400000), repeat('cd', 400000)) {F}"),
    ("zeroblob-1e9", f"SELECT zeroblob(1000000000) {F} LIMIT 1"),
    ("randomblob-hex", f"SELECT hex(randomblob(500000000)) {F} LIMIT 1"),
    ("unknown-function", f"SELECT soundex(drugName) {F}"),
    ("printf-small", f"SELECT printf('%5.2f|%-10s', 3.14159, drugName) {F}"),
    ("replace-chain-4", _replace_chain(4)),
    ("group-concat-cross-join",
     f"SELECT group_concat(a.drugName || b.drugName || c.drugName) FROM {D} a, {D} b, {D} c"),
    ("char-many-args", "SELECT char(" + ", ".join(["65"] * 120) + f") {F} LIMIT 1"),
]

RECURSION_CASES: list[tuple[str, str]] = [
    ("cte-recursive-keyword",
     "WITH RECURSIVE c(s, n) AS (SELECT 'x', 0 UNION ALL SELECT s || s, n + 1 FROM c WHERE n < 40) "
     f"SELECT max(length(s)) FROM c, {D}"),
    ("cte-self-reference-doubling",
     "WITH c(s, n) AS (SELECT 'x', 0 UNION ALL SELECT s || s, n + 1 FROM c WHERE n < 40) "
     f"SELECT max(length(s)) FROM c, {D}"),
    ("cte-self-reference-counter",
     f"WITH c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c, {D}"),
    ("cte-self-reference-in-subquery",
     "WITH c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM (SELECT x FROM c) AS t) "
     f"SELECT count(*) FROM c, {D}"),
    ("cte-second-self-reference",
     "WITH a(x) AS (SELECT 1), b(x) AS (SELECT x FROM a UNION ALL SELECT x + 1 FROM b) "
     f"SELECT count(*) FROM b, {D}"),
    ("cte-shadows-table", f"WITH {D} AS (SELECT * FROM {D}) SELECT count(*) FROM {D}"),
    ("cte-plain", f"WITH c AS (SELECT drugName FROM {D}) SELECT count(*) FROM c"),
]

POSTGRES_GUARD_CASES: list[tuple[str, str]] = [
    ("pg-repeat-1e9", f"SELECT repeat('x', 1000000000) {F} LIMIT 1"),
    ("pg-lpad-1e9", f"SELECT lpad('x', 1000000000, 'y') {F} LIMIT 1"),
    ("pg-rpad-column-length", f"SELECT rpad(\"drugName\", length(\"drugName\") * 100000000) {F}"),
    ("pg-format-width", f"SELECT format('%999999999s', 'x') {F} LIMIT 1"),
    ("pg-format-star", f"SELECT format('%*s', 999999999, 'x') {F} LIMIT 1"),
    ("pg-string-agg-repeat", f"SELECT string_agg(repeat(\"drugName\", 100000), ',') {F}"),
    ("pg-recursive-cte", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                         f"SELECT count(*) FROM c, {D}"),
    ("pg-generate-series", f"SELECT count(*) FROM generate_series(1, 1000000000) AS g, {D}"),
]

DRIVER_CASES: list[tuple[str, str]] = [
    ("driver-printf-width-1e9", "SELECT printf('%999999999d', 1)"),
    ("driver-printf-star-precision", "SELECT printf('%.*c', 300000000, 'x')"),
    ("driver-zeroblob-1e9", "SELECT zeroblob(1000000000)"),
    ("driver-randomblob-1e9", "SELECT randomblob(1000000000)"),
    ("driver-replace-chain-7", _replace_chain(7).replace(f" {F} LIMIT 1", "")),
    ("driver-cte-doubling", "WITH c(s, n) AS (SELECT 'x', 0 UNION ALL SELECT s || s, n + 1 FROM c WHERE n < 40) "
                            "SELECT max(length(s)) FROM c"),
    ("driver-group-concat-1e7-rows",
     "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000) "
     "SELECT group_concat(printf('%100d', x)) FROM c"),
    ("driver-result-over-cap", "SELECT " + ", ".join(f"printf('%900000d', {i})" for i in range(6))),
    ("driver-counter-timeout",
     "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"),
]

HARMLESS = frozenset((
    "depth-hidden-in-comment", "parens-in-string", "dashes-in-comment", "printf-small", "replace-chain-4",
    "group-concat-cross-join", "char-many-args", "cte-plain",
))
"""Cases allowed to run: what they return is small (checked against the result caps)."""
