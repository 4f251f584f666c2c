"""Batch CSV delimiters come from :class:`csv.Sniffer` (comma, tab, semicolon, pipe), with quoted
commas inside questions and one-column files handled."""

from __future__ import annotations

from pathlib import Path

import pytest

from biomedqa.batch.files import read_table, sniff_delimiter
from tests.frontdoors.conftest import pubmedqa_questions


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_sniffed_delimiters_on_real_questions(tmp_path: Path, delim: str) -> None:
    rows = pubmedqa_questions(5)  # real PubMedQA questions; several contain commas
    path = tmp_path / "q.txt"
    quoted = [f'{pmid}{delim}"{q}"' for pmid, q in rows]
    path.write_text("\n".join([f"id{delim}question", *quoted]) + "\n", encoding="utf-8")
    table = read_table(path)
    assert table.columns == ["id", "question"]
    assert [(r["id"], r["question"]) for r in table.records] == rows


def test_one_column_and_tsv_suffix() -> None:
    q = [q for _, q in pubmedqa_questions(20) if "," in q][:3]
    assert q, "PubMedQA has questions with commas"
    assert sniff_delimiter(["question", *q], Path("q.csv")) == ","  # one column: commas inside text ignored
    assert sniff_delimiter(["a;b", "1;2"], Path("q.tsv")) == "\t"  # the suffix decides
    assert sniff_delimiter(["id;question", "1;yes, or no?"], Path("q.csv")) == ";"
