"""Reading the asked-for answer shape off a question."""

from __future__ import annotations

import pytest
import sqlglot

from biomedqa.tools.sql.shape import Shape, check_shape, expected_shape, trim_columns


@pytest.mark.parametrize(("question", "columns", "count", "grouped"), [
    ("Which drug carries an FDA black box warning?", 1, False, False),
    ("Which drug and for what indication?", 2, False, False),
    ("Which drugs were tested, and up to which phase?", 2, False, False),
    ("What year was it approved and what is its mechanism of action?", 2, False, False),
    ("Which target of Paclitaxel is listed, and its full name?", 2, False, False),
    ("How many drugs are approved?", 1, True, False),
    ("How many SMR rows per disease are there?", 2, True, True),
    ("For each tissue, what is the lowest p-value?", 2, False, True),
    ("What is the average number of synonyms per drug?", 1, False, False),
    ("Which drugs appear in both the annotation table and the indications table?", 1, False, False),
    ("List the genes with their p-values.", 2, False, False),
])
def test_expected_shape(question: str, columns: int, count: bool, grouped: bool) -> None:
    assert expected_shape(question) == Shape(columns=columns, count=count, grouped=grouped)


def test_unclear_shapes_are_not_checked() -> None:
    assert expected_shape("What are the effect and non-effect allele frequencies of rs1?").columns is None
    assert expected_shape("Which tissue/omic source is reported for FARP2?").columns is None
    assert check_shape(Shape(columns=None), sqlglot.parse_one("SELECT a, b FROM t"), ["a", "b"], []) is None


def test_trim_drops_only_condition_columns() -> None:
    tree = sqlglot.parse_one("SELECT Gene, p FROM t WHERE p < 0.05 ORDER BY p")
    assert trim_columns(Shape(columns=1), tree) == ["p"]
    assert tree.sql() == "SELECT Gene FROM t WHERE p < 0.05 ORDER BY p"
    kept = sqlglot.parse_one("SELECT Gene, Disease FROM t WHERE p < 0.05")
    assert trim_columns(Shape(columns=1), kept) == [] and len(kept.expressions) == 2
    grouped = sqlglot.parse_one("SELECT Disease, COUNT(*) FROM t WHERE Disease <> 'x' GROUP BY Disease")
    assert trim_columns(Shape(columns=1), grouped) == []


def test_count_check_wants_one_number() -> None:
    tree = sqlglot.parse_one("SELECT COUNT(*) FROM t")
    assert check_shape(Shape(columns=1, count=True), tree, ["n"], [[3]]) is None
    assert "how many" in (check_shape(Shape(columns=1, count=True), tree, ["name"], [["a"], ["b"]]) or "")
