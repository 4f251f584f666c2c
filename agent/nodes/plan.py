"""plan: choose sources. The deterministic router decides clear shapes; the model plans the rest.

The router (``agent/router.py``) decides closed questions, follow-ups, gene/SNP/sequence shapes,
table words with a configured database, and plain literature questions. The model is asked only
when the question has several parts (then for sub-questions too) or an unrecognised shape, with a
small schema: tools and one search query. The trace's plan event says which and why.
"""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from biomedqa.agent import prompts
from biomedqa.agent.llm_io import call_llm, node_event
from biomedqa.agent.router import Route, route, shape_tools
from biomedqa.agent.state import AgentState, Plan, PlanOut, PlanTools, is_closed
from biomedqa.deps import Deps
from biomedqa.tools.eutils.intents import classify
from biomedqa.types import Message, TraceEvent


def fallback_plan(question: str, *, sql_available: bool, closed: bool, eutils_available: bool = True) -> Plan:
    """Route on the question's shape alone: gene/SNP/sequence → eutils; table words → sql."""
    tools = shape_tools(question, sql_available=sql_available, eutils_available=eutils_available, closed=closed)
    return Plan(tools=tools, search_query=question, source="fallback", reason="shape rules")


def contextual_query(question: str, history: list[Message]) -> str:
    """A follow-up ("and its treatment?") searched together with the previous question."""
    previous = [m.content for m in history if m.role == "user"]
    if not previous or len(question.split()) > 12:
        return question
    return f"{previous[-1]} {question}"


def _sanitize(
    plan: PlanTools, fallback: Plan, question: str, reason: str, *, sql_available: bool, eutils_available: bool
) -> Plan:
    tools = [
        t for t in dict.fromkeys(plan.tools) if (t != "sql" or sql_available) and (t != "eutils" or eutils_available)
    ]
    # Keep tools the question's shape clearly calls for, even if the model forgot them.
    tools = list(dict.fromkeys([*tools, *fallback.tools]))
    same = question.strip().lower()
    raw = plan.sub_questions if isinstance(plan, PlanOut) else []
    subs = [q.strip() for q in raw if 8 <= len(q.strip()) <= 300 and q.strip().lower() != same][:3]
    return Plan(
        tools=tools,
        sub_questions=subs,
        needs_retrieval=plan.needs_retrieval if isinstance(plan, PlanOut) else True,
        search_query=plan.search_query.strip()[:300] or fallback.search_query,
        source="model",
        reason=reason,
    )


async def _model_plan(
    state: AgentState, deps: Deps, decision: Route, fallback: Plan, *, sql_ok: bool, eutils_ok: bool
) -> tuple[Plan, list[TraceEvent]]:
    question = state["question"]
    note = " (configured)" if sql_ok else " (not configured: do not use)"
    full = decision.multi_part or not deps.settings.agent.router  # sub-questions only when asked for
    template, schema, tokens = (prompts.PLAN, PlanOut, 160) if full else (prompts.PLAN_TOOLS, PlanTools, 64)
    # Only the user's earlier questions: earlier answers are built from passages, and this prompt picks tools.
    asked = [m for m in state.get("history", []) if m.role == "user"]
    msgs = prompts.chat(template.format(question=question, sql_note=note), asked)
    got, ev = await call_llm(deps.llm, "plan", msgs, schema=schema, max_tokens=tokens)
    if got is None:
        return fallback.model_copy(update={"reason": f"{decision.reason}; model output invalid: shape rules"}), [ev]
    return _sanitize(got, fallback, question, decision.reason, sql_available=sql_ok, eutils_available=eutils_ok), [ev]


async def plan(state: AgentState, runtime: Runtime[Deps]) -> dict[str, Any]:
    t0 = time.perf_counter()
    deps = runtime.context
    s = deps.settings.agent
    question = state["question"]
    closed = is_closed(state)
    sql_ok = s.use_sql and bool(deps.settings.sql.url)
    eutils_ok = s.use_eutils
    history = state.get("history", [])
    fb = fallback_plan(question, sql_available=sql_ok, closed=closed, eutils_available=eutils_ok)
    if s.router:
        intent = await classify(question)  # the tool-intent rules decide gene/SNP/sequence shapes (no model)
        tool_q = intent.tool_question or intent.intent is not None
        decision = route(
            question, history, sql_available=sql_ok, eutils_available=eutils_ok, closed=closed, tool_question=tool_q
        )
    else:
        decision = Route(closed, "router off (agent.router=false)", fb.tools)
    events: list[TraceEvent] = []
    if decision.decided or not s.plan:
        why = decision.reason if decision.decided else f"{decision.reason}; model planning off (agent.plan=false)"
        result = Plan(tools=decision.tools, search_query=question, source="router", reason=why)
    else:
        result, events = await _model_plan(state, deps, decision, fb, sql_ok=sql_ok, eutils_ok=eutils_ok)
    queries = list(dict.fromkeys([contextual_query(question, history), *result.sub_questions]))
    called = bool(events)
    events.append(
        node_event(
            "plan",
            t0,
            f"{result.source} plan ({result.reason}; model {'called' if called else 'not called'}): "
            f"tools={result.tools}, {len(result.sub_questions)} sub-questions",
            reason=result.reason,
            model_called=called,
        )
    )
    return {"plan": result, "queries": queries, "retrievals": 0, "revisions": 0, "events": events}
