"""The deterministic route and the model's route give the same answers on gene (recorded NCBI) and SQL questions.

The gene question runs with ``agent.tool_route`` off, so that it reaches ``plan`` instead of being answered
by ``answer_tools`` first.
"""

from __future__ import annotations

import json

import pytest

from biomedqa.api import Agent
from biomedqa.deps import Deps
from biomedqa.settings import Settings
from biomedqa.testing import ListRetriever, ScriptedChatModel
from biomedqa.types import Answer, Passage

from .test_sources import FakeSql


def _ask(s: Settings, question: str, draft: str, tools: list[str], sql: FakeSql | None) -> tuple[Answer, int]:
    llm = ScriptedChatModel(
        {
            "Plan how to answer": json.dumps({"tools": tools, "needs_retrieval": True, "search_query": question}),
            "in 2-4 short sentences": draft,
            "Does the evidence support": json.dumps({"verdict": "supported"}),
        }
    )
    retriever = ListRetriever([Passage(doc_id="1", pmid="1", text="unrelated")])
    answer = Agent(deps=Deps(s, llm=llm, retriever=retriever, sql=sql)).ask(question)
    return answer, sum("Plan how to answer" in str(c) for c in llm.calls)


@pytest.mark.parametrize(
    ("question", "draft", "tools", "overrides"),
    [
        ("What is the official gene symbol of LMP10?", "The official symbol of LMP10 is PSMB10 [1].", ["eutils"],
         {"ncbi.replay": ["geneturing"], "ncbi.offline": True, "agent.grade": False, "agent.tool_route": False}),
        ("Which drugs are in the database table of approved drugs?", "The database lists metformin [1].", ["sql"],
         {"sql.url": "sqlite:///unused.db", "agent.use_eutils": False, "agent.grade": False}),
    ],
)  # fmt: skip
def test_router_and_model_routes_agree(
    settings: Settings, question: str, draft: str, tools: list[str], overrides: dict[str, object]
) -> None:
    runs = {}
    for router in (True, False):
        s = settings.with_overrides({**overrides, "agent.router": router})
        sql = FakeSql() if "sql.url" in overrides else None
        answer, plan_calls = _ask(s, question, draft, tools, sql)
        runs[router] = answer
        assert plan_calls == (0 if router else 1)
    a, b = runs[True], runs[False]
    assert a.text == b.text and a.citations == b.citations and a.citations
    assert [c.tool for c in a.tool_calls] == [c.tool for c in b.tool_calls]
