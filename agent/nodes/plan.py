"""plan: decompose the question and choose sources (model, with a deterministic fallback)."""

from __future__ import annotations

import re
import time
from typing import Any

from langgraph.runtime import Runtime

from biomedqa.agent import prompts
from biomedqa.agent.llm_io import call_llm, node_event
from biomedqa.agent.state import AgentState, Plan, PlanOut, ToolName, is_closed
from biomedqa.deps import Deps
from biomedqa.types import Message

_GENE_RX = re.compile(
    r"\brs\d+\b|\b(gene|genes|snp|alias|aliases|chromosome|cytogenetic|locus|omim|ncbi|blast|"
    r"official symbol|protein[- ]coding|[ACGT]{25,})\b",
    re.I,
)
_SQL_RX = re.compile(
    r"\b(database|table|rows?|how many .* (in|from) the|p-?value|odds ratio|beta|gwas|approved drugs?)\b", re.I
)


def fallback_plan(question: str, *, sql_available: bool, closed: bool) -> Plan:
    """Route on the question's shape alone: gene/SNP/sequence → eutils; table words → sql."""
    tools: list[ToolName] = ["pubmed"]
    if not closed and _GENE_RX.search(question):
        tools.append("eutils")
    if sql_available and not closed and _SQL_RX.search(question):
        tools.append("sql")
    return Plan(tools=tools, search_query=question, source="fallback")


def contextual_query(question: str, history: list[Message]) -> str:
    """A follow-up ("and its treatment?") searched together with the previous question."""
    previous = [m.content for m in history if m.role == "user"]
    if not previous or len(question.split()) > 12:
        return question
    return f"{previous[-1]} {question}"


def _sanitize(plan: PlanOut, fallback: Plan, question: str, *, sql_available: bool, eutils_available: bool) -> Plan:
    tools = [
        t for t in dict.fromkeys(plan.tools) if (t != "sql" or sql_available) and (t != "eutils" or eutils_available)
    ]
    # Keep tools the question's shape clearly calls for, even if the model forgot them.
    tools = list(dict.fromkeys([*tools, *fallback.tools]))
    same = question.strip().lower()
    subs = [q.strip() for q in plan.sub_questions if 8 <= len(q.strip()) <= 300 and q.strip().lower() != same][:3]
    return Plan(
        tools=tools,
        sub_questions=subs,
        needs_retrieval=plan.needs_retrieval,
        search_query=plan.search_query.strip()[:300] or fallback.search_query,
        source="model",
    )


async def plan(state: AgentState, runtime: Runtime[Deps]) -> dict[str, Any]:
    t0 = time.perf_counter()
    deps = runtime.context
    question = state["question"]
    closed = is_closed(state)
    sql_ok = deps.settings.agent.use_sql and bool(deps.settings.sql.url)
    eutils_ok = deps.settings.agent.use_eutils
    fb = fallback_plan(question, sql_available=sql_ok, closed=closed)
    if not eutils_ok:
        fb = fb.model_copy(update={"tools": [t for t in fb.tools if t != "eutils"]})
    events = []
    result = fb
    if deps.settings.agent.plan and not closed:
        note = " (configured)" if sql_ok else " (not configured: do not use)"
        # Only the user's earlier questions: earlier answers are built from passages, and this prompt picks tools.
        asked = [m for m in state.get("history", []) if m.role == "user"]
        msgs = prompts.chat(prompts.PLAN.format(question=question, sql_note=note), asked)
        got, ev = await call_llm(deps.llm, "plan", msgs, schema=PlanOut, max_tokens=160)
        events.append(ev)
        if got is not None:
            result = _sanitize(got, fb, question, sql_available=sql_ok, eutils_available=eutils_ok)
    queries = list(dict.fromkeys([contextual_query(question, state.get("history", [])), *result.sub_questions]))
    events.append(
        node_event("plan", t0, f"{result.source} plan: tools={result.tools}, {len(result.sub_questions)} sub-questions")
    )
    return {"plan": result, "queries": queries, "retrievals": 0, "revisions": 0, "events": events}
