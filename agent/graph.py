"""The agent graph: answer_tools (tool-only questions end here) → plan → {retrieve, call_tools,
query_sql} → grade → generate → reflect → (revise | reformulate → retrieve | finalize)."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from biomedqa.agent.nodes.answer_tools import after_tools, answer_tools
from biomedqa.agent.nodes.call_tools import call_tools
from biomedqa.agent.nodes.finalize import finalize
from biomedqa.agent.nodes.generate import generate
from biomedqa.agent.nodes.grade import grade
from biomedqa.agent.nodes.plan import plan
from biomedqa.agent.nodes.query_sql import query_sql
from biomedqa.agent.nodes.reflect import after_reflect, reflect
from biomedqa.agent.nodes.reformulate import reformulate
from biomedqa.agent.nodes.retrieve import retrieve
from biomedqa.agent.nodes.revise import revise
from biomedqa.agent.state import AgentState
from biomedqa.deps import Deps


def route(state: AgentState, runtime: Runtime[Deps]) -> list[str]:
    """Fan out to every source the plan chose; they run in parallel and join at grade."""
    plan = state["plan"]
    nodes = ["retrieve"]
    deps = runtime.context
    if "eutils" in plan.tools and deps.settings.agent.use_eutils and deps.ncbi_available:
        nodes.append("call_tools")
    if "sql" in plan.tools and runtime.context.settings.sql.url:
        nodes.append("query_sql")
    return nodes


def build_graph() -> Any:
    g = StateGraph(AgentState, context_schema=Deps)
    g.add_node("answer_tools", answer_tools)
    g.add_node("plan", plan)
    g.add_node("retrieve", retrieve)
    g.add_node("call_tools", call_tools)
    g.add_node("query_sql", query_sql)
    g.add_node("grade", grade)
    g.add_node("generate", generate)
    g.add_node("reflect", reflect)
    g.add_node("revise", revise)
    g.add_node("reformulate", reformulate)
    g.add_node("finalize", finalize)
    g.add_edge(START, "answer_tools")
    g.add_conditional_edges("answer_tools", after_tools, {"done": END, "plan": "plan"})
    g.add_conditional_edges("plan", route, ["retrieve", "call_tools", "query_sql"])
    for src in ("retrieve", "call_tools", "query_sql"):
        g.add_edge(src, "grade")
    g.add_edge("grade", "generate")
    g.add_edge("generate", "reflect")
    g.add_conditional_edges("reflect", after_reflect, ["revise", "reformulate", "finalize"])
    g.add_edge("revise", "generate")
    g.add_edge("reformulate", "retrieve")
    g.add_edge("finalize", END)
    return g.compile()
