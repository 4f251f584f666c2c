from __future__ import annotations

from collections import Counter

from biomedqa.eval.runners.mirage import failure_kind, load_subset, stratified_sample, summarize


def test_stratified_sample_is_fixed_and_proportional() -> None:
    items = load_subset("pubmedqa")
    a = stratified_sample(items, 100, seed=0)
    b = stratified_sample(items, 100, seed=0)
    assert [x["qid"] for x in a] == [x["qid"] for x in b] and len(a) == 100
    full = Counter(x["answer"] for x in items)
    got = Counter(x["answer"] for x in a)
    for label, n in full.items():
        assert abs(got[label] / 100 - n / len(items)) < 0.02


def test_failure_breakdown_and_summary() -> None:
    base = {"timings": {"total": 1.0}, "seconds": 1.0, "cited_good": [], "cited_outside_evidence": []}
    rows = [
        {
            **base,
            "correct": True,
            "gold_pmids": ["1"],
            "retrieved": ["1"],
            "evidence": ["1"],
            "cited": ["1"],
            "cited_good": ["1"],
        },
        {**base, "correct": False, "gold_pmids": ["1"], "retrieved": ["2"], "evidence": ["2"], "cited": []},
        {**base, "correct": False, "gold_pmids": ["1"], "retrieved": ["1"], "evidence": ["2"], "cited": []},
        {**base, "correct": False, "gold_pmids": ["1"], "retrieved": ["1"], "evidence": ["1"], "cited": []},
    ]
    for r in rows:
        r["failure"] = failure_kind(r)
    assert [r["failure"] for r in rows] == [None, "retrieval miss", "grading drop", "generation error"]
    assert failure_kind({**rows[1], "retrieved": []}) == "no retrieval (cot)"
    s = summarize(rows)
    assert s["accuracy"] == 0.25 and s["citation_precision"] == 1.0 and s["cited_outside_evidence"] == 0
