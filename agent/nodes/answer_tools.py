"""answer_tools: gene/SNP/disease/sequence questions answered from NCBI records alone.

Runs first. A question in the closed intent set (or one the bounded fallback tool loop answers)
gets its final answer here, with its records cited, and skips planning and retrieval: no
literature index is needed and none is searched. Anything else passes through untouched.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from langgraph.runtime import Runtime

from biomedqa.agent.llm_io import node_event
from biomedqa.agent.state import AgentState, Final, is_closed
from biomedqa.agent.tool_route import answer_from_tools
from biomedqa.deps import Deps
from biomedqa.errors import BiomedQAError
from biomedqa.interfaces import ChatModel
from biomedqa.tools.eutils.intents import classify
from biomedqa.types import SentenceSupport

logger = logging.getLogger(__name__)


def _usable(state: AgentState, deps: Deps) -> bool:
    s = deps.settings.agent
    return s.tool_route and s.use_eutils and not is_closed(state) and deps.ncbi_available


async def answer_tools(state: AgentState, runtime: Runtime[Deps]) -> dict[str, Any]:
    t0 = time.perf_counter()
    deps = runtime.context
    pre = await classify(state["question"])  # rules only: cheap, and no NCBI client is built for other questions
    if pre.intent is None and not pre.tool_question:
        return {"events": [node_event("answer_tools", t0, "not a tool-only question")]}
    if not _usable(state, deps):
        return {"events": [node_event("answer_tools", t0, "skipped (tools off, closed format or NCBI unreachable)")]}

    def model() -> ChatModel | None:
        if not deps.settings.agent.tool_model:
            return None
        try:
            return deps.llm
        except BiomedQAError as e:  # no model: ties go by priority, no fallback loop
            logger.info("answer_tools: no model (%s)", e)
            return None

    s = deps.settings.agent
    eutils = deps.eutils  # outside the try: a toolbox that cannot be built (bad replay set) fails the run
    try:
        routed = await answer_from_tools(state["question"], eutils, model, loop_steps=s.tool_loop_steps,
                                         loop_seconds=s.tool_loop_seconds)
    except Exception as e:  # noqa: BLE001 - a broken look-up never crashes the run: the usual path tries
        if not isinstance(e, BiomedQAError):
            logger.warning("answer_tools: unexpected failure", exc_info=True)
        return {"events": [node_event("answer_tools", t0, f"failed: {type(e).__name__}: {e}"[:200])]}
    if routed is None:
        return {"events": [node_event("answer_tools", t0, "not a tool-only question")]}
    verdict = "partial" if routed.how == "loop" else "supported"
    support = [SentenceSupport(sentence=x, doc_ids=[c.doc_id for c in routed.citations if c.doc_id in x],
                               verdict=verdict, reason="read from the NCBI records") for x in routed.sentences]
    final = Final(text=routed.text, citations=routed.citations, support=support, grounded=verdict == "supported")
    ev = node_event("answer_tools", t0, f"{routed.intent or 'fallback loop'} ({routed.how}): {routed.short[:60]!r}, "
                    f"{len(routed.tool_calls)} calls", intent=routed.intent, how=routed.how,
                    short_answer=routed.short, calls=[c.model_dump(mode="json") for c in routed.tool_calls])
    return {"final": final, "evidence": routed.evidence, "passages": routed.evidence, "tool_calls": routed.tool_calls,
            "events": [ev]}


def after_tools(state: AgentState) -> str:
    """END when the tools answered, else the usual plan → search path."""
    return "done" if state.get("final") is not None else "plan"
