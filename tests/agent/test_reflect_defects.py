"""Reflection refuses the failure classes seen on free-text questions: restating drafts, repeats, markers."""

from __future__ import annotations

import json

from biomedqa.api import Agent
from biomedqa.deps import Deps
from biomedqa.testing import ListRetriever, ScriptedChatModel
from biomedqa.types import Passage

PEMBRO = Passage(
    doc_id="28293123",
    pmid="28293123",
    text="The initial approval and subsequent studies of pembrolizumab required and utilized a companion "
    "diagnostic test, Dako's IHC 22C3, to assess PD-L1 status of patients.",
)
QUESTION = "Which companion diagnostic test assesses PD-L1 status of patients for pembrolizumab?"


def _agent(deps: Deps, draft: str) -> Agent:
    llm = ScriptedChatModel(
        {
            "Plan how to answer": json.dumps({"tools": ["pubmed"], "search_query": "pembrolizumab PD-L1"}),
            "Which evidence passages help": json.dumps({"relevant": [1]}),
            "in 2-4 short sentences": draft,
            "Does the evidence support": json.dumps({"verdict": "supported"}),
            "better short keyword search query": json.dumps({"query": "pembrolizumab PD-L1"}),
        }
    )
    return Agent(deps=Deps(deps.settings, llm=llm, retriever=ListRetriever([PEMBRO])))


def test_restating_and_repeated_drafts_are_not_supported(deps: Deps) -> None:
    restating = (
        "[1] assesses PD-L1 status of patients for pembrolizumab. "
        "A companion diagnostic test assesses PD-L1 status of patients for pembrolizumab [1]. "
        "A companion diagnostic test assesses PD-L1 status of patients for pembrolizumab [1]."
    )
    answer = _agent(deps, restating).ask(QUESTION)
    assert answer.grounded is not True and "does not answer" in answer.text
    reasons = (
        [e.data.get("verdicts") for e in answer.trace.of_kind("node") if e.name == "reflect"] if answer.trace else []
    )
    flat = [v["reason"] for vs in reasons if vs for v in vs]
    assert any("restates the question" in r for r in flat) and any("evidence marker" in r for r in flat)


def test_an_answer_naming_the_test_is_supported(deps: Deps) -> None:
    answer = _agent(deps, "Dako's IHC 22C3 is the companion diagnostic test used to assess PD-L1 status [1].").ask(
        QUESTION
    )
    assert answer.grounded is True and "[PMID:28293123]" in answer.text
    assert [s.verdict for s in answer.support] == ["supported"]


OTHER = Passage(
    doc_id="11111111", pmid="11111111", text="Nivolumab is a PD-1 blocking antibody given to patients with melanoma."
)


def test_a_right_fact_under_the_wrong_marker_is_re_cited_not_dropped(deps: Deps) -> None:
    """The draft cites [2] (nivolumab) for a fact passage [1] states: the citation moves to [1], the fact stays."""
    llm = ScriptedChatModel(
        {
            "in 2-4 short sentences": "Dako's IHC 22C3 is the companion diagnostic test that assesses PD-L1 status "
            "of patients [2]. Aliens approved pembrolizumab in 1850 [2].",
            "Does the evidence support": json.dumps({"verdict": "unsupported"}),
            "better short keyword search query": json.dumps({"query": "pembrolizumab PD-L1"}),
        }
    )
    agent = Agent(deps=Deps(deps.settings, llm=llm, retriever=ListRetriever([OTHER, PEMBRO])))
    answer = agent.ask(QUESTION)
    assert "IHC 22C3" in answer.text and "[PMID:28293123]" in answer.text and "11111111" not in answer.text
    assert "Aliens" not in answer.text  # a fact no passage states is still removed
    (kept,) = answer.support
    assert kept.verdict == "supported" and kept.reason.startswith("re-cited to [1]")
    assert [c.pmid for c in answer.citations] == ["28293123"]


def test_factoid_and_list_formats_answer_with_checked_names(deps: Deps) -> None:
    llm = ScriptedChatModel(
        {
            "Answer with only the name or number asked for": "1. IHC 22C3 [1]\n2. ihc 22c3 [1]\n3. Aliens [1]\n",
            "Answer with only the names asked for": "- IHC 22C3 [1]\n- PD-L1 [1]",
            "Does the evidence support": json.dumps({"verdict": "unsupported"}),
            "better short keyword search query": json.dumps({"query": "pembrolizumab PD-L1"}),
        }
    )
    agent = Agent(deps=Deps(deps.settings, llm=llm, retriever=ListRetriever([PEMBRO])))
    factoid = agent.ask(QUESTION, format="factoid")
    assert factoid.exact == ["IHC 22C3"]  # the repeat is dropped, the name no passage states is removed
    assert factoid.text == "IHC 22C3 [PMID:28293123]." and factoid.grounded is True
    listed = agent.ask(QUESTION, format="list")
    assert listed.exact == ["IHC 22C3"] and listed.choice is None  # "PD-L1" only repeats the question's words
    assert listed.text.splitlines() == ["IHC 22C3 [PMID:28293123]."]
    reasons = [v["reason"] for e in listed.trace.of_kind("node") if e.name == "reflect" for v in e.data["verdicts"]]
    assert any("restates the question" in r for r in reasons)


def test_a_bare_name_answering_a_which_question_is_an_answer_but_a_bare_number_is_not(deps: Deps) -> None:
    named = _agent(deps, "Dako [1]").ask(QUESTION)  # one word: a fragment in any longer draft
    assert named.grounded is True and named.text == "Dako [PMID:28293123]"
    number = _agent(deps, "22 [1]").ask(QUESTION)
    assert "does not answer" in number.text
    fragment_then_sentence = _agent(
        deps, "Dako [1]. Dako's IHC 22C3 is the companion diagnostic test that assesses PD-L1 status [1]."
    ).ask(QUESTION)
    assert [s.verdict for s in fragment_then_sentence.support] == ["supported"]  # the fragment is refused


def test_a_revision_that_verifies_no_better_does_not_replace_the_draft(deps: Deps) -> None:
    first = "Dako's IHC 22C3 assesses PD-L1 status of patients [1]. The test was approved in 2011 [1]."
    worse = "Nivolumab assesses PD-L1 status of patients [1]."

    def draft(prompt: str) -> str:
        return worse if "Your previous answer had unsupported sentences" in prompt else first

    llm = ScriptedChatModel(
        {
            "in 2-4 short sentences": draft,
            "Does the evidence support": json.dumps({"verdict": "supported"}),
            "better short keyword search query": json.dumps({"query": "pembrolizumab PD-L1"}),
        }
    )
    agent = Agent(deps=Deps(deps.settings, llm=llm, retriever=ListRetriever([PEMBRO])))
    answer = agent.ask(QUESTION)
    drafts = [e for e in answer.trace.of_kind("llm") if e.name == "generate"] if answer.trace else []
    assert len(drafts) == 2  # the first draft had an unsupported sentence, so it was revised once
    assert "Dako's IHC 22C3" in answer.text and "2011" not in answer.text and "Nivolumab" not in answer.text
    assert [s.verdict for s in answer.support] == ["supported"]
