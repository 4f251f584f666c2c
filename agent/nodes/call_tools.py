"""call_tools: NCBI E-utilities chains (gene, SNP, OMIM, BLAST) for questions that need them."""

from __future__ import annotations

import logging
import time
from typing import Any

from langgraph.runtime import Runtime

from biomedqa.agent.llm_io import node_event
from biomedqa.agent.state import AgentState
from biomedqa.deps import Deps
from biomedqa.errors import BiomedQAError
from biomedqa.types import ToolCall

logger = logging.getLogger(__name__)


async def call_tools(state: AgentState, runtime: Runtime[Deps]) -> dict[str, Any]:
    t0 = time.perf_counter()
    deps = runtime.context
    eutils = deps.eutils  # outside the try: a toolbox that cannot be built (bad replay set) fails the run
    try:
        result = await eutils.answer_question(state["question"], deps.llm)
    except Exception as e:  # noqa: BLE001 - a failed lookup is recorded (never raised); retrieval may still answer
        if not isinstance(e, BiomedQAError):
            logger.warning("call_tools: unexpected failure", exc_info=True)
        error = str(e) if isinstance(e, BiomedQAError) else f"NCBI tools failed unexpectedly ({type(e).__name__})."
        call = ToolCall(tool="eutils", args={"question": state["question"]}, ok=False, error=error)
        return {"tool_calls": [call], "events": [node_event("call_tools", t0, f"failed: {error}")]}
    passages = list(result.passages)
    summary = f"{len(result.tool_calls)} calls, {len(passages)} records; tool answer: {result.answer[:80]!r}"
    return {
        "passages": passages,
        "tool_calls": list(result.tool_calls),
        "events": [
            node_event(
                "call_tools",
                t0,
                summary,
                tool_answer=result.answer,
                calls=[c.model_dump(mode="json") for c in result.tool_calls],
                passages=[p.model_dump(mode="json") for p in passages],
            )
        ],
    }
