"""retrieve: hybrid search of the literature source (local index, demo index or PubMed live), HyDE optional."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from langgraph.runtime import Runtime

from biomedqa.agent.llm_io import node_event
from biomedqa.agent.state import AgentState
from biomedqa.deps import Deps
from biomedqa.errors import BiomedQAError, ConfigError, IndexNotFoundError
from biomedqa.types import LiteratureSource, Passage, ToolCall, TraceEvent

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


async def _live_pubmed(deps: Deps, question: str, query_text: str, k: int) -> tuple[list[Passage], ToolCall,
                                                                                    LiteratureSource]:
    from biomedqa.retrievers.source import pubmed_source

    t0 = time.perf_counter()
    res = await deps.live.search(question, k, query_text=query_text)
    call = ToolCall(
        tool="pubmed_search",
        args={"query": res.query, "k": k},
        seconds=time.perf_counter() - t0,
        result={"queries": res.queries, "fetched": res.fetched, "pmids": [p.pmid for p in res.passages]},
    )
    return res.passages, call, pubmed_source(res.query, res.fetched)


def _query_text(state: AgentState, question: str) -> str:
    """What the live PubMed query is built from: the model plan's keyword query, else the question."""
    plan = state.get("plan")
    if plan is not None and plan.source == "model" and plan.search_query.strip():
        return plan.search_query
    return question


async def retrieve(state: AgentState, runtime: Runtime[Deps]) -> dict[str, Any]:
    t0 = time.perf_counter()
    deps = runtime.context
    s = deps.settings
    plan = state.get("plan")
    if plan is not None and not plan.needs_retrieval and "pubmed" not in plan.tools:
        return {"events": [node_event("retrieve", t0, "skipped (plan: no retrieval needed)")]}
    queries = list(dict.fromkeys(state.get("queries") or [state["question"]]))[:3]
    expansions: list[str] = []
    events: list[TraceEvent] = []
    calls: list[ToolCall] = []
    hits: dict[str, list[str]] = {}
    source = deps.literature
    if source.kind == "pubmed":
        passages, call, source = await _live_pubmed(deps, queries[0], _query_text(state, queries[0]), s.retrieval.k)
        calls.append(call)
    else:
        expansions, events = await _expand(deps, queries[0])
        try:
            groups = await asyncio.to_thread(_search, deps, queries, expansions, s.retrieval.k)
            passages = [p for group in groups for p in group]
            hits = {q: [p.doc_id for p in g] for q, g in zip(queries, groups, strict=True)}
        except IndexNotFoundError as missing:
            if s.retrieval.source != "auto" or not (s.agent.use_eutils and deps.ncbi_available):
                raise
            try:  # no such local index: search PubMed itself (live, or from a --replay recording)
                passages, call, source = await _live_pubmed(deps, queries[0], _query_text(state, queries[0]),
                                                            s.retrieval.k)
            except ConfigError:  # e.g. a replay set that cannot be loaded: not "PubMed is unreachable"
                raise
            except BiomedQAError as e:
                logger.info("no local index and PubMed is unreachable (%s)", e)
                raise missing from e
            calls.append(call)
    events.append(
        node_event(
            "retrieve",
            t0,
            f"{len(passages)} passages for {len(queries)} queries" + (" (+HyDE)" if expansions else ""),
            queries=queries,
            hits=hits,
            searched=source.model_dump(),
            retrieved=[{"doc_id": p.doc_id, "score": round(p.score, 4), "source": p.source} for p in passages],
        )
    )
    return {"passages": passages, "expansions": expansions, "tool_calls": calls, "events": events,
            "searched": source}
