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


def llm_event(llm: ChatModel, node: str, messages: Sequence[Message], reply: str, seconds: float,
              schema: str | None, **data: Any) -> TraceEvent:
    """The trace event of one model call: prompt, reply, schema and the model's perf counters."""
    return TraceEvent(
        kind="llm",
        name=node,
        seconds=seconds,
        data={"prompt": prompt_text(messages), "reply": reply, **data, "schema": schema,
              "perf": dict(llm.last_perf)},
    )


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
    ev = llm_event(llm, node, messages, reply, dt, schema.__name__ if schema else None, error=error)
    return result, ev


async def score_choices(
    llm: ChatModel, node: str, messages: Sequence[Message], choices: Sequence[str], answer_prefix: str = ""
) -> tuple[dict[str, float], TraceEvent]:
    """Log-probabilities of each option letter as the next token of the reply (after ``answer_prefix``)."""
    t0 = time.perf_counter()
    scores = await llm.logprob_choices(messages, choices, answer_prefix=answer_prefix)
    ev = llm_event(llm, node, messages, max(scores, key=scores.__getitem__), time.perf_counter() - t0, "logprobs",
                   scores=scores, answer_prefix=answer_prefix)
    return scores, ev


def node_event(name: str, t0: float, summary: str, **data: Any) -> TraceEvent:
    logger.info("%s: %s", name, summary)
    return TraceEvent(kind="node", name=name, seconds=time.perf_counter() - t0, data={"summary": summary, **data})
