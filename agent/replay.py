"""Replay a saved trace offline: the model, the retriever and the tools answer from the recording."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from biomedqa.agent.llm_io import prompt_text
from biomedqa.deps import Deps
from biomedqa.errors import InputError
from biomedqa.interfaces import ChatModel
from biomedqa.llm import parse_model
from biomedqa.settings import Settings
from biomedqa.tools.eutils.results import passages_of
from biomedqa.tools.sql.models import SqlAnswer
from biomedqa.types import Message, Passage, ToolAnswer, ToolCall, Trace

M = TypeVar("M", bound=BaseModel)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class ReplayChatModel:
    """Serves the recorded reply for each prompt (exact match on the rendered prompt)."""

    def __init__(self, trace: Trace, name: str = "replay"):
        self.name = name
        self.last_perf: dict[str, float] = {}
        self.replies: dict[str, list[dict[str, Any]]] = {}
        for ev in trace.of_kind("llm"):
            self.replies.setdefault(_key(ev.data.get("prompt", "")), []).append(ev.data)

    def _next(self, messages: Sequence[Message]) -> dict[str, Any]:
        got = self.replies.get(_key(prompt_text(messages)))
        if not got:
            raise InputError(
                "the replayed run asked the model something the trace does not hold.",
                hint="The code or settings changed since the trace was saved; re-record it.",
            )
        return got.pop(0) if len(got) > 1 else got[0]

    async def complete(self, messages: Sequence[Message], *, schema: type[M] | None = None, **_: Any) -> Any:
        reply = self._next(messages)["reply"]
        return parse_model(schema, reply) if schema is not None else reply

    async def stream(self, messages: Sequence[Message], **_: Any) -> AsyncIterator[str]:
        for piece in re.findall(r"\S+\s*", self._next(messages)["reply"]):
            yield piece

    async def logprob_choices(self, messages: Sequence[Message], choices: Sequence[str], **_: Any) -> dict[str, float]:
        return {c: float(v) for c, v in self._next(messages)["scores"].items() if c in choices}


class ReplayRetriever:
    """Returns the passages each query retrieved in the recorded run."""

    name = "replay"

    def __init__(self, trace: Trace):
        run = next((e for e in trace.events if e.kind == "run" and e.name == "passages"), None)
        self.passages = {p["doc_id"]: Passage(**p) for p in (run.data["passages"] if run else [])}
        self.hits: dict[str, list[str]] = {}
        for ev in trace.events:
            if ev.kind == "node" and ev.name == "retrieve":
                self.hits.update(ev.data.get("hits", {}))

    def search(self, query: str, k: int) -> list[Passage]:
        return [self.passages[d] for d in self.hits.get(query, [])[:k] if d in self.passages]

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Passage]]:
        return [self.search(q, k) for q in queries]

    def search_expanded(self, query: str, expansions: Sequence[str], k: int) -> list[Passage]:
        return self.search(query, k)


def _call_key(name: str, args: dict[str, Any]) -> str:
    return json.dumps([name, args], sort_keys=True, default=str)


class ReplayToolbox:
    """Serves the recorded E-utilities chain result for the question (an ``EutilsTools``)."""

    def __init__(self, trace: Trace):
        ev = next((e for e in trace.events if e.kind == "node" and e.name == "call_tools"), None)
        self.recorded = (
            ToolAnswer(
                answer=ev.data.get("tool_answer", ""),
                tool_calls=ev.data.get("calls", []),
                passages=ev.data.get("passages", []),
            )
            if ev
            else ToolAnswer()
        )

        self.calls: dict[str, list[ToolCall]] = {}
        routed = next((e for e in trace.events if e.kind == "node" and e.name == "answer_tools"), None)
        for c in (routed.data.get("calls", []) if routed else []):
            call = ToolCall.model_validate(c)
            self.calls.setdefault(_call_key(call.tool, call.args), []).append(call)

    async def answer_question(self, question: str, llm: ChatModel | None) -> ToolAnswer:
        return self.recorded

    async def call(self, name: str, args: dict[str, Any]) -> ToolCall:
        """The recorded call with this tool and these arguments (in recorded order)."""
        got = self.calls.get(_call_key(name, args))
        if not got:
            return ToolCall(tool=name, args=args, ok=False, error="this call is not in the trace")
        return got.pop(0) if len(got) > 1 else got[0]

    def passages(self, call: ToolCall) -> list[Passage]:
        return passages_of(call)

    async def pubmed_passages(self, query: str, k: int) -> list[Passage]:
        raise InputError(
            "the trace holds no live PubMed search to replay.", hint="Replay a run made with a local index."
        )

    def close(self) -> None:
        """Nothing to close: no client was opened."""


class ReplaySql:
    """Serves the recorded SQL answer (a ``SqlBackend``)."""

    def __init__(self, trace: Trace):
        ev = next((e for e in trace.events if e.kind == "node" and e.name == "query_sql" and "result" in e.data), None)
        self.data = dict(ev.data["result"]) if ev else None

    async def ask(self, question: str) -> SqlAnswer:
        if self.data is None:
            raise InputError("the trace holds no SQL result to replay.")
        return SqlAnswer.model_validate(self.data)


def load_trace(path: Path) -> Trace:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise InputError(f"cannot read trace {path}: {e}.", hint="Save one with: biomedqa ask ... --trace FILE") from e
    return Trace.model_validate(data.get("trace", data))


def replay_deps(trace: Trace, settings: Settings) -> Deps:
    """Dependencies that reproduce a recorded run offline."""
    return Deps(
        settings,
        llm=ReplayChatModel(trace),
        retriever=ReplayRetriever(trace),
        eutils=ReplayToolbox(trace),
        sql=ReplaySql(trace) if settings.sql.url else None,
    )
