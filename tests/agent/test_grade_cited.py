"""grade_mode=cited: no grading call; the draft's citations grade, and uncited literature leaves evidence."""

from __future__ import annotations

import json

from biomedqa.api import Agent
from biomedqa.deps import Deps
from biomedqa.testing import ListRetriever, ScriptedChatModel
from biomedqa.types import Passage


def _agent(deps: Deps, passages: list[Passage], mode: str) -> tuple[Agent, ScriptedChatModel]:
    first = passages[0].text.split(". ")[0].rstrip(".")
    llm = ScriptedChatModel(
        {
            "Which evidence passages help": json.dumps({"relevant": [1, 2]}),
            "in 2-4 short sentences": f"{first} [1].",
            "Does the evidence support": json.dumps({"verdict": "supported"}),
        }
    )
    s = deps.settings.with_overrides({"agent.grade_mode": mode})
    return Agent(deps=Deps(s, llm=llm, retriever=ListRetriever(passages))), llm


def test_cited_mode_skips_the_grading_call(deps: Deps, passages: list[Passage]) -> None:
    agent, llm = _agent(deps, passages[:4], "cited")
    answer = agent.ask("What do these studies report?")
    assert not any("Which evidence passages help" in str(c) for c in llm.calls)
    assert answer.grounded is True and [p.doc_id for p in answer.evidence] == [passages[0].doc_id]
    assert {c.doc_id for c in answer.citations} == {passages[0].doc_id}
    grade = next(e for e in answer.trace.of_kind("node") if e.name == "grade") if answer.trace else None
    assert grade is not None and "no grading call" in grade.data["summary"]


def test_model_mode_grades_first_and_keeps_evidence(deps: Deps, passages: list[Passage]) -> None:
    agent, llm = _agent(deps, passages[:4], "model")
    answer = agent.ask("What do these studies report?")
    assert sum("Which evidence passages help" in str(c) for c in llm.calls) == 1
    assert len(answer.evidence) == 2 and answer.citations
