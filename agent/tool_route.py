"""Tool-only answers: a question in the closed intent set is answered from NCBI records alone.

:func:`answer_from_tools` classifies the question (rules, at most one constrained model call),
runs the intent's fixed tool calls, and returns cited sentences. A question that names a variant,
sequence or gene id but fits no intent goes to the model's tool loop, bounded by steps and time.
Anything else returns None and the agent plans and searches the literature as usual.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from pydantic import BaseModel, Field

from biomedqa.interfaces import ChatModel, EutilsTools
from biomedqa.tools.eutils.chains import llm_chain
from biomedqa.tools.eutils.intent_recipes import INTENT_RECIPES, IntentAnswer
from biomedqa.tools.eutils.intents import classify
from biomedqa.tools.eutils.recipes import Run, Toolbox
from biomedqa.types import Citation, Passage, ToolCall

logger = logging.getLogger(__name__)
NO_LITERATURE = "No literature was searched: NCBI records answer this."


class ToolRouted(BaseModel):
    """A question answered by tools alone."""

    intent: str | None = Field(description="The intent, or None when the fallback loop answered")
    how: str = Field(description="rules | model | priority (intent choice) or loop (fallback tool loop)")
    short: str = Field(description="The short answer (symbol, chrN, list, TRUE/NA), '' when none")
    text: str = Field(description="Answer sentences with [doc_id] tags, the organism/database note, no-literature note")
    sentences: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    evidence: list[Passage] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    seconds: float = 0.0


def _cite(run: Run, doc_ids: list[str]) -> tuple[list[Citation], list[Passage]]:
    by_id = {p.doc_id: p for p in run.passages()}
    used = [by_id[d] for d in dict.fromkeys(doc_ids) if d in by_id]
    cites = [Citation(doc_id=p.doc_id, title=p.title, quote=p.text[:240]) for p in used]
    return cites, used


def _routed(run: Run, ans: IntentAnswer, intent: str | None, how: str, t0: float) -> ToolRouted:
    cites, used = _cite(run, ans.cited)
    text = " ".join([*ans.sentences, ans.note, NO_LITERATURE]).strip()
    return ToolRouted(intent=intent, how=how, short=ans.short, text=text, sentences=ans.sentences, citations=cites,
                      evidence=used, tool_calls=run.calls, seconds=time.perf_counter() - t0)


async def _loop(question: str, llm: ChatModel, run: Run, steps: int, seconds: float) -> IntentAnswer:
    try:
        answer = await asyncio.wait_for(llm_chain(question, llm, run, steps), timeout=seconds)
    except TimeoutError:
        logger.info("tool loop: stopped after %.0f s", seconds)
        answer = ""
    if not answer:
        return IntentAnswer()
    records = [p for p in run.passages() if answer.lower() in p.text.lower()] or run.passages()[:3]
    tags = "".join(f"[{p.doc_id}]" for p in records)
    return IntentAnswer(short=answer, sentences=[f"{answer.rstrip('.')} {tags}."], cited=[p.doc_id for p in records],
                        note="Chosen by the model's tool loop (not a fixed recipe).")


async def answer_from_tools(question: str, toolbox: EutilsTools | Toolbox, llm: Callable[[], ChatModel | None], *,
                            loop_steps: int = 4, loop_seconds: float = 60.0) -> ToolRouted | None:
    """Answer ``question`` from NCBI records alone, or None when it needs the literature.

    Args:
        question: the user's question (its text is data, never instructions).
        toolbox: the E-utilities toolbox (``call`` and ``passages``).
        llm: returns the model, loaded only if a tie or the fallback loop needs it; may return None.
        loop_steps: tool calls the fallback loop may make.
        loop_seconds: wall-clock limit of the fallback loop.
    """
    t0 = time.perf_counter()
    run = Run(toolbox)
    found = await classify(question, None)
    if found.how == "priority":  # the rules left a tie: one constrained model call, if a model is there
        model = llm()
        found = await classify(question, model) if model is not None else found
    if found.intent is not None:
        ans = await INTENT_RECIPES[found.intent](run, found.entities, question)
        logger.info("tool route: %s (%s) via %d calls -> %r", found.intent, found.how, len(run.calls), ans.short[:60])
        if ans.sentences:
            return _routed(run, ans, found.intent, found.how, t0)
        return None  # e.g. a symbol-shaped word no gene record has: the literature may know it
    if not found.tool_question:
        return None
    model = llm()
    if model is None:
        return None
    ans = await _loop(question, model, run, loop_steps, loop_seconds)
    logger.info("tool route: fallback loop via %d calls -> %r", len(run.calls), ans.short[:60])
    return _routed(run, ans, None, "loop", t0) if ans.sentences else None
