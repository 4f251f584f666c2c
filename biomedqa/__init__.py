"""biomedqa: local, private biomedical question answering with verified PMID citations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from biomedqa.settings import Settings, get_settings
from biomedqa.types import Answer, Citation, Passage

if TYPE_CHECKING:
    from biomedqa.api import Agent, ask

__all__ = ["Agent", "Answer", "Citation", "Passage", "Settings", "ask", "get_settings"]


def __getattr__(name: str) -> Any:  # lazy: importing biomedqa stays light (no langgraph/torch)
    if name in {"Agent", "ask"}:
        from biomedqa import api

        return getattr(api, name)
    raise AttributeError(name)
