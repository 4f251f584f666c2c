"""Deterministic fakes behind the seams, for tests and offline plumbing runs.

``ScriptedChatModel`` answers from a dict of ``{prompt substring: reply}`` (first match wins,
checked in insertion order); ``HashEmbedder`` maps texts to stable unit vectors.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from biomedqa.llm import parse_model
from biomedqa.types import Message, Passage

M = TypeVar("M", bound=BaseModel)
Reply = str | Callable[[str], str]


class ScriptedChatModel:
    """A ChatModel whose replies are scripted by prompt substring.

    A reply may be a string or a function of the whole prompt. ``default`` answers prompts that
    match nothing; leave it None to make an unmatched prompt fail the test loudly.
    """

    def __init__(self, replies: dict[str, Reply] | None = None, default: Reply | None = None, name: str = "scripted"):
        self.replies: dict[str, Reply] = dict(replies or {})
        self.default = default
        self.name = name
        self.calls: list[dict[str, Any]] = []

    def _reply(self, messages: Sequence[Message]) -> str:
        prompt = "\n".join(m.content for m in messages)
        reply = next((r for key, r in self.replies.items() if key in prompt), self.default)
        if reply is None:
            raise AssertionError(f"ScriptedChatModel: no scripted reply for prompt: {prompt[-300:]!r}")
        text = reply(prompt) if callable(reply) else reply
        self.calls.append({"prompt": prompt, "reply": text})
        return text

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: type[M] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Any:
        text = self._reply(messages)
        return parse_model(schema, text) if schema is not None else text

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> AsyncIterator[str]:
        for piece in re.findall(r"\S+\s*", self._reply(messages)):
            yield piece

    async def logprob_choices(
        self, messages: Sequence[Message], choices: Sequence[str], *, answer_prefix: str = ""
    ) -> dict[str, float]:
        text = self._reply(messages).strip()
        return {c: (0.0 if text.startswith(c) else -10.0) for c in choices}


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


def json_reply(obj: Any) -> str:
    return json.dumps(obj)
