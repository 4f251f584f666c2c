"""Seams: one Protocol per external dependency. Real implementations and test fakes both fit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol, TypeVar, overload, runtime_checkable

import numpy as np
from pydantic import BaseModel

from biomedqa.types import Message, Passage

M = TypeVar("M", bound=BaseModel)


@runtime_checkable
class ChatModel(Protocol):
    """A chat LLM. ``schema`` asks for JSON constrained to that pydantic model and returns it parsed."""

    name: str

    @overload
    async def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> str: ...

    @overload
    async def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: type[M],
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> M: ...

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: type[M] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> str | M: ...

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> AsyncIterator[str]:
        """Yield text pieces as they are generated."""
        ...

    async def logprob_choices(
        self, messages: Sequence[Message], choices: Sequence[str], *, answer_prefix: str = ""
    ) -> dict[str, float]:
        """Log-probability of each short continuation (e.g. option letters) after the prompt.

        ``answer_prefix`` starts the assistant's reply ("The answer is"), so the choices are scored
        where the model actually states its answer rather than at the first token of a free reply."""
        ...


@runtime_checkable
class Embedder(Protocol):
    """Texts → L2-normalised float32 matrix of shape (n, dim)."""

    name: str
    dim: int

    def __call__(self, texts: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class Retriever(Protocol):
    """Query → scored passages, best first."""

    name: str

    def search(self, query: str, k: int) -> list[Passage]: ...

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Passage]]: ...
