"""grade: keep the passages that help answer the question.

``agent.grade_mode=cited`` (default): no model call; the best passages by retrieval score go to
generate, and the draft's citations are the grading (finalize drops uncited literature from
``evidence``). ``model``: one batched, constrained grading call first.
"""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from biomedqa.agent import prompts
from biomedqa.agent.llm_io import call_llm, node_event
from biomedqa.agent.state import AgentState, is_closed
from biomedqa.deps import Deps
from biomedqa.types import Passage


class Relevant(BaseModel):
    relevant: list[int] = Field(default_factory=list, description="1-based numbers of helpful passages")


def rank_candidates(passages: list[Passage], limit: int) -> tuple[list[Passage], list[Passage]]:
    """Split into tool records and table rows (always kept) and the best literature passages (by score).

    Literature is graded whatever retrieved it: the local index or PubMed searched live through E-utilities.
    """
    tools = [p for p in passages if p.kind != "literature"]
    lit = sorted((p for p in passages if p.kind == "literature"), key=lambda p: -p.score)
    seen: set[str] = set()
    unique = []
    for p in lit:  # one passage per article: chunks of the same PMID add little for a small model
        key = p.pmid or p.doc_id
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return tools, unique[:limit]


async def grade(state: AgentState, runtime: Runtime[Deps]) -> dict[str, Any]:
    t0 = time.perf_counter()
    deps = runtime.context
    limit = deps.settings.agent.max_evidence
    tools, lit = rank_candidates(state.get("passages", []), limit)
    events = []
    closed = is_closed(state)
    mode = deps.settings.agent.grade_mode
    if deps.settings.agent.grade and mode == "model" and lit:
        # Same evidence rendering as generate's prompt, so llama.cpp reuses the KV cache of the prefix.
        block = prompts.evidence_block(lit, deps.settings.agent.evidence_chars, question=state["question"])
        msgs = prompts.chat(prompts.GRADE.format(question=state["question"], evidence=block))
        got, ev = await call_llm(deps.llm, "grade", msgs, schema=Relevant, max_tokens=48)
        events.append(ev)
        if got is not None:
            keep = {i for i in got.relevant if 1 <= i <= len(lit)}
            kept = [p for i, p in enumerate(lit, 1) if i in keep]
            if kept or not closed:
                lit = kept
    evidence = [*tools[:limit], *lit[: max(limit - len(tools), 2)]]
    n_in = len(state.get("passages", []))
    how = "graded by the model" if events else f"no grading call (grade_mode={mode}: the draft's citations grade)"
    summary = f"kept {len(evidence)}/{n_in} passages, {how}"
    events.append(node_event("grade", t0, summary, kept=[p.doc_id for p in evidence]))
    return {"evidence": evidence, "events": events}
