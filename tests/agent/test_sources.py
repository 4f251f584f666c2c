"""The agent routes to E-utilities (real recorded NCBI responses) and SQL, and cites their records."""

from __future__ import annotations

import json
from typing import Any

from biomedqa.api import Agent
from biomedqa.deps import Deps
from biomedqa.settings import Settings
from biomedqa.testing import ListRetriever, ScriptedChatModel
from biomedqa.types import Passage


def test_gene_question_uses_recorded_eutils(settings: Settings) -> None:
    s = settings.with_overrides(
        {"ncbi.replay": ["geneturing"], "ncbi.offline": True, "agent.plan": False, "agent.grade": False}
    )
    llm = ScriptedChatModel(
        {
            "in 2-4 short sentences": "The official symbol of LMP10 is PSMB10 [1].",
            "Does the evidence support": json.dumps({"verdict": "supported"}),
        }
    )
    agent = Agent(deps=Deps(s, llm=llm, retriever=ListRetriever([])))
    answer = agent.ask("What is the official gene symbol of LMP10?")
    calls = [c for c in answer.tool_calls if c.tool != "pubmed_search"]
    assert calls and all(c.ok for c in calls)
    assert any(p.source == "eutils" and "PSMB10" in p.text for p in answer.evidence)
    assert "PSMB10" in answer.text
    assert answer.citations and answer.citations[0].doc_id.startswith("gene:")
    assert {c.doc_id for c in answer.citations} <= {p.doc_id for p in answer.evidence}


class FakeSql:
    """Stands in for SqlTool: one recorded answer with two rows as evidence."""

    def __init__(self) -> None:
        self.questions: list[str] = []

    async def ask(self, question: str) -> Any:
        from biomedqa.tools.sql.models import SqlAnswer

        self.questions.append(question)
        return SqlAnswer(
            question=question,
            sql="SELECT drug FROM drugs LIMIT 2",
            columns=["drug"],
            rows=[["metformin"], ["insulin"]],
            answer="metformin, insulin",
            tables=["drugs"],
        )


def test_database_question_routes_to_sql(settings: Settings) -> None:
    s = settings.with_overrides({"sql.url": "sqlite:///unused.db", "agent.use_eutils": False, "agent.grade": False})
    sql = FakeSql()
    llm = ScriptedChatModel(
        {
            "Plan how to answer": json.dumps({"tools": ["sql"], "needs_retrieval": False, "search_query": "drugs"}),
            "in 2-4 short sentences": "The database lists metformin [1].",
            "Does the evidence support": json.dumps({"verdict": "supported"}),
        }
    )
    deps = Deps(s, llm=llm, retriever=ListRetriever([Passage(doc_id="1", pmid="1", text="unrelated")]), sql=sql)
    answer = Agent(deps=deps).ask("Which drugs are in the database table of approved drugs?")
    assert sql.questions == ["Which drugs are in the database table of approved drugs?"]
    assert answer.sql == "SELECT drug FROM drugs LIMIT 2"
    assert any(p.source == "sql" for p in answer.evidence)
    assert answer.citations and answer.citations[0].doc_id.startswith("sql:")
