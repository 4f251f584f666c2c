"""retrieve: hybrid search of the local index for the question and sub-questions, HyDE optional."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from langgraph.runtime import Runtime

from biomedqa.agent.llm_io import node_event
from biomedqa.agent.state import AgentState
from biomedqa.deps import Deps
from biomedqa.errors import BiomedQAError, IndexNotFoundError
from biomedqa.types import Passage, ToolCall, TraceEvent

logger = logging.getLogger(__name__)


async def _expand(deps: Deps, question: str) -> tuple[list[str], list[TraceEvent]]:
    if not deps.settings.retrieval.hyde:
        return [], []
    t0 = time.perf_counter()
    docs = await deps.hyde.expand(question)
    ev = TraceEvent(
        kind="llm",
        name="hyde",
        seconds=time.perf_counter() - t0,
        data={"prompt": question, "reply": "\n---\n".join(docs), "schema": "hyde"},
    )
    return docs, [ev]


def _search(deps: Deps, queries: list[str], expansions: list[str], k: int) -> list[list[Passage]]:
    retriever = deps.retriever
    out = []
    for i, q in enumerate(queries):
        if i == 0 and expansions:
            out.append(retriever.search_expanded(q, expansions, k))
        else:
            out.append(retriever.search(q, k))
    return out


async def _live_pubmed(deps: Deps, query: str, k: int) -> tuple[list[Passage], ToolCall]:
    t0 = time.perf_counter()
    passages = await deps.eutils.pubmed_passages(query, k)
    call = ToolCall(
        tool="pubmed_search",
        args={"query": query, "k": k},
        seconds=time.perf_counter() - t0,
        result={"pmids": [p.pmid for p in passages]},
    )
    return passages, call


async def retrieve(state: AgentState, runtime: Runtime[Deps]) -> dict[str, Any]:
    t0 = time.perf_counter()
    deps = runtime.context
    s = deps.settings
    plan = state.get("plan")
    if plan is not None and not plan.needs_retrieval and "pubmed" not in plan.tools:
        return {"events": [node_event("retrieve", t0, "skipped (plan: no retrieval needed)")]}
    queries = list(dict.fromkeys(state.get("queries") or [state["question"]]))[:3]
    expansions, events = await _expand(deps, queries[0])
    calls: list[ToolCall] = []
    try:
        groups = await asyncio.to_thread(_search, deps, queries, expansions, s.retrieval.k)
        passages = [p for group in groups for p in group]
        hits = {q: [p.doc_id for p in g] for q, g in zip(queries, groups, strict=True)}
    except IndexNotFoundError as missing:
        if not (s.agent.use_eutils and deps.ncbi_available):
            raise
        try:  # no local index: search PubMed itself (live, or from a --replay recording)
            passages, call = await _live_pubmed(deps, queries[0], s.retrieval.k)
        except BiomedQAError as e:
            logger.info("no local index and PubMed is unreachable (%s)", e)
            raise missing from e
        calls.append(call)
        hits = {}
    events.append(
        node_event(
            "retrieve",
            t0,
            f"{len(passages)} passages for {len(queries)} queries" + (" (+HyDE)" if expansions else ""),
            queries=queries,
            hits=hits,
            retrieved=[{"doc_id": p.doc_id, "score": round(p.score, 4), "source": p.source} for p in passages],
        )
    )
    return {"passages": passages, "expansions": expansions, "tool_calls": calls, "events": events}
