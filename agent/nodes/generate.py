"""generate: write the draft from graded evidence — free text with [n] references, or an option
chosen by the model's likelihood of each option letter plus a short cited rationale."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from langgraph.runtime import Runtime

from biomedqa.agent import prompts
from biomedqa.agent.calibration import argmax
from biomedqa.agent.citations import NO_ANSWER, name_lines, trailing_refs
from biomedqa.agent.llm_io import call_llm, llm_event, node_event, score_choices
from biomedqa.agent.state import AgentState, Draft, is_closed
from biomedqa.deps import Deps
from biomedqa.types import NAME_FORMATS, Message, TraceEvent

YESNO = {"yesno": {"A": "yes", "B": "no"}, "yesnomaybe": {"A": "yes", "B": "no", "C": "maybe"}}


def options_for(state: AgentState) -> dict[str, str]:
    fmt = state.get("format", "free")
    return dict(state.get("options") or YESNO.get(fmt, {}))


async def _stream_text(
    deps: Deps, runtime: Runtime[Deps], msgs: list[Message], max_tokens: int
) -> tuple[str, TraceEvent]:
    t0 = time.perf_counter()
    pieces: list[str] = []
    async for piece in deps.llm.stream(msgs, max_tokens=max_tokens):
        pieces.append(piece)
        runtime.stream_writer({"token": piece})
    text = "".join(pieces).strip()
    return text, llm_event(deps.llm, "generate", msgs, text, time.perf_counter() - t0, None)


async def _free(state: AgentState, deps: Deps, runtime: Runtime[Deps]) -> tuple[Draft, list[TraceEvent]]:
    evidence = state.get("evidence", [])
    if not evidence:
        return Draft(text=NO_ANSWER), []
    feedback = state.get("feedback", "")
    fmt = state.get("format", "free")
    block = prompts.evidence_block(evidence, deps.settings.agent.evidence_chars, question=state["question"])
    extra = f"\n{feedback}" if feedback else ""
    if fmt in NAME_FORMATS:
        what, them, how = prompts.NAMES_HOW[fmt]
        user = prompts.ANSWER_NAMES.format(
            evidence=block, question=state["question"], what=what, them=them, how=how, feedback=extra
        )
        text, ev = await _stream_text(deps, runtime, prompts.chat(user, state.get("history", [])), 96)
        return Draft(text=name_lines(text, 5 if fmt == "factoid" else 10) or NO_ANSWER), [ev]
    user = prompts.ANSWER_FREE.format(evidence=block, question=state["question"], feedback=extra)
    text, ev = await _stream_text(
        deps, runtime, prompts.chat(user, state.get("history", [])), deps.settings.llm.max_tokens
    )
    return Draft(text=trailing_refs(text) or NO_ANSWER), [ev]


def views_wanted(deps: Deps, options: dict[str, str], evidence: bool) -> list[str]:
    """The word views to score besides the letters prompt (agent.choice_views): only with evidence and
    one-word options; ``auto`` scores what the fitted calibration file reads, when fitted calibration applies."""
    how = deps.settings.agent.choice_views
    if how == "letters" or not evidence or not prompts.word_options(options):
        return []
    if how == "all":
        return list(prompts.WORD_VIEWS)
    if deps.settings.agent.calibration not in ("fitted", "auto"):
        return []
    fitted = deps.choices.fitted(deps.llm.name, options, evidence)
    return [v for v in (fitted.views if fitted else []) if v in prompts.WORD_VIEWS]


async def score_views(
    deps: Deps, views: list[str], question: str, options: dict[str, str], block: str
) -> tuple[dict[str, dict[str, float]], list[TraceEvent]]:
    """Each view's log-probability of each option word (either case), keyed by option letter. Every view
    shares the evidence prefix with the letters prompt, so llama.cpp evaluates only its last tokens."""
    out: dict[str, dict[str, float]] = {}
    events = []
    words = {k: v.strip().lower() for k, v in options.items()}
    spellings = [w for v in words.values() for w in (v, v.capitalize())]
    for view in views:
        raw, ev = await score_choices(
            deps.llm, f"choose:{view}", prompts.view_messages(view, question, options, block), spellings,
            answer_prefix=prompts.WORD_VIEWS[view][1],
        )
        out[view] = {k: float(np.logaddexp(raw[w], raw[w.capitalize()])) for k, w in words.items()}
        events.append(ev)
    return out, events


async def _closed(state: AgentState, deps: Deps, runtime: Runtime[Deps]) -> tuple[Draft, list[TraceEvent]]:
    options = options_for(state)
    evidence = state.get("evidence", [])
    block = prompts.evidence_block(evidence, deps.settings.agent.evidence_chars, question=state["question"])
    scores, ev = await score_choices(
        deps.llm,
        "choose",
        prompts.choice_messages(state["question"], options, block if evidence else None),
        list(options),
        answer_prefix=prompts.CHOICE_PREFIX,
    )
    views, view_events = await score_views(deps, views_wanted(deps, options, bool(evidence)), state["question"],
                                           options, block)
    t1 = time.perf_counter()
    decision = await deps.choices.decide(
        deps.settings.agent.calibration,
        deps.llm,
        options,
        scores,
        evidence=bool(evidence),
        prompt_for=lambda filler: prompts.content_free_messages(filler, options, bool(evidence)),
        answer_prefix=prompts.CHOICE_PREFIX,
        views=views,
    )
    choice = decision.choice
    events = [ev, *view_events, TraceEvent(kind="calibrate", name="calibrate", seconds=time.perf_counter() - t1,
                                           data={"method": decision.method, "raw": scores, "views": views,
                                                 "probs": decision.probs, "choice": choice,
                                                 "uncalibrated": argmax(scores)})]
    text = f"{choice}. {options[choice]}"
    if evidence and deps.settings.agent.reflect:
        ask = prompts.RATIONALE.format(
            evidence=block, question=state["question"], choice=f"{choice}. {options[choice]}"
        )
        rationale, ev2 = await call_llm(deps.llm, "rationale", prompts.chat(ask), max_tokens=96)
        events.append(ev2)
        if rationale:
            text = rationale.strip()
    runtime.stream_writer({"token": text})
    return Draft(text=text, choice=choice, scores=scores, probs=decision.probs, calibration=decision.method,
                 view_scores=views), events


async def generate(state: AgentState, runtime: Runtime[Deps]) -> dict[str, Any]:
    t0 = time.perf_counter()
    deps = runtime.context
    draft, events = await (_closed if is_closed(state) else _free)(state, deps, runtime)
    events.append(
        node_event(
            "generate", t0, f"draft of {len(draft.text)} chars" + (f", choice {draft.choice}" if draft.choice else "")
        )
    )
    return {"draft": draft, "events": events}
