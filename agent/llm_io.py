"""Calling the model from a node: timing, a trace event per call, and safe fallbacks."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from biomedqa.errors import LLMError
from biomedqa.interfaces import ChatModel
from biomedqa.types import Message, TraceEvent

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


def prompt_text(messages: Sequence[Message]) -> str:
    return "\n".join(f"{m.role}: {m.content}" for m in messages)


async def call_llm(
    llm: ChatModel, node: str, messages: Sequence[Message], *, schema: type[M] | None = None, **kw: Any
) -> tuple[Any, TraceEvent]:
    """Run one completion; returns (result or None on invalid output, trace event)."""
    t0 = time.perf_counter()
    result: Any = None
    error = None
    try:
        result = await llm.complete(messages, schema=schema, **kw)
    except LLMError as e:
        error = str(e)
        logger.info("%s: model output rejected (%s)", node, error[:120])
    dt = time.perf_counter() - t0
    reply = result.model_dump_json() if isinstance(result, BaseModel) else (result or "")
    ev = TraceEvent(
        kind="llm",
        name=node,
        seconds=dt,
        data={
            "prompt": prompt_text(messages),
            "reply": reply,
            "error": error,
            "schema": schema.__name__ if schema else None,
            "perf": dict(getattr(llm, "last_perf", {})),
        },
    )
    return result, ev


async def score_choices(
    llm: ChatModel, node: str, messages: Sequence[Message], choices: Sequence[str], answer_prefix: str = ""
) -> tuple[dict[str, float], TraceEvent]:
    """Log-probabilities of each option letter as the next token of the reply (after ``answer_prefix``)."""
    t0 = time.perf_counter()
    scores = await llm.logprob_choices(messages, choices, answer_prefix=answer_prefix)
    ev = TraceEvent(
        kind="llm",
        name=node,
        seconds=time.perf_counter() - t0,
        data={
            "prompt": prompt_text(messages),
            "reply": max(scores, key=scores.__getitem__),
            "scores": scores,
            "answer_prefix": answer_prefix,
            "schema": "logprobs",
            "perf": dict(getattr(llm, "last_perf", {})),
        },
    )
    return scores, ev


def node_event(name: str, t0: float, summary: str, **data: Any) -> TraceEvent:
    logger.info("%s: %s", name, summary)
    return TraceEvent(kind="node", name=name, seconds=time.perf_counter() - t0, data={"summary": summary, **data})
