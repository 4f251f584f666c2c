"""``biomedqa chat``: ``session`` (the conversation and its slash commands) and ``repl`` (the read
loop, Ctrl-C handling and the click command)."""

from __future__ import annotations

from biomedqa.chat.repl import PlainReader, TerminalReader, chat, repl, run_turn
from biomedqa.chat.session import ChatSession

__all__ = ["ChatSession", "PlainReader", "TerminalReader", "chat", "repl", "run_turn"]
