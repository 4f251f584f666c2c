"""A prompt-keyed journal of model calls, so SQL eval runs resume and ablations reuse drafts.

``CachedChatModel`` wraps a ChatModel: each call is keyed on (messages, schema, temperature,
max_tokens); a hit returns the recorded reply without running the model, a miss runs it and
appends the reply and its seconds to the journal at once (a killed run loses nothing). The
recorded seconds let a replayed configuration report what its calls cost when they ran.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel
from typing_extensions import Unpack

from biomedqa.interfaces import ChatModel, GenOptions
from biomedqa.llm import parse_model
from biomedqa.types import Message

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


def call_key(kind: str, messages: Sequence[Message], **extra: Any) -> str:
    """A stable hash of one call."""
    body = json.dumps({"kind": kind, "messages": [[m.role, m.content] for m in messages], **extra}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:32]


class CachedChatModel:
    """A ChatModel that replays recorded calls and records new ones (``offline``: misses fail)."""

    def __init__(self, inner: ChatModel | None, journal: Path, *, offline: bool = False) -> None:
        self.inner = inner
        self.journal = Path(journal)
        self.offline = offline or inner is None
        self.name = f"cached:{inner.name if inner is not None else 'offline'}"
        self.entries: dict[str, dict[str, Any]] = {}
        self.hits = self.misses = 0
        self.model_seconds = 0.0  # recorded seconds of every call served (hit or miss)
        if self.journal.exists():
            for line in self.journal.read_text().splitlines():
                if line.strip():
                    e = json.loads(line)
                    self.entries[e["key"]] = e

    def _record(self, key: str, value: Any, seconds: float) -> None:
        entry = {"key": key, "value": value, "seconds": round(seconds, 3)}
        self.entries[key] = entry
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        with self.journal.open("a") as f:
            f.write(json.dumps(entry) + "\n")

    async def _cached(self, key: str, run: Any) -> Any:
        if key in self.entries:
            self.hits += 1
            self.model_seconds += float(self.entries[key]["seconds"])
            return self.entries[key]["value"]
        if self.offline or self.inner is None:
            raise LookupError(f"no recorded model call for key {key} (offline replay)")
        self.misses += 1
        t0 = time.perf_counter()
        value = await run()
        seconds = time.perf_counter() - t0
        self.model_seconds += seconds
        self._record(key, value, seconds)
        return value

    async def complete(self, messages: Sequence[Message], *, schema: type[M] | None = None,
                       **gen: Unpack[GenOptions]) -> Any:
        stop = gen.get("stop")
        key = call_key("complete", messages, schema=schema.__name__ if schema else None,
                       max_tokens=gen.get("max_tokens"), temperature=gen.get("temperature"),
                       stop=list(stop) if stop else None)

        async def run() -> str:
            assert self.inner is not None
            out = await self.inner.complete(messages, schema=schema, **gen)
            return out.model_dump_json() if isinstance(out, BaseModel) else str(out)

        text = await self._cached(key, run)
        return parse_model(schema, text) if schema is not None else text

    async def reply_logprob(self, messages: list[Message], reply: str) -> float:
        key = call_key("reply_logprob", messages, reply=reply)

        async def run() -> float:
            scorer = getattr(self.inner, "reply_logprob", None)
            return float(await scorer(messages, reply)) if scorer is not None else -1.0

        return float(await self._cached(key, run))

    async def logprob_choices(self, messages: Sequence[Message], choices: Sequence[str], *,
                              answer_prefix: str = "") -> dict[str, float]:
        key = call_key("logprob_choices", messages, choices=list(choices), answer_prefix=answer_prefix)

        async def run() -> dict[str, float]:
            assert self.inner is not None
            return await self.inner.logprob_choices(messages, choices, answer_prefix=answer_prefix)

        return dict(await self._cached(key, run))

    async def stream(self, messages: Sequence[Message], **gen: Unpack[GenOptions]) -> AsyncIterator[str]:
        yield await self.complete(messages, **gen)
