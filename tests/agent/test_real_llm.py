"""The whole graph with the real bundled GGUF model (SmolLM2-135M, short prompts)."""

from __future__ import annotations

import pytest

from biomedqa.api import Agent
from biomedqa.deps import Deps
from biomedqa.settings import Settings
from biomedqa.testing import ListRetriever
from biomedqa.types import Passage

pytestmark = pytest.mark.llm

EVIDENCE = [
    Passage(
        doc_id="8589615",
        pmid="8589615",
        title="CFTR mutations in cystic fibrosis",
        text="Cystic fibrosis is caused by mutations in the CFTR gene, which encodes a chloride channel.",
    ),
    Passage(doc_id="1234567", pmid="1234567", title="Unrelated", text="Lace plants form perforations by cell death."),
]


def _agent(settings: Settings, real_llm: object) -> Agent:
    s = settings.with_overrides(
        # the model planner and grader on (router off, grade_mode=model), so the real model runs them too
        {"agent.use_eutils": False, "agent.plan": True, "agent.router": False, "agent.grade_mode": "model",
         "llm.max_tokens": 64, "agent.max_evidence": 2}
    )  # fmt: skip
    return Agent(deps=Deps(s, llm=real_llm, retriever=ListRetriever(EVIDENCE)))


def test_free_answer_cites_only_retrieved(settings: Settings, real_llm: object) -> None:
    answer = _agent(settings, real_llm).ask("Which gene is mutated in cystic fibrosis?")
    assert answer.text
    assert set(answer.pmids) <= {p.pmid for p in answer.evidence}
    assert answer.trace is not None and len(answer.trace.of_kind("llm")) >= 2


def test_closed_answer_picks_an_option(settings: Settings, real_llm: object) -> None:
    answer = _agent(settings, real_llm).ask("Is CFTR mutated in cystic fibrosis?", options={"A": "yes", "B": "no"})
    assert answer.choice in {"A", "B"}
    assert answer.text.startswith(answer.choice)
