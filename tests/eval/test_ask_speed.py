"""eval ask-speed: BioASQ 7B-10B factoid sample, agent and plain rows journaled, resumable, summarised."""

from __future__ import annotations

import asyncio
from pathlib import Path

from biomedqa.deps import Deps
from biomedqa.eval.runners.ask_speed import NUMBER_ANSWER, factoid_questions, names_answer, read_journal, run, summarize
from biomedqa.settings import Settings
from biomedqa.testing import ListRetriever, ScriptedChatModel
from biomedqa.types import Passage


def test_factoid_sample_is_seeded_and_never_11b() -> None:
    qs = factoid_questions(1, 40)
    assert len(qs) == 40 and qs == factoid_questions(1, 40) and qs != factoid_questions(2, 40)
    assert all(q["answers"] and q["question"] for q in qs)


def test_run_journals_both_modes_and_resumes(settings: Settings, tmp_path: Path) -> None:
    qs = factoid_questions(1, 2)
    answer = qs[0]["answers"][0]
    doc = Passage(doc_id="1", pmid="1", text=f"The cohort study reported {answer} as the main finding.")
    llm = ScriptedChatModel(
        {
            "in 2-4 short sentences": f"The cohort study reported {answer} as the main finding [1].",
            "Does the evidence support": '{"verdict": "supported"}',
        }
    )
    deps = Deps(settings.with_overrides({"agent.use_eutils": False}), llm=llm, retriever=ListRetriever([doc]))
    journal = tmp_path / "j.jsonl"
    assert asyncio.run(run(deps.settings, qs, journal, budget=60, deps=deps)) == 2
    rows = read_journal(journal)
    assert sorted((r["qid"], r["mode"]) for r in rows) == sorted((q["qid"], m) for q in qs for m in ("agent", "plain"))
    calls = len(llm.calls)
    assert asyncio.run(run(deps.settings, qs, journal, budget=60, deps=deps)) == 0 and len(llm.calls) == calls
    s = summarize(rows)
    assert s["n"] == 2 and s["plain"]["named"] >= 1 and s["agent"]["cited_outside_evidence"] == 0
    assert s["agent"]["median_s"] > 0 and "plan" in s["agent"]["nodes_median_s"]
    assert s["agent"]["declined"] + s["agent"]["answered_not_named"] + s["agent"]["named"] == s["n"]


def test_names_answer_normalises_punctuation_and_leading_words() -> None:
    assert names_answer("Herpes viruses have a large double-stranded DNA genome [1].", ["double stranded DNA"])
    assert names_answer("AgRP is expressed in the ventral hypothalamus [1].", ["in the Hypothalamus"])
    agrp = "AgRP is expressed in the ventral hypothalamus [1]."
    assert not names_answer(agrp, ["in the Hypothalamus"], verbatim=True)
    assert not names_answer("Dynamin binds GTP [1].", ["DNA"]) and not names_answer("Dynamin binds GTP.", ["dyn"])


def test_number_questions_and_number_matching() -> None:
    qs = factoid_questions(1, 100, "number")
    assert 20 <= len(qs) <= 40 and all(any(NUMBER_ANSWER.match(a) for a in q["answers"]) for q in qs)
    assert names_answer("About 2,500 genes arose from the duplication [1].", ["2500"])
    assert names_answer("The Baltimore classification has seven groups [1].", ["7"])
    assert not names_answer("The Baltimore classification has six groups [1].", ["7", "seven"])
