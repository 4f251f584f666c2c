"""What the front doors (``batch``, ``chat``) need from an agent, and how they build one.

Both commands talk to the agent only through :class:`AgentLike`, so tests can hand them a fake
(``tests/frontdoors/fakes.py``) by replacing the module-level ``agent_factory`` hook of
``biomedqa.batch`` or ``biomedqa.chat``. Nothing here loads a model at import time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Protocol, runtime_checkable

from biomedqa.settings import AgentSettings, Settings
from biomedqa.types import AgentEvent, Answer, Message

logger = logging.getLogger(__name__)


@runtime_checkable
class AgentLike(Protocol):
    """The part of :class:`biomedqa.Agent` that the batch runner and the chat REPL use."""

    settings: Settings

    async def aask(
        self, question: str, *, options: Mapping[str, str] | None = None, history: Sequence[Message] | None = None
    ) -> Answer:
        """Answer one question."""
        ...

    def astream(
        self, question: str, *, options: Mapping[str, str] | None = None, history: Sequence[Message] | None = None
    ) -> AsyncIterator[AgentEvent]:
        """Yield ``AgentEvent`` objects: nodes, tokens, then one ``kind="answer"`` event."""
        ...

    def close(self) -> None:
        """Free the model and clients."""
        ...


def default_agent_factory(settings: Settings) -> AgentLike:
    """Build the real agent (imported lazily: the graph and model load only when used).

    Args:
        settings: The settings the agent runs with.

    Returns:
        A ``biomedqa.Agent``.
    """
    from biomedqa.api import Agent

    logger.debug("building Agent (preset %s, model %s)", settings.preset, settings.llm.model)
    agent: AgentLike = Agent(settings)
    return agent


def close_agent(agent: AgentLike | None) -> None:
    """Close an agent, logging (not raising) a failure: closing is best effort."""
    if agent is None:
        return
    try:
        agent.close()
    except Exception:  # closing must never hide the real outcome
        logger.debug("closing the agent failed", exc_info=True)


def max_question_chars(agent: AgentLike) -> int:
    """The agent's question length limit (``settings.agent.max_question_chars``)."""
    settings = getattr(agent, "settings", None)
    try:
        return int(settings.agent.max_question_chars)  # type: ignore[union-attr]
    except AttributeError:
        return AgentSettings().max_question_chars
