"""The retriever that finds nothing: closed-book runs (MIRAGE's cot mode) answer from the model alone."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from biomedqa.types import Passage

logger = logging.getLogger(__name__)


class NullRetriever:
    """A Retriever with no documents: every search returns no passages."""

    name = "none"

    def search(self, query: str, k: int) -> list[Passage]:
        """No passages, for any query."""
        return []

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Passage]]:
        """One empty list per query."""
        return [[] for _ in queries]

    def search_expanded(self, query: str, expansions: Sequence[str], k: int) -> list[Passage]:
        """No passages, with or without HyDE expansions."""
        return []
