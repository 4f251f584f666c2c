"""finalize: keep supported sentences, render [PMID:n] citations of retrieved passages only."""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from biomedqa.agent.citations import NO_ANSWER, citations_for, name_of, refs_in, render, split_sentences
from biomedqa.agent.llm_io import node_event
from biomedqa.agent.nodes.generate import options_for
from biomedqa.agent.state import AgentState, Final, is_closed
from biomedqa.deps import Deps
from biomedqa.types import NAME_FORMATS, Citation, SentenceSupport


def _kept(support: list[SentenceSupport], text: str) -> list[SentenceSupport]:
    if support:
        return [s for s in support if s.verdict != "unsupported"]
    # Not self-checked (reflection produced no verdicts): keep sentences that cite evidence.
    return [SentenceSupport(sentence=s, verdict="partial", reason="not checked") for s in split_sentences(text)]


async def finalize(state: AgentState, runtime: Runtime[Deps]) -> dict[str, Any]:
    t0 = time.perf_counter()
    evidence = state.get("evidence", [])
    draft = state["draft"]
    support = state.get("support", [])
    best = state.get("best")
    if best is not None and best.evidence_ids == [p.doc_id for p in evidence]:
        draft, support = best.draft, best.support  # a later revision that verified no better does not replace it
    kept = _kept(support, draft.text) if draft.text.strip() != NO_ANSWER else []
    sentences: list[str] = []
    citations: dict[str, Citation] = {}
    final_support: list[SentenceSupport] = []
    for s in kept:
        refs = refs_in(s.sentence, len(evidence))
        if not refs and s.reason == "not checked":
            continue
        rendered = render(s.sentence, refs, evidence)
        sentences.append(rendered)
        final_support.append(s.model_copy(update={"sentence": rendered}))
        for c in citations_for(refs, s.sentence, evidence):
            citations.setdefault(c.doc_id, c)
    prefix = ""
    if draft.choice:
        options = options_for(state)  # --format yesno(maybe) has no options of its own
        label = options.get(draft.choice, "")
        prefix = f"{draft.choice}. {label}".strip() if label else draft.choice
    body = ("\n" if state.get("format") in NAME_FORMATS else " ").join(sentences)
    if not body and not draft.choice:
        body = NO_ANSWER
    text = f"{prefix} — {body}" if prefix and body else (prefix or body)
    grounded = bool(final_support) and all(s.verdict == "supported" for s in final_support)
    final = Final(
        text=text,
        choice=draft.choice,
        citations=list(citations.values()),
        support=final_support,
        grounded=grounded if (support or final_support) else None,
        exact=[name_of(s) for s in sentences] if state.get("format") in NAME_FORMATS else [],
        scores=draft.scores,
        probs=draft.probs,
        calibration=draft.calibration,
        view_scores=draft.view_scores,
    )
    out: dict[str, Any] = {"final": final}
    dropped = 0
    if runtime.context.settings.agent.grade_mode == "cited" and citations and not is_closed(state):
        # The citations were the grading: evidence keeps what was cited, and every tool or table record.
        kept_ev = [p for p in evidence if p.kind != "literature" or p.doc_id in citations]
        dropped = len(evidence) - len(kept_ev)
        out["evidence"] = kept_ev
    ev = node_event(
        "finalize",
        t0,
        f"{len(sentences)} sentences, {len(citations)} citations, grounded={final.grounded}"
        + (f", {dropped} uncited passages dropped from evidence" if dropped else ""),
    )
    out["events"] = [ev]
    return out
