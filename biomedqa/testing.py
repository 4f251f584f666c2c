"""Deterministic fakes behind the seams, for tests and offline plumbing runs.

``ScriptedChatModel`` answers from a dict of ``{prompt substring: reply}`` (first match wins,
checked in insertion order); ``HashEmbedder`` maps texts to stable unit vectors; ``ListRetriever``
searches an in-memory list; ``ManualClock`` is a rate limiter's clock that never really sleeps.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from biomedqa.eval.keyed_model import KeyedChatModel, Reply
from biomedqa.types import Message, Passage


class ScriptedChatModel(KeyedChatModel):
    """A ChatModel whose replies are scripted by prompt substring.

    A reply may be a string or a function of the whole prompt. ``default`` answers prompts that
    match nothing; leave it None to make an unmatched prompt fail the test loudly.
    """

    def __init__(self, replies: dict[str, Reply] | None = None, default: Reply | None = None, name: str = "scripted",
                 reply_logprobs: dict[str, float] | None = None):
        super().__init__(replies, default, name)
        self.reply_logprobs = dict(reply_logprobs or {})

    def unmatched(self, prompt: str) -> str:
        raise AssertionError(f"ScriptedChatModel: no scripted reply for prompt: {prompt[-300:]!r}")

    async def reply_logprob(self, messages: Sequence[Message], reply: str) -> float:
        """Scripted likelihood: the score of the first ``reply_logprobs`` key found in the reply, else -1."""
        return next((v for key, v in self.reply_logprobs.items() if key in reply), -1.0)


class HashEmbedder:
    """Bag-of-words hashing embedder: similar word sets give similar vectors. Deterministic."""

    def __init__(self, dim: int = 64, name: str = "hash-64"):
        self.dim = dim
        self.name = name

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"[a-z0-9]+", t.lower()):
                h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
            n = np.linalg.norm(out[i])
            out[i] = out[i] / n if n else out[i]
        return out


class ListRetriever:
    """A Retriever over an in-memory passage list, scored by word overlap. For tests."""

    def __init__(self, passages: Sequence[Passage], name: str = "list"):
        self.passages = list(passages)
        self.name = name

    def search(self, query: str, k: int) -> list[Passage]:
        q = set(re.findall(r"[a-z0-9]+", query.lower()))
        scored = [
            (len(q & set(re.findall(r"[a-z0-9]+", (p.title + " " + p.text).lower()))), i, p)
            for i, p in enumerate(self.passages)
        ]
        scored.sort(key=lambda x: (-x[0], x[1]))
        return [p.with_score(float(s), "bm25") for s, _, p in scored[:k] if s > 0]

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Passage]]:
        return [self.search(q, k) for q in queries]

    def search_expanded(self, query: str, expansions: Sequence[str], k: int) -> list[Passage]:
        return self.search(query, k)


class ManualClock:
    """A fake clock for tests: ``sleep`` advances ``now`` instantly and records each wait."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
