"""Shared retriever plumbing: ranked row ids, deduplication of chunks, passages from the store.

Retrievers rank *row ids* of a :class:`~biomedqa.indexes.LocalIndex` and keep only the best
chunk of each record (a PMID never fills the top-k several times); only the final top-k rows
are read from the document store.
"""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from biomedqa.indexes import LocalIndex
from biomedqa.settings import Settings
from biomedqa.types import Passage

logger = logging.getLogger(__name__)

Ranked = list[tuple[int, float]]  # (row id, score), best first, one row per record


def collapse(ids: np.ndarray, scores: np.ndarray, groups: np.ndarray | None, k: int) -> Ranked:
    """The first ``k`` rows of a best-first list, keeping one row per record group."""
    out: Ranked = []
    seen: set[int] = set()
    for i, s in zip(ids.tolist(), scores.tolist(), strict=True):
        if i < 0:
            continue
        g = int(groups[i]) if groups is not None else i
        if g in seen:
            continue
        seen.add(g)
        out.append((i, float(s)))
        if len(out) >= k:
            break
    return out


class IndexRetriever(ABC):
    """Base class: subclasses implement :meth:`rank_many` (and :meth:`rank_expanded`)."""

    name = "base"
    source = "base"  # Passage.source of the results

    def __init__(self, index: LocalIndex, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self.chunked = index.info.docs > index.info.records

    @property
    def groups(self) -> np.ndarray | None:
        return self.index.groups if self.chunked else None

    def fetch_size(self, k: int) -> int:
        """Candidates to pull so that ``k`` remain after collapsing chunks."""
        if not self.chunked:
            return k
        ratio = self.index.info.chunks_per_record
        return math.ceil(k * min(4.0, 1.0 + 2.0 * (ratio - 1.0))) + 5

    @abstractmethod
    def rank_many(self, queries: Sequence[str], k: int) -> list[Ranked]:
        """Collapsed (row id, score) lists for each query."""

    @abstractmethod
    def rank_expanded(self, query: str, expansions: Sequence[str], k: int) -> Ranked:
        """Collapsed (row id, score) list for a query with HyDE expansions."""

    def to_passages(self, ranked: Ranked, extra: dict[int, dict[str, object]] | None = None) -> list[Passage]:
        """Passages for one ranked list, with ``meta['rank']`` (1-based) and retriever ``source``."""
        passages = self.index.passages([i for i, _ in ranked], [s for _, s in ranked], self.source)
        out = []
        for rank, p in enumerate(passages, 1):
            meta = dict(p.meta, rank=rank, **(extra or {}).get(p.meta["idx"], {}))
            out.append(p.model_copy(update={"meta": meta}))
        return out

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Passage]]:
        """Top-``k`` passages (one per record) for each query."""
        return [self.to_passages(r) for r in self.rank_many(queries, k)]

    def search(self, query: str, k: int) -> list[Passage]:
        """Top-``k`` passages (one per record), best first."""
        return self.search_many([query], k)[0]

    def search_expanded(self, query: str, expansions: Sequence[str], k: int) -> list[Passage]:
        """Top-``k`` passages for ``query`` helped by hypothetical documents (HyDE)."""
        if not expansions:
            return self.search(query, k)
        return self.to_passages(self.rank_expanded(query, expansions, k))
