"""A chat model that answers from replies keyed by prompt substring, for evaluation harnesses.

The SQL refusal suite uses it as a fully compromised model (every reply is the attacker's SQL);
the SQL runner uses it to replay drafts recorded in an earlier run. Tests script it through
:class:`biomedqa.testing.ScriptedChatModel`, which fails loudly on an unscripted prompt.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from typing_extensions import Unpack

from biomedqa.errors import LLMError
from biomedqa.interfaces import GenOptions
from biomedqa.llm import parse_model
from biomedqa.types import Message

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
Reply = str | Callable[[str], str]


class KeyedChatModel:
    """A ChatModel whose reply is the first ``{prompt substring: reply}`` entry found in the prompt.

    Args:
        replies: substring → reply, checked in insertion order; a reply may be a function of the prompt.
        default: the reply when no key matches; None makes an unmatched prompt an error.
        name: the model name recorded in traces and cache keys.
    """

    def __init__(self, replies: dict[str, Reply] | None = None, default: Reply | None = None, name: str = "keyed"):
        self.replies: dict[str, Reply] = dict(replies or {})
        self.default = default
        self.name = name
        self.calls: list[dict[str, Any]] = []
        self.last_perf: dict[str, float] = {}

    def unmatched(self, prompt: str) -> str:
        """Called when no key matches and there is no default."""
        raise LLMError(f"{self.name}: no reply for prompt ending {prompt[-120:]!r}")

    def _reply(self, messages: Sequence[Message]) -> str:
        prompt = "\n".join(m.content for m in messages)
        reply = next((r for key, r in self.replies.items() if key in prompt), self.default)
        text = self.unmatched(prompt) if reply is None else reply(prompt) if callable(reply) else reply
        self.calls.append({"prompt": prompt, "reply": text})
        return text

    async def complete(
        self, messages: Sequence[Message], *, schema: type[M] | None = None, **gen: Unpack[GenOptions]
    ) -> Any:
        text = self._reply(messages)
        return parse_model(schema, text) if schema is not None else text

    async def stream(self, messages: Sequence[Message], **gen: Unpack[GenOptions]) -> AsyncIterator[str]:
        for piece in re.findall(r"\S+\s*", self._reply(messages)):
            yield piece

    async def logprob_choices(
        self, messages: Sequence[Message], choices: Sequence[str], *, answer_prefix: str = ""
    ) -> dict[str, float]:
        text = self._reply(messages).strip()
        return {c: (0.0 if text.startswith(c) else -10.0) for c in choices}
