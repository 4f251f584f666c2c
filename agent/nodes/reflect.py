"""reflect: check every sentence of the draft against the passages it cites.

Defects (prompt markers, leading [n], repeats, restating the question) and numbers, names or
negations the cited passage lacks are refused first (``agent.verify``); lexical overlap settles
only the sentences that pass, and the model judges the rest with a constrained verdict.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

from langgraph.runtime import Runtime

from biomedqa.agent.citations import NO_ANSWER, refs_in, split_sentences, strip_refs
from biomedqa.agent.llm_io import node_event
from biomedqa.agent.state import AgentState, Checked, is_closed
from biomedqa.agent.verify import check_claim, defect, verify_claim
from biomedqa.deps import Deps
from biomedqa.types import NAME_FORMATS, SentenceSupport, TraceEvent


async def check_sentence(
    sentence: str, state: AgentState, deps: Deps, earlier: Sequence[str] = ()
) -> tuple[SentenceSupport, list[TraceEvent]]:
    """One draft sentence through the claim verifier (``agent.verify``), against the passages it cites."""
    evidence = state.get("evidence", [])
    refs = refs_in(sentence, len(evidence))
    ids = [evidence[n - 1].doc_id for n in refs]
    names = name_answer(sentence, state)
    bad = defect(sentence, question=state["question"], earlier=earlier, names=names)
    if bad:
        return SentenceSupport(sentence=sentence, doc_ids=ids, verdict="unsupported", reason=bad), []
    if not refs:
        return recite(sentence, state, earlier, "no citation of retrieved evidence", names=names) or SentenceSupport(
            sentence=sentence, verdict="unsupported", reason="no citation of retrieved evidence"
        ), []
    check, events = await verify_claim(
        sentence,
        [evidence[n - 1] for n in refs],
        llm=deps.llm if deps.settings.agent.reflect else None,
        question=state["question"],
        earlier=earlier,
        draft=True,
        evidence_chars=deps.settings.agent.evidence_chars,
        names=names,
    )
    if check.verdict == "unsupported":
        moved = recite(sentence, state, earlier, check.reason, skip=refs, names=names)
        if moved is not None:
            return moved, events
    return SentenceSupport(sentence=sentence, doc_ids=ids, verdict=check.verdict, reason=check.reason), events


_WH_QUESTION = re.compile(r"^\s*(?:which|what|who|whom|where|name)\b", re.I)


def name_answer(sentence: str, state: AgentState) -> bool:
    """Whether the sentence is to be checked as a name: factoid/list formats, or a free-text draft that is
    one bare name (a few words with letters) answering a which/what/who question ("Senktide [1]")."""
    if state.get("format") in NAME_FORMATS:
        return True
    body = strip_refs(sentence).rstrip(".")
    draft = state.get("draft")
    return bool(
        state.get("format", "free") == "free"
        and _WH_QUESTION.match(state["question"])
        and draft is not None
        and len(split_sentences(draft.text)) == 1
        and 0 < len(body.split()) <= 5
        and re.search(r"[A-Za-z]{2}", body)
    )


def recite(
    sentence: str, state: AgentState, earlier: Sequence[str], why: str, *, skip: Sequence[int] = (), names: bool
) -> SentenceSupport | None:
    """Citation repair: the sentence re-cited to the one evidence passage whose deterministic check settles
    it as "supported" (every number, name and negation found there, high overlap), else None.

    A small model often writes a right fact under the wrong [n]; moving the marker keeps the fact and keeps
    every citation true. Only the rule-based verdict can move a citation: no model call, no "partial".
    """
    evidence = state.get("evidence", [])
    for n, passage in enumerate(evidence, 1):
        if n in skip:
            continue
        check = check_claim(sentence, [passage], question=state["question"], earlier=earlier, draft=True,
                            names=names)
        if check.verdict == "supported":
            body = strip_refs(sentence)
            end = body[-1] if body[-1:] in ".!?" else "."
            moved = f"{body.rstrip('.!? ')} [{n}]{end}"
            return SentenceSupport(sentence=moved, doc_ids=[passage.doc_id], verdict="supported",
                                   reason=f"re-cited to [{n}] ({why[:80]}): {check.reason}")
    return None


async def reflect(state: AgentState, runtime: Runtime[Deps]) -> dict[str, Any]:
    t0 = time.perf_counter()
    deps = runtime.context
    draft = state["draft"]
    events: list[TraceEvent] = []
    support: list[SentenceSupport] = []
    if draft.text.strip() != NO_ANSWER:
        sentences = split_sentences(draft.text)
        for i, sentence in enumerate(sentences):
            verdict, evs = await check_sentence(sentence, state, deps, sentences[:i])
            support.append(verdict)
            events += evs
    bad = [s for s in support if s.verdict == "unsupported"]
    feedback = ""
    if bad:
        feedback = (
            "Your previous answer had unsupported sentences; leave them out or cite evidence that states them: "
            + " | ".join(f"{strip_refs(s.sentence)[:120]} ({s.reason[:60]})" for s in bad[:3])
        )
    counts = {v: sum(s.verdict == v for s in support) for v in ("supported", "partial", "unsupported")}
    events.append(node_event("reflect", t0, f"verdicts {counts}", verdicts=[s.model_dump() for s in support]))
    out: dict[str, Any] = {"support": support, "feedback": feedback, "events": events}
    checked = Checked(draft=draft, support=support, evidence_ids=[p.doc_id for p in state.get("evidence", [])])
    best = state.get("best")
    # A revision replaces the earlier draft only when more of it is verified: ties keep the earlier answer.
    if best is None or best.evidence_ids != checked.evidence_ids or checked.score() > best.score():
        out["best"] = checked
    return out


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
