"""``biomedqa chat``: ``session`` (the conversation and slash commands), ``repl`` (the read loop and
Ctrl-C handling) and ``command`` (the click command)."""

from __future__ import annotations

from biomedqa.chat.repl import PlainReader, TerminalReader, repl, run_turn
from biomedqa.chat.session import ChatSession

__all__ = ["ChatSession", "PlainReader", "TerminalReader", "repl", "run_turn"]
