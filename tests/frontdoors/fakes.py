"""A fake agent for the front-door tests: canned answers, optional delays, scripted failures.

It has the same surface as ``biomedqa.Agent`` (``ask``/``aask``/``stream``/``astream``, a context
manager, ``settings``) so ``batch`` and ``chat`` can be tested without the graph or a model.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from typing_extensions import Self

from biomedqa.settings import Settings
from biomedqa.types import AgentEvent, Answer, Citation, Message, Passage, SentenceSupport, Trace


def fake_pmid(question: str) -> str:
    """A stable, PMID-looking number derived from the question."""
    return str(10_000_000 + int(hashlib.sha1(question.encode()).hexdigest(), 16) % 9_000_000)


class FakeAgent:
    """Answers ``"Answer to: QUESTION"`` citing one PMID (``pmids[question]`` or a hash).

    Args:
        settings: Settings (default: built-in defaults).
        delay: Seconds to wait per question (``aask``), spread over the tokens when streaming.
        fail_on: Questions containing any of these substrings raise RuntimeError.
        pmids: Question → PMID to cite.
        slow_word: Questions containing it stream one token every ``slow_token_s`` seconds.
        calls_log: File to append each asked question to (one line), to count calls across processes.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        delay: float = 0.0,
        fail_on: tuple[str, ...] = (),
        pmids: dict[str, str] | None = None,
        slow_word: str = "slowly",
        slow_token_s: float = 0.4,
        calls_log: Path | None = None,
    ) -> None:
        self.settings = settings or Settings.model_validate({})
        self.delay = delay
        self.fail_on = fail_on
        self.pmids = pmids or {}
        self.slow_word = slow_word
        self.slow_token_s = slow_token_s
        self.calls_log = calls_log
        self.calls: list[dict[str, Any]] = []
        self.closed = False

    def _answer(self, question: str, history: list[Message] | None) -> Answer:
        pmid = self.pmids.get(question) or fake_pmid(question)
        text = f"Answer to: {question} [PMID:{pmid}] (history: {len(history or [])} messages)"
        passage = Passage(
            doc_id=pmid, pmid=pmid, title=f"Study {pmid}", text=f"Abstract of {pmid}.", score=0.91, source="bm25"
        )
        trace = Trace(question=question)
        trace.add("node", "retrieve", seconds=0.01, passages=1)
        trace.add("node", "generate", seconds=0.02, tokens=len(text.split()))
        return Answer(
            question=question,
            text=text,
            format="yesnomaybe",
            choice="yes",
            citations=[Citation(doc_id=pmid, pmid=pmid, title=f"Study {pmid}")],
            evidence=[passage],
            support=[SentenceSupport(sentence=text, doc_ids=[pmid], verdict="supported")],
            grounded=True,
            timings={"total": self.delay},
            trace=trace,
        )

    def _record(self, question: str, options: dict[str, str] | None, history: list[Message] | None) -> None:
        self.calls.append({"question": question, "options": options, "history": list(history or [])})
        if self.calls_log is not None:
            with open(self.calls_log, "a", encoding="utf-8") as f:
                f.write(question.replace("\n", " ") + "\n")
                f.flush()
                os.fsync(f.fileno())
        if any(bad in question for bad in self.fail_on):
            raise RuntimeError(f"scripted failure for {question[:40]!r}")

    async def aask(
        self,
        question: str,
        options: dict[str, str] | None = None,
        history: list[Message] | None = None,
        *,
        format: str | None = None,
    ) -> Answer:
        self._record(question, options, history)
        await asyncio.sleep(self.delay)
        return self._answer(question, history)

    def ask(self, question: str, options: dict[str, str] | None = None, history: list[Message] | None = None) -> Answer:
        return asyncio.run(self.aask(question, options, history))

    async def astream(
        self, question: str, options: dict[str, str] | None = None, history: list[Message] | None = None
    ) -> AsyncIterator[AgentEvent]:
        self._record(question, options, history)
        yield AgentEvent(kind="node", name="retrieve", text="retrieve: 1 passage")
        answer = self._answer(question, history)
        tokens = [w + " " for w in answer.text.split()]
        pause = self.slow_token_s if self.slow_word in question else self.delay / max(len(tokens), 1)
        for tok in tokens:
            await asyncio.sleep(pause)
            yield AgentEvent(kind="token", text=tok)
        yield AgentEvent(kind="answer", answer=answer)

    def stream(
        self, question: str, options: dict[str, str] | None = None, history: list[Message] | None = None
    ) -> Iterator[AgentEvent]:
        async def collect() -> list[AgentEvent]:
            return [ev async for ev in self.astream(question, options, history)]

        return iter(asyncio.run(collect()))

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
