"""PubMed searched live: the query built from the question, candidates fetched (real recorded efetch
responses), ranked locally, typed as literature and graded by the agent."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from biomedqa.api import Agent
from biomedqa.deps import Deps
from biomedqa.retrievers.live import LivePubMedRetriever, keywords, pubmed_query
from biomedqa.settings import Settings, get_settings
from biomedqa.testing import HashEmbedder, ScriptedChatModel
from biomedqa.tools.eutils import build_eutils
from biomedqa.tools.eutils.pubmed import fetch_pubmed
from biomedqa.tools.eutils.toolbox import EutilsToolbox
from biomedqa.types import Passage, ToolAnswer

# The PubMed records whose efetch responses are recorded (biocommons/eutils VCR cassettes).
RECORDED = ["1234567", "20412080", "22351513", "22528466", "23121403", "29915538"]
QUESTION = "Does semaglutide lower HbA1c in type 2 diabetes?"


class RecordedPubMed:
    """An ``EutilsTools`` whose search step returns the recorded PMIDs (no esearch for these queries
    was ever recorded, and none is invented); each abstract is fetched with the real client from its
    real recorded efetch response."""

    def __init__(self, toolbox: EutilsToolbox) -> None:
        self.toolbox = toolbox
        self.queries: list[str] = []

    async def pubmed_passages(self, query: str, k: int) -> list[Passage]:
        self.queries.append(query)
        out: list[Passage] = []
        for pmid in RECORDED[:k]:
            out += await fetch_pubmed(self.toolbox.client, [pmid])
        return out

    async def answer_question(self, question: str, llm: object) -> ToolAnswer:
        return ToolAnswer()

    def close(self) -> None:
        """Nothing to close here: the fixture closes the toolbox."""


@pytest.fixture
async def recorded() -> AsyncIterator[RecordedPubMed]:
    s = get_settings().with_overrides({"ncbi.replay": ["fixtures"], "ncbi.offline": True})
    tb = build_eutils(s)
    yield RecordedPubMed(tb)
    await tb.aclose()


@pytest.mark.parametrize(
    ("question", "query"),
    [
        ("Does metformin lower HbA1c in type 2 diabetes?", "metformin AND HbA1c AND type 2 diabetes"),
        ("Is COVID-19 associated with myocarditis?", "COVID-19 AND myocarditis"),
        ("What is the role of BRCA1 in breast cancer?", "BRCA1 AND breast cancer"),
    ],
)
def test_query_from_the_question(question: str, query: str) -> None:
    assert pubmed_query(question) == query
    assert pubmed_query(question, broad=True) == query.replace(" AND ", " OR ")
    assert len(" ".join(keywords(question)).split()) <= 6


def test_a_keyword_query_is_broadened_word_by_word() -> None:
    assert pubmed_query("semaglutide diabetes hba1c") == "semaglutide diabetes hba1c"
    assert pubmed_query("semaglutide diabetes hba1c", broad=True) == "semaglutide OR diabetes OR hba1c"
    assert pubmed_query("Why?") == pubmed_query("Why?", broad=True) == "Why?"  # nothing to extract: the text


async def test_live_search_ranks_recorded_abstracts(settings: Settings, recorded: RecordedPubMed) -> None:
    live = LivePubMedRetriever(recorded, lambda: HashEmbedder(64), settings)
    res = await live.search(QUESTION, 3)
    # 6 abstracts < half of retrieval.live_candidates (30): the AND query is broadened to OR
    assert recorded.queries == ["semaglutide AND HbA1c AND type 2 diabetes", "semaglutide OR HbA1c OR type 2 diabetes"]
    assert res.fetched == 6 and len(res.passages) == 3
    top = res.passages[0]
    assert top.pmid == "29915538" and "Semaglutide" in top.title
    assert all(p.kind == "literature" and p.source == "pubmed" for p in res.passages)
    assert top.meta["pubmed_rank"] == 6 and top.meta["rank"] == 1
    assert [p.score for p in res.passages] == sorted((p.score for p in res.passages), reverse=True)


def test_agent_grades_live_pubmed_abstracts(settings: Settings, recorded: RecordedPubMed) -> None:
    s = settings.with_overrides(
        {"retrieval.source": "pubmed", "agent.plan": False, "agent.use_eutils": False, "agent.grade_mode": "model"}
    )  # this test is about the grading call, which the default grade_mode=cited skips
    llm = ScriptedChatModel(
        {
            "Which evidence passages help": json.dumps({"relevant": [1]}),
            "in 2-4 short sentences": "Once-weekly semaglutide lowered HbA1c in type 2 diabetes [1].",
            "Does the evidence support": json.dumps({"verdict": "supported"}),
        }
    )
    answer = Agent(deps=Deps(s, llm=llm, embedder=HashEmbedder(64), eutils=recorded)).ask(QUESTION)
    grade_prompts = [p for p, _ in answer.trace.llm_replies() if "Which evidence passages help" in p] if answer.trace \
        else []
    assert grade_prompts and "Semaglutide" in grade_prompts[0]  # graded as literature, not kept as a tool record
    assert answer.pmids == ["29915538"]
    assert answer.searched is not None and answer.searched.kind == "pubmed"
    assert answer.searched.label == ("Searched: PubMed live for 'semaglutide OR HbA1c OR type 2 diabetes' "
                                     "(6 abstracts fetched, ranked locally).")
    call = next(c for c in answer.tool_calls if c.tool == "pubmed_search")
    assert call.result["fetched"] == 6 and call.result["pmids"][0] == "29915538"
