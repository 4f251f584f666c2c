"""Seams: one Protocol per external dependency. Real implementations and test fakes both fit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload, runtime_checkable

import numpy as np
from pydantic import BaseModel
from typing_extensions import TypedDict, Unpack

from biomedqa.types import Message, Passage, ToolAnswer, ToolCall

if TYPE_CHECKING:
    from biomedqa.tools.sql.models import SqlAnswer

M = TypeVar("M", bound=BaseModel)


class GenOptions(TypedDict, total=False):
    """Generation knobs every chat model takes as keywords; unset means the model's settings."""

    max_tokens: int | None
    temperature: float | None
    stop: Sequence[str] | None


@runtime_checkable
class ChatModel(Protocol):
    """A chat LLM. ``schema`` asks for JSON constrained to that pydantic model and returns it parsed."""

    name: str
    last_perf: dict[str, float]
    """llama.cpp-style counters of the last call (``prompt_tokens``, ``prompt_s``, ...); {} when unknown."""

    @overload
    async def complete(self, messages: Sequence[Message], *, schema: None = None, **gen: Unpack[GenOptions]) -> str:
        ...

    @overload
    async def complete(self, messages: Sequence[Message], *, schema: type[M], **gen: Unpack[GenOptions]) -> M: ...

    async def complete(
        self, messages: Sequence[Message], *, schema: type[M] | None = None, **gen: Unpack[GenOptions]
    ) -> str | M: ...

    def stream(self, messages: Sequence[Message], **gen: Unpack[GenOptions]) -> AsyncIterator[str]:
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

    def search_expanded(self, query: str, expansions: Sequence[str], k: int) -> list[Passage]:
        """Search helped by hypothetical documents (HyDE); plain search when ``expansions`` is empty."""
        ...


@runtime_checkable
class QueryExpander(Protocol):
    """Question → hypothetical documents to search with (HyDE). Real: ``HyDEExpander``."""

    async def expand(self, question: str, n: int | None = None) -> list[str]: ...


@runtime_checkable
class EutilsTools(Protocol):
    """NCBI E-utilities for the agent. Real: ``EutilsToolbox``; replay: ``ReplayToolbox``."""

    async def answer_question(self, question: str, llm: ChatModel | None) -> ToolAnswer:
        """A gene/SNP/disease/sequence question answered with NCBI calls (their records as evidence)."""
        ...

    async def pubmed_passages(self, query: str, k: int) -> list[Passage]:
        """PubMed search + fetch: the top ``k`` abstracts as literature passages."""
        ...

    async def call(self, name: str, args: dict[str, Any]) -> ToolCall:
        """Run one named tool; failures come back as ``ok=False``, never raised."""
        ...

    def passages(self, call: ToolCall) -> list[Passage]:
        """Citable records of a successful call."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class SqlBackend(Protocol):
    """Question → guarded read-only SQL, its rows and an answer. Real: ``SqlTool``; replay: ``ReplaySql``."""

    async def ask(self, question: str) -> SqlAnswer: ...


@runtime_checkable
class Closeable(Protocol):
    """Anything holding a resource (model weights, HTTP clients, connections) to free at the end."""

    def close(self) -> None: ...
