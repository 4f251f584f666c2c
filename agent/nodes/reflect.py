"""reflect: check every sentence of the draft against the passages it cites.

Lexical overlap settles clear cases; the model judges the rest with a constrained verdict.
Citations of ids not retrieved in this run are dropped before anything else.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from langgraph.runtime import Runtime
from pydantic import BaseModel

from biomedqa.agent import prompts
from biomedqa.agent.citations import NO_ANSWER, overlap, refs_in, split_sentences, strip_refs
from biomedqa.agent.llm_io import call_llm, node_event
from biomedqa.agent.state import AgentState, is_closed
from biomedqa.deps import Deps
from biomedqa.types import SentenceSupport, TraceEvent

HIGH, LOW = 0.6, 0.2


class VerdictOut(BaseModel):
    verdict: Literal["supported", "partial", "unsupported"]


async def check_sentence(sentence: str, state: AgentState, deps: Deps) -> tuple[SentenceSupport, list[TraceEvent]]:
    evidence = state.get("evidence", [])
    refs = refs_in(sentence, len(evidence))
    ids = [evidence[n - 1].doc_id for n in refs]
    if not refs:
        return SentenceSupport(sentence=sentence, verdict="unsupported", reason="no citation of retrieved evidence"), []
    cited = [evidence[n - 1] for n in refs]
    score = overlap(sentence, cited)
    if score >= HIGH:
        return SentenceSupport(sentence=sentence, doc_ids=ids, verdict="supported", reason=f"overlap {score:.2f}"), []
    if score <= LOW or not deps.settings.agent.reflect:
        verdict: Literal["partial", "unsupported"] = "unsupported" if score <= LOW else "partial"
        return SentenceSupport(sentence=sentence, doc_ids=ids, verdict=verdict, reason=f"overlap {score:.2f}"), []
    msgs = prompts.chat(
        prompts.VERIFY.format(
            sentence=strip_refs(sentence), evidence=prompts.evidence_block(
                cited, deps.settings.agent.evidence_chars, question=strip_refs(sentence)
            )
        )
    )
    got, ev = await call_llm(deps.llm, "verify", msgs, schema=VerdictOut, max_tokens=16)
    v = got.verdict if got is not None else "partial"
    return SentenceSupport(sentence=sentence, doc_ids=ids, verdict=v, reason=f"model; overlap {score:.2f}"), [ev]


async def reflect(state: AgentState, runtime: Runtime[Deps]) -> dict[str, Any]:
    t0 = time.perf_counter()
    deps = runtime.context
    draft = state["draft"]
    events: list[TraceEvent] = []
    support: list[SentenceSupport] = []
    if draft.text.strip() != NO_ANSWER:
        for sentence in split_sentences(draft.text):
            verdict, evs = await check_sentence(sentence, state, deps)
            support.append(verdict)
            events += evs
    bad = [s for s in support if s.verdict == "unsupported"]
    feedback = ""
    if bad:
        feedback = (
            "Your previous answer had unsupported sentences; leave them out or cite evidence that states them: "
            + " | ".join(strip_refs(s.sentence)[:120] for s in bad[:3])
        )
    counts = {v: sum(s.verdict == v for s in support) for v in ("supported", "partial", "unsupported")}
    events.append(node_event("reflect", t0, f"verdicts {counts}", verdicts=[s.model_dump() for s in support]))
    return {"support": support, "feedback": feedback, "events": events}


def after_reflect(state: AgentState, runtime: Runtime[Deps]) -> str:
    """Revise once with feedback, re-retrieve when nothing survived, else finish."""
    s = runtime.context.settings.agent
    support = state.get("support", [])
    kept = [v for v in support if v.verdict != "unsupported"]
    if is_closed(state):
        return "finalize"
    if not kept and state.get("retrievals", 0) < s.max_retrievals - 1:
        return "reformulate"
    if len(kept) < len(support) and state.get("revisions", 0) < s.max_revisions:
        return "revise"
    return "finalize"
