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


def test_run_modes_interleaves_and_resumes(tmp_path, settings, minipubmed_slice) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from biomedqa.deps import Deps
    from biomedqa.eval.runners.mirage import run_modes
    from biomedqa.testing import ListRetriever, ScriptedChatModel
    from biomedqa.types import Passage

    pmids = {r["pmid"] for r in minipubmed_slice}
    items = [it for it in load_subset("pubmedqa") if str(it["PMID"][0]) in pmids][:3]
    assert len(items) == 3
    passages = [Passage(doc_id=r["pmid"], pmid=r["pmid"], text=r["text"]) for r in minipubmed_slice]
    llm = ScriptedChatModel(
        {
            "Which evidence passages": '{"relevant": [1, 2]}',
            "Does the evidence support": '{"verdict": "supported"}',
            # a rationale that restates the first sentence of passage [1], so the verifier finds it supported
            "explain why": lambda prompt: prompt.split("[1]", 1)[1].split("<<<", 1)[1].split(". ", 1)[0].strip("… ")
            + " [1].",
        },
        default="A",
    )
    deps = Deps(settings, llm=llm, retriever=ListRetriever(passages))
    journals = {m: tmp_path / f"{m}.jsonl" for m in ("cot", "rag", "agent")}
    rows = asyncio.run(run_modes(settings, items, list(journals), journals, deps=deps))
    assert {m: len(r) for m, r in rows.items()} == {"cot": 3, "rag": 3, "agent": 3}
    assert all(r["pred"] == "A" and r["correct"] == (r["gold"] == "A") for m in rows for r in rows[m])
    assert all(not r["retrieved"] for r in rows["cot"]) and all(r["retrieved"] for r in rows["rag"])
    agent = rows["agent"]
    assert all(r["cited"] and not r["cited_outside_evidence"] for r in agent)
    assert [r["qid"] for r in agent] == [it["qid"] for it in items]
    calls = len(llm.calls)
    again = asyncio.run(run_modes(settings, items, list(journals), journals, deps=deps))
    assert len(llm.calls) == calls and again == rows  # resumed from the journals: no model call
