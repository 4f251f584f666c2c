"""Short tests of the real bundled GGUF model (SmolLM2-135M: ~100 MB, fast)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from biomedqa.types import Message

pytestmark = pytest.mark.llm


class YesNo(BaseModel):
    answer: bool


async def test_constrained_json_is_valid(real_llm) -> None:
    msgs = [Message(role="user", content="Is water wet? Reply in JSON.")]
    out = await real_llm.complete(msgs, schema=YesNo, max_tokens=16)
    assert isinstance(out, YesNo)


async def test_stream_and_logprobs(real_llm) -> None:
    msgs = [Message(role="user", content="Question: 2+2=?\nA. 4\nB. 7\nAnswer: the correct option is")]
    pieces = [p async for p in real_llm.stream(msgs, max_tokens=8)]
    assert pieces and all(isinstance(p, str) for p in pieces)
    scores = await real_llm.logprob_choices(msgs, ["A", "B"])
    assert set(scores) == {"A", "B"} and all(v < 0 for v in scores.values())
    assert real_llm.last_perf.get("prompt_tokens", 0) >= 1
