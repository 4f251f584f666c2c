from __future__ import annotations

from biomedqa.agent.citations import overlap, refs_in, render, split_sentences
from biomedqa.types import Passage

EV = [
    Passage(doc_id="111", pmid="111", text="CFTR mutations cause cystic fibrosis."),
    Passage(doc_id="gene:1080", text="CFTR is located on 7q31.2.", source="eutils"),
]


def test_split_keeps_trailing_markers() -> None:
    s = split_sentences("CFTR is mutated in CF. [1] It sits on 7q31.2 [2]. Done.")
    assert s == ["CFTR is mutated in CF. [1]", "It sits on 7q31.2 [2].", "Done."]


def test_refs_only_existing_evidence() -> None:
    assert refs_in("Claim [1][2] and [3, 1] and [9].", 2) == [1, 2]


def test_render_uses_pmid_or_doc_id() -> None:
    assert render("CFTR causes CF [1][2].", [1, 2], EV) == "CFTR causes CF [PMID:111][gene:1080]."


def test_overlap_bounds() -> None:
    assert overlap("CFTR mutations cause cystic fibrosis [1].", EV[:1]) == 1.0
    assert overlap("Aliens built pyramids [1].", EV[:1]) == 0.0


def test_list_style_markers_after_the_sentence() -> None:
    s = split_sentences("Yes, CFTR is the gene mutated in cystic fibrosis. [1], [2], [3]")
    assert s == ["Yes, CFTR is the gene mutated in cystic fibrosis. [1], [2], [3]"]
    assert refs_in(s[0], 3) == [1, 2, 3]


def test_render_drops_separators_between_markers() -> None:
    s = "Yes, CFTR is the gene mutated in cystic fibrosis. [1], [2]"
    assert render(s, [1, 2], EV) == "Yes, CFTR is the gene mutated in cystic fibrosis [PMID:111][gene:1080]."
    assert render("CFTR [1], [2] causes CF.", [1], EV) == "CFTR causes CF [PMID:111]."


def test_name_lines_split_listed_names_and_keep_their_markers() -> None:
    from biomedqa.agent.citations import name_lines

    text = "1. dactinomycin, vincristine [1]\n2,3-DPG [2]\n- A; B and C [3]\nX and Y [4]\ndactinomycin [2]"
    assert name_lines(text, 10).splitlines() == [
        "dactinomycin [1].", "vincristine [1].", "2,3-DPG [2].", "A [3].", "B [3].", "C [3].", "X and Y [4].",
    ]
    assert name_lines(text, 2).splitlines() == ["dactinomycin [1].", "vincristine [1]."]
