"""``biomedqa chat``: a REPL with streamed answers, follow-up questions and slash commands.

On a terminal it reads lines with prompt_toolkit (history in ``settings.home/chat_history``);
otherwise it reads plain lines from stdin, so it can be scripted.
"""

from __future__ import annotations

import asyncio
import logging
import sys

import click
from rich.console import Console
from rich.text import Text

from biomedqa.chat.repl import LineReader, PlainReader, TerminalReader, repl
from biomedqa.chat.session import ChatSession
from biomedqa.cli.agent import make_agent
from biomedqa.cli.options import with_settings
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)


@click.command("chat")
@click.option("--index", default=None, help="Retrieval index to use (overrides retrieval.index).")
@click.option("--model", default=None, help="LLM to use (overrides llm.model).")
@with_settings(model="llm.model", index="retrieval.index")
def chat(settings: Settings) -> None:
    """Chat with the agent: streamed answers with PMID citations; /help lists commands."""
    console = Console(highlight=False)
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
