"""The deterministic router decides clear shapes without the model; the model plans the rest."""

from __future__ import annotations

import json

import pytest
from langgraph.runtime import Runtime

from biomedqa.agent.nodes.plan import plan
from biomedqa.agent.router import route
from biomedqa.deps import Deps
from biomedqa.testing import ScriptedChatModel
from biomedqa.types import Message

HISTORY = [Message(role="user", content="What causes cystic fibrosis?"), Message(role="assistant", content="CFTR.")]


@pytest.mark.parametrize(
    ("question", "history", "sql", "decided", "tools", "why"),
    [
        ("Which method uses ribosome profiling to measure translation?", [], False, True, ["pubmed"], "plain"),
        ("What is the official symbol of the gene on chromosome 7q31.2?", [], False, True, ["pubmed", "eutils"],
         "gene"),
        ("Is rs7412 associated with Alzheimer disease?", [], False, True, ["pubmed", "eutils"], "gene"),
        ("How many rows in the table report a p-value below 5e-8?", [], True, True, ["pubmed", "sql"], "table"),
        ("How many rows in the table report a p-value below 5e-8?", [], False, True, ["pubmed"], "plain"),
        ("And what is its treatment?", HISTORY, False, True, ["pubmed"], "follow-up"),
        ("Compare the efficacy of metformin versus sulfonylureas and what are their side effects?", [], False,
         False, ["pubmed"], "several parts"),
        ("Metformin dosing in renal impairment, elderly patients, pregnancy, pediatric use, hepatic disease, "
         "heart failure, lactic acidosis risk, contrast media, surgery, alcohol use, interactions with cimetidine "
         "and other cationic drugs", [], False, False, ["pubmed"], "unrecognised"),
    ],
)  # fmt: skip
def test_route(question: str, history: list[Message], sql: bool, decided: bool, tools: list[str], why: str) -> None:
    r = route(question, history, sql_available=sql, eutils_available=True, closed=False)
    assert (r.decided, r.tools) == (decided, tools) and why in r.reason


def test_closed_questions_never_use_tools() -> None:
    r = route(
        "Is rs7412 associated with Alzheimer disease?", [], sql_available=True, eutils_available=True, closed=True
    )
    assert r.decided and r.tools == ["pubmed"] and "closed" in r.reason


async def _plan(deps: Deps, question: str, **settings: object) -> tuple[dict[str, object], ScriptedChatModel]:
    llm = ScriptedChatModel(
        {
            "Return JSON: sub_questions": json.dumps(
                {"sub_questions": ["What is the efficacy of metformin?"], "tools": ["pubmed"], "search_query": "x"}
            ),
            "Return JSON: tools (list), search_query": json.dumps({"tools": ["pubmed"], "search_query": "metformin"}),
        }
    )
    s = deps.settings.with_overrides({f"agent.{k}": v for k, v in settings.items()})
    out = await plan({"question": question}, Runtime(context=Deps(s, llm=llm)))
    return out, llm


async def test_plain_question_is_routed_without_the_model(deps: Deps) -> None:
    out, llm = await _plan(deps, "Which method uses ribosome profiling to measure translation?")
    assert llm.calls == [] and out["plan"].source == "router"  # type: ignore[attr-defined]
    ev = out["events"][-1]  # type: ignore[index]
    assert ev.data["model_called"] is False and "plain literature question" in ev.data["reason"]


async def test_multi_part_question_gets_sub_questions_from_the_model(deps: Deps) -> None:
    q = "Compare the efficacy of metformin versus sulfonylureas and what are their side effects?"
    out, llm = await _plan(deps, q)
    assert len(llm.calls) == 1 and "sub_questions" in str(llm.calls[0])
    assert out["plan"].source == "model" and out["plan"].sub_questions  # type: ignore[attr-defined]
    assert out["queries"] == [q, "What is the efficacy of metformin?"]
    assert out["events"][-1].data["model_called"] is True  # type: ignore[index]


async def test_unrecognised_shape_uses_the_small_schema(deps: Deps) -> None:
    q = "Metformin dosing in renal impairment, elderly patients, pregnancy, pediatric use, hepatic disease, " * 3
    out, llm = await _plan(deps, q)
    assert len(llm.calls) == 1 and "sub_questions" not in str(llm.calls[0])
    assert out["plan"].source == "model" and out["plan"].sub_questions == []  # type: ignore[attr-defined]


async def test_router_off_is_the_model_planner(deps: Deps) -> None:
    out, llm = await _plan(deps, "Which method uses ribosome profiling to measure translation?", router=False)
    assert len(llm.calls) == 1 and out["plan"].source == "model"  # type: ignore[attr-defined]
    out, llm = await _plan(deps, "Which method uses ribosome profiling?", router=False, plan=False)
    assert llm.calls == [] and "model planning off" in out["plan"].reason  # type: ignore[attr-defined]
