"""The state of a chat: the agent (built lazily), the conversation, the last answer, and slash commands."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.text import Text

from biomedqa.cli.agent import AgentLike, close_agent
from biomedqa.cli.render import DraftView, render_answer, render_sources, render_trace
from biomedqa.errors import BiomedQAError
from biomedqa.history import record_answer
from biomedqa.indexes.check import check_index
from biomedqa.models import check_model as _check_model
from biomedqa.settings import Settings
from biomedqa.types import Answer, Message

logger = logging.getLogger(__name__)

MAX_HISTORY_MESSAGES = 12  # the last six question/answer turns go with a follow-up
HELP = """Ask a question, or use a command:
  /sources        evidence of the last answer, with scores
  /trace          summary of the last run's trace
  /save FILE      save the last answer and its trace as JSON
  /model NAME     switch the LLM (e.g. smollm2-135m)
  /index NAME     switch the retrieval index
  /reset          forget the conversation
  /help           this help
  /quit           leave (or Ctrl-D).  Ctrl-C stops an answer being written."""


def check_model(settings: Settings) -> None:
    """``/model NAME``: the model must be installed, an existing .gguf file, or an hf: reference."""
    _check_model(settings.llm.model, settings.cache_dir)


class ChatSession:
    """One conversation with an agent.

    Args:
        settings: Settings the agent is built with; ``/model`` and ``/index`` override them.
        factory: Builds the agent from settings (the real ``Agent`` or a test fake).
        console: Where answers and tables go.
    """

    def __init__(self, settings: Settings, factory: Callable[[Settings], AgentLike], console: Console) -> None:
        self.settings = settings
        self.factory = factory
        self.console = console
        self.agent: AgentLike | None = None
        self.history: list[Message] = []
        self.last: Answer | None = None

    def get_agent(self) -> AgentLike:
        """The agent, built on first use."""
        if self.agent is None:
            self.agent = self.factory(self.settings)
        return self.agent

    async def answer(self, question: str) -> Answer | None:
        """Stream an answer to the console; on success remember it and extend the history.

        Errors are printed as one line and the session goes on. Cancellation (Ctrl-C) propagates.
        """
        view = DraftView(self.console)
        answer: Answer | None = None
        try:
            agent = self.get_agent()
            async for ev in agent.astream(question, history=self.history[-MAX_HISTORY_MESSAGES:] or None):
                if ev.kind == "token":
                    view.token(ev.text)
                elif ev.kind == "node":
                    view.node(ev.text or ev.name)
                elif ev.kind == "error":
                    view.close(keep=True)
                    self.console.print(Text(f"Error: {ev.text}", style="red"))
                elif ev.kind == "answer":
                    answer = ev.answer
        except BiomedQAError as e:
            view.close(keep=True)
            self.console.print(Text(f"Error: {e}", style="red"))
            return None
        except Exception as e:  # a failed answer must not end the session
            logger.debug("answer failed", exc_info=True)
            view.close(keep=True)
            self.console.print(Text(f"Error: {type(e).__name__}: {e}", style="red"))
            return None
        except BaseException:  # Ctrl-C: show what was written so far, then let the REPL say so
            view.close(keep=True)
            raise
        view.close()
        if answer is None:
            self.console.print(Text("Error: the agent finished without an answer.", style="red"))
            return None
        render_answer(self.console, answer)
        record_answer(self.settings, answer, command="chat")
        self.last = answer
        self.history += [Message(role="user", content=question), Message(role="assistant", content=answer.text)]
        return answer

    def command(self, line: str) -> bool:
        """Run a slash command. Returns False when the session should end."""
        name, _, arg = line.strip().partition(" ")
        arg = arg.strip()
        name = name.lower()
        if name in ("/quit", "/exit", "/q"):
            return False
        handlers: dict[str, Callable[[str], None]] = {
            "/help": lambda _: self.console.print(HELP, markup=False, highlight=False),
            "/reset": self._reset,
            "/sources": self._sources,
            "/trace": self._trace,
            "/save": self._save,
            "/model": lambda a: self._override("llm.model", a),
            "/index": lambda a: self._override("retrieval.index", a),
        }
        handler = handlers.get(name)
        if handler is None:
            self.console.print(Text(f"Unknown command {name}. Type /help.", style="yellow"))
            return True
        try:
            handler(arg)
        except BiomedQAError as e:
            self.console.print(Text(f"Error: {e}", style="red"))
        return True

    def _need_answer(self) -> Answer | None:
        if self.last is None:
            self.console.print(Text("No answer yet: ask a question first.", style="yellow"))
        return self.last

    def _reset(self, _: str) -> None:
        self.history.clear()
        self.last = None
        self.console.print(Text("Conversation cleared.", style="dim"))

    def _sources(self, _: str) -> None:
        if (answer := self._need_answer()) is not None:
            render_sources(self.console, answer)

    def _trace(self, _: str) -> None:
        if (answer := self._need_answer()) is not None:
            render_trace(self.console, answer)

    def _save(self, arg: str) -> None:
        if not arg:
            self.console.print(Text("Usage: /save FILE", style="yellow"))
            return
        if (answer := self._need_answer()) is None:
            return
        path = Path(arg).expanduser()
        payload = {"answer": answer.to_public(with_trace=True), "history": [m.model_dump() for m in self.history]}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        except OSError as e:
            self.console.print(Text(f"Error: cannot write {path}: {e.strerror or e}", style="red"))
            return
        self.console.print(Text(f"Saved the last answer and its trace to {path}", style="green"))

    def _override(self, key: str, value: str) -> None:
        if not value:
            current = self.settings.llm.model if key == "llm.model" else self.settings.retrieval.index
            self.console.print(Text(f"{key} is {current}. Give a name to switch.", style="yellow"))
            return
        settings = self.settings.with_overrides({key: value})
        (check_model if key == "llm.model" else check_index)(settings)  # a bad name fails now, not at the next question
        self.settings = settings
        close_agent(self.agent)
        self.agent = None
        self.console.print(Text(f"{key} set to {value}; the agent reloads on the next question.", style="green"))

    def close(self) -> None:
        """Free the agent."""
        close_agent(self.agent)
        self.agent = None
