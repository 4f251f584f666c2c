"""What the front doors (``ask``, ``batch``, ``chat``) need from an agent, and the one place they build it.

The commands talk to the agent only through :class:`AgentLike` and build it with
:func:`make_agent`, which calls the current agent factory: the real ``Agent`` unless a caller
(a test, an embedding application) installs another with :func:`use_agent_factory`:

    with use_agent_factory(lambda settings: FakeAgent(settings)):
        CliRunner().invoke(cli, ["batch", "q.csv", "--out", "a.csv"])

Nothing here loads a model at import time.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Protocol, runtime_checkable

from typing_extensions import Unpack

from biomedqa.settings import AgentSettings, Settings
from biomedqa.types import AgentEvent, Answer, AskOptions

logger = logging.getLogger(__name__)


@runtime_checkable
class AgentLike(Protocol):
    """The part of :class:`biomedqa.Agent` that ``ask``, the batch runner and the chat REPL use."""

    settings: Settings

    async def aask(self, question: str, **kw: Unpack[AskOptions]) -> Answer:
        """Answer one question."""
        ...

    def astream(self, question: str, **kw: Unpack[AskOptions]) -> AsyncIterator[AgentEvent]:
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


AgentFactory = Callable[[Settings], AgentLike]
_factory: AgentFactory = default_agent_factory


def make_agent(settings: Settings) -> AgentLike:
    """Build the agent a command runs with, through the current factory (see :func:`use_agent_factory`)."""
    return _factory(settings)


@contextlib.contextmanager
def use_agent_factory(factory: AgentFactory) -> Iterator[AgentFactory]:
    """Make every front door build its agent with ``factory`` while the block runs.

    Args:
        factory: ``Settings -> AgentLike`` (a test fake, or an ``Agent`` over injected ``Deps``).

    Yields:
        The factory, now in use; the previous one is restored on exit.
    """
    global _factory
    previous, _factory = _factory, factory
    try:
        yield factory
    finally:
        _factory = previous


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
