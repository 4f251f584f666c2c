"""The Python API: ``Agent`` (ask / aask / stream / batch) and the ``ask`` shortcut.

``aask`` is the core; everything else wraps it. The CLI mirrors these calls.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from typing_extensions import Unpack

from biomedqa.deps import Deps
from biomedqa.errors import InputError, NoEvidenceError
from biomedqa.settings import MaybeSettings, get_settings
from biomedqa.types import AgentEvent, Answer, AnswerFormat, AskOptions, LiteratureSource, Message, Trace

logger = logging.getLogger(__name__)
T = TypeVar("T")


def run_sync(coro: Any) -> Any:
    """Run a coroutine from sync code, also when an event loop is already running (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as e:  # re-raised in the caller's thread
            box["error"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _timings(trace: Trace, total: float) -> dict[str, float]:
    out: dict[str, float] = {"total": round(total, 3)}
    for ev in trace.events:
        if ev.kind == "node":
            out[ev.name] = round(out.get(ev.name, 0.0) + ev.seconds, 3)
        elif ev.kind == "llm":
            perf = ev.data.get("perf") or {}
            out["llm"] = round(out.get("llm", 0.0) + ev.seconds, 3)
            out["llm_prompt"] = round(out.get("llm_prompt", 0.0) + perf.get("prompt_s", 0.0), 3)
            out["llm_generation"] = round(out.get("llm_generation", 0.0) + perf.get("gen_s", 0.0), 3)
    out["retrieval"] = out.get("retrieve", 0.0)
    return out


def _no_literature(state: Mapping[str, Any]) -> LiteratureSource:
    """What the answer says when retrieval never ran (tool-only questions, plans without retrieval)."""
    tools = [c for c in state.get("tool_calls", []) if c.ok]
    how = "answered from NCBI records alone" if any(c.tool != "sql" for c in tools) else \
        "answered from the database alone" if tools else "the plan needed none"
    return LiteratureSource(kind="none", label=f"No literature searched: {how}.")


class Agent:
    """A biomedical QA agent over local models, indexes and tools.

    Example:
        >>> with Agent("fast") as agent:                       # doctest: +SKIP
        ...     answer = agent.ask("Is CFTR the gene mutated in cystic fibrosis?")
        ...     print(answer.text, answer.pmids)

    Raises:
        ConfigError: settings no run can use, found at construction (a replay set that cannot be loaded).
    """

    def __init__(self, settings: MaybeSettings = None, *, deps: Deps | None = None) -> None:
        from biomedqa.agent.graph import build_graph

        self.settings = deps.settings if deps is not None else get_settings(settings)
        self.deps = deps if deps is not None else Deps(self.settings)
        self.deps.check()  # an unloadable replay set is one ConfigError here, not a miss on every request
        self.graph = build_graph()

    # -- validation ----------------------------------------------------------------------
    def _initial_state(
        self,
        question: str,
        options: Mapping[str, str] | None,
        format: AnswerFormat | None,
        history: Sequence[Message] | None,
    ) -> dict[str, Any]:
        q = (question or "").strip()
        if not q:
            raise InputError(
                "the question is empty.", hint='Ask something, e.g. biomedqa ask "Does metformin lower HbA1c?"'
            )
        limit = self.settings.agent.max_question_chars
        if len(q) > limit:
            raise InputError(
                f"the question has {len(q)} characters (limit {limit}).",
                hint="Shorten it, or raise agent.max_question_chars.",
            )
        opts = {str(k).strip(): str(v).strip() for k, v in (options or {}).items() if str(v).strip()}
        fmt: AnswerFormat = format or ("choice" if opts else "free")
        return {"question": q, "options": opts, "format": fmt, "history": list(history or []), "events": []}

    # -- core ----------------------------------------------------------------------------
    async def astream(
self, question: str, **kw: Unpack[AskOptions]) -> AsyncIterator[AgentEvent]:
        """Yield node events and answer tokens as they happen, then one ``answer`` event."""
        state = self._initial_state(question, kw.get("options"), kw.get("format"), kw.get("history"))
        _ = self.deps.llm  # resolve the model first: a bad model name is reported before any search runs
        t0 = time.perf_counter()
        final: dict[str, Any] = dict(state)
        async for mode, chunk in self.graph.astream(
            state, context=self.deps, stream_mode=["updates", "custom", "values"]
        ):
            if mode == "custom" and isinstance(chunk, dict) and "token" in chunk:
                yield AgentEvent(kind="token", text=chunk["token"])
            elif mode == "updates":
                for node, update in (chunk or {}).items():
                    evs = [e for e in (update or {}).get("events", []) if e.kind == "node"]
                    summary = evs[-1].data.get("summary", "") if evs else ""
                    yield AgentEvent(kind="node", name=node, text=summary)
            elif mode == "values":
                final = chunk
        if self.settings.agent.require_evidence and not final.get("evidence"):
            raise NoEvidenceError(
                "retrieval and tools found no evidence for this question.",
                hint="Rephrase it, choose another index (retrieval.index), or set agent.require_evidence=false.",
            )
        yield AgentEvent(kind="answer", answer=self._answer(final, time.perf_counter() - t0))

    def _answer(self, state: Mapping[str, Any], seconds: float) -> Answer:
        trace = Trace(
            question=state["question"], settings=self.settings.snapshot(), events=list(state.get("events", []))
        )
        trace.add(
            "run",
            "inputs",
            options=state.get("options", {}),
            format=state.get("format", "free"),
            history=[m.model_dump() for m in state.get("history", [])],
        )
        trace.add("run", "passages", passages=[p.model_dump(mode="json") for p in state.get("passages", [])])
        from biomedqa.agent.state import Final

        fin: Final = state.get("final") or Final(text="")
        sql_calls = [c for c in state.get("tool_calls", []) if c.tool == "sql" and c.ok]
        return Answer(
            question=state["question"],
            text=fin.text,
            format=state.get("format", "free"),
            choice=fin.choice,
            scores=fin.scores,
            probs=fin.probs,
            calibration=fin.calibration,
            view_scores=fin.view_scores,
            exact=fin.exact,
            citations=fin.citations,
            evidence=list(state.get("evidence", [])),
            support=fin.support,
            grounded=fin.grounded,
            sql=(sql_calls[-1].result or {}).get("sql") if sql_calls else None,
            tool_calls=list(state.get("tool_calls", [])),
            searched=state.get("searched") or _no_literature(state),
            timings=_timings(trace, seconds),
            trace=trace,
        )

    async def aask(
self, question: str, **kw: Unpack[AskOptions]) -> Answer:
        """Answer one question (async)."""
        async for ev in self.astream(question, **kw):
            if ev.kind == "answer" and ev.answer is not None:
                return ev.answer
        raise RuntimeError("graph finished without an answer")  # pragma: no cover - graph always finalizes

    def ask(
self, question: str, **kw: Unpack[AskOptions]) -> Answer:
        """Answer one question."""
        return run_sync(self.aask(question, **kw))  # type: ignore[no-any-return]

    def stream(
self, question: str, **kw: Unpack[AskOptions]) -> Iterator[AgentEvent]:
        """Sync iterator over ``astream`` events (runs the graph in a worker thread)."""
        import queue

        q: queue.Queue[AgentEvent | BaseException | None] = queue.Queue()

        async def pump() -> None:
            try:
                async for ev in self.astream(question, **kw):
                    q.put(ev)
            except BaseException as e:
                q.put(e)
            finally:
                q.put(None)

        threading.Thread(target=lambda: asyncio.run(pump()), daemon=True).start()
        while (item := q.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    async def abatch(self, questions: Sequence[str], *, concurrency: int = 1) -> list[Answer]:
        """Answer many questions, at most ``concurrency`` at once; results in input order."""
        sem = asyncio.Semaphore(max(1, concurrency))

        async def one(q: str) -> Answer:
            async with sem:
                return await self.aask(q)

        return list(await asyncio.gather(*(one(q) for q in questions)))

    def batch(self, questions: Sequence[str], *, concurrency: int = 1) -> list[Answer]:
        return run_sync(self.abatch(questions, concurrency=concurrency))  # type: ignore[no-any-return]

    # -- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        """Free the model and close clients."""
        self.deps.close()

    def __enter__(self) -> Agent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def ask(question: str, settings: MaybeSettings = None, **kwargs: Any) -> Answer:
    """One-shot: build an agent, answer, free the model."""
    with Agent(settings) as agent:
        return agent.ask(question, **kwargs)
