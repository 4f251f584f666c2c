"""``biomedqa chat``: a REPL with streamed answers, follow-up questions and slash commands.

On a terminal it reads lines with prompt_toolkit (history in ``settings.home/chat_history``);
otherwise it reads plain lines from stdin, so it can be scripted. Ctrl-C while an answer is being
written cancels that answer only; Ctrl-D or ``/quit`` leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import click
from rich.text import Text

from biomedqa.chat.session import ChatSession
from biomedqa.cli.agent import make_agent
from biomedqa.cli.options import with_settings
from biomedqa.cli.output import stdout_console
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)

PROMPT = "biomedqa> "


class LineReader(Protocol):
    """Reads one line; raises EOFError at end of input and KeyboardInterrupt on Ctrl-C."""

    async def read(self, prompt: str) -> str: ...


class TerminalReader:
    """prompt_toolkit line editing with a persistent history file (in memory if it is unusable)."""

    def __init__(self, history_path: Path | None) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory, History, InMemoryHistory

        history: History = InMemoryHistory()
        if history_path is not None:
            try:
                history_path.parent.mkdir(parents=True, exist_ok=True)
                history_path.touch(exist_ok=True)
                history = FileHistory(str(history_path))
            except OSError:
                logger.warning("cannot use %s for chat history; keeping it in memory", history_path)
        self.session: Any = PromptSession(history=history)

    async def read(self, prompt: str) -> str:
        return str(await self.session.prompt_async(prompt))


class PlainReader:
    """Plain ``readline`` on stdin (in a worker thread, so the event loop stays responsive)."""

    async def read(self, prompt: str) -> str:
        line: str = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if not line:
            raise EOFError
        return line.rstrip("\r\n")


@contextlib.contextmanager
def on_sigint(callback: Callable[[], None]) -> Iterator[None]:
    """Route SIGINT to ``callback`` on the running loop for the duration (no-op where unsupported)."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, callback)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)


async def run_turn(session: ChatSession, question: str) -> bool:
    """Answer one question; Ctrl-C cancels it. Returns False if it was interrupted."""
    task = asyncio.ensure_future(session.answer(question))

    def cancel() -> None:
        task.cancel()

    with on_sigint(cancel):
        await asyncio.wait({task})
    if task.cancelled():
        session.console.print(Text("\n[interrupted]", style="yellow"))
        return False
    task.result()
    return True


async def repl(session: ChatSession, reader: LineReader, *, prompt: str = PROMPT) -> None:
    """Read questions and commands until ``/quit`` or end of input."""

    def hint() -> None:
        session.console.print(Text("\n(Ctrl-D or /quit to leave)", style="dim"))

    try:
        while True:
            try:
                with on_sigint(hint) if isinstance(reader, PlainReader) else contextlib.nullcontext():
                    line = (await reader.read(prompt)).strip()
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            if not line:
                continue
            if line.startswith("/"):
                if not session.command(line):
                    break
                continue
            await run_turn(session, line)
    finally:
        session.close()


@click.command("chat")
@click.option("--index", default=None, help="Retrieval index to use (overrides retrieval.index).")
@click.option("--model", default=None, help="LLM to use (overrides llm.model).")
@with_settings(model="llm.model", index="retrieval.index")
def chat(settings: Settings) -> None:
    """Chat with the agent: streamed answers with PMID citations; /help lists commands."""
    console = stdout_console(highlight=False)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    reader: LineReader = TerminalReader(settings.home / "chat_history") if interactive else PlainReader()
    if interactive:
        console.print(
            Text.assemble(
                ("biomedqa chat", "bold"),
                f" — model {settings.llm.model}, index "
                f"{settings.retrieval.index}. /help for commands, Ctrl-D to leave.",
            )
        )
    asyncio.run(repl(ChatSession(settings, make_agent, console), reader))
