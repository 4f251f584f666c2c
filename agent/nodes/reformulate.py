"""reformulate: a new keyword query when the first retrieval left nothing that survived checking."""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime
from pydantic import BaseModel

from biomedqa.agent import prompts
from biomedqa.agent.citations import content_words
from biomedqa.agent.llm_io import call_llm, node_event
from biomedqa.agent.state import AgentState
from biomedqa.deps import Deps


class Query(BaseModel):
    query: str


async def reformulate(state: AgentState, runtime: Runtime[Deps]) -> dict[str, Any]:
    t0 = time.perf_counter()
    deps = runtime.context
    question = state["question"]
    got, ev = await call_llm(
        deps.llm,
        "reformulate",
        prompts.chat(prompts.REFORMULATE.format(question=question)),
        schema=Query,
        max_tokens=48,
    )
    query = (got.query.strip() if got is not None else "") or " ".join(sorted(content_words(question)))
    n = state.get("retrievals", 0) + 1
    return {
        "queries": [query],
        "retrievals": n,
        "feedback": "",
        "events": [ev, node_event("reformulate", t0, f"retrieval {n + 1}: {query[:80]!r}")],
    }

