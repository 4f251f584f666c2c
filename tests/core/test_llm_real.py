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


async def test_logprobs_after_an_answer_prefix_reuse_the_prompt_cache(real_llm) -> None:
    msgs = [Message(role="user", content="Question: Is the heart a muscle?\nA. yes\nB. no")]
    first = await real_llm.logprob_choices(msgs, ["A", "B"], answer_prefix="The correct option is")
    n_first = real_llm.last_perf["prompt_tokens"]
    assert n_first > 10 and real_llm.last_perf["prompt_s"] > 0
    second = await real_llm.logprob_choices(msgs, ["A", "B"], answer_prefix="Answer:")
    # Only the differing tail is evaluated; the conversation itself comes from the KV cache.
    assert real_llm.last_perf["prompt_tokens"] < 6 and real_llm.last_perf["reused_tokens"] > n_first - 6
    assert set(first) == set(second) == {"A", "B"} and first != second


async def test_reply_logprob_prefers_the_likely_reply_and_keeps_the_cache_usable(real_llm) -> None:
    msgs = [Message(role="user", content="What is the capital of France? Reply with one word.")]
    good = await real_llm.reply_logprob(msgs, "Paris")
    bad = await real_llm.reply_logprob(msgs, "Spaceship potato")
    assert bad < good < 0
    assert isinstance(await real_llm.complete(msgs, max_tokens=4), str)
    assert await real_llm.reply_logprob(msgs, "Paris") == pytest.approx(good, abs=1e-3)
