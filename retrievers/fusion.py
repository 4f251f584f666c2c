"""Hybrid retrieval: a convex combination of min-max normalised scores (``retrieval.fusion =
"convex"``, the default) or weighted reciprocal rank fusion (``"rrf"``) of dense and BM25 rankings.

Measured (MiniLM + BM25): convex beats RRF k=60 on SciFact dev (nDCG@10 0.734 vs 0.717) and on
the first 500 BioASQ questions over mini-PubMed (0.876 vs 0.863)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from biomedqa.indexes import LocalIndex
from biomedqa.retrievers.base import IndexRetriever, Ranked
from biomedqa.retrievers.bm25 import BM25Retriever
from biomedqa.retrievers.dense import DenseRetriever
from biomedqa.settings import Settings
from biomedqa.types import Passage

logger = logging.getLogger(__name__)


Fused = tuple[Ranked, dict[int, dict[str, object]]]
Term = Callable[[int, float], float]  # (1-based rank, score) -> contribution to the fused score


def _fuse(rankings: Mapping[str, Ranked], terms: Mapping[str, Term], groups: np.ndarray | None, k: int) -> Fused:
    """Sum each ranking's ``terms[name]`` per record group; the row shown is the one ranked best anywhere.

    Rows are matched by record group, so two chunks of one record count as one document.
    """
    score: dict[int, float] = {}
    best: dict[int, tuple[int, int]] = {}  # group -> (best rank, row)
    ranks: dict[int, dict[str, int]] = {}
    for name, ranked in rankings.items():
        term = terms.get(name)
        if term is None:
            continue
        for rank, (row, s) in enumerate(ranked, 1):
            g = int(groups[row]) if groups is not None else row
            score[g] = score.get(g, 0.0) + term(rank, s)
            ranks.setdefault(g, {})[name] = rank
            if g not in best or rank < best[g][0]:
                best[g] = (rank, row)
    order = sorted(score, key=lambda g: (-score[g], best[g][0], best[g][1]))[:k]
    return [(best[g][1], score[g]) for g in order], {best[g][1]: {"ranks": ranks[g]} for g in order}


def rrf(
    rankings: Mapping[str, Ranked], weights: Mapping[str, float], rrf_k: int, groups: np.ndarray | None, k: int,
) -> Fused:
    """Fuse rankings: score(d) = sum_r weight_r / (rrf_k + rank_r(d)), ranks 1-based.

    Returns:
        The fused top-``k`` (row id, score) list and, per row id, the ``ranks`` each retriever gave.
    """

    def term(w: float) -> Term:
        return lambda rank, _s: w / (rrf_k + rank)

    return _fuse(rankings, {n: term(float(weights.get(n, 1.0))) for n in rankings}, groups, k)


def convex(
    rankings: Mapping[str, Ranked], weights: Mapping[str, float], groups: np.ndarray | None, k: int,
) -> Fused:
    """Fuse by a weighted sum of min-max normalised scores (a document missing from a list adds 0).

    Returns:
        The fused top-``k`` (row id, score) list and, per row id, the ``ranks`` each retriever gave.
    """
    total = sum(float(weights.get(n, 1.0)) for n in rankings) or 1.0

    def term(w: float, ranked: Ranked) -> Term:
        values = [s for _, s in ranked]
        lo, span = min(values), (max(values) - min(values)) or 1.0
        return lambda _rank, s: w * (s - lo) / span

    terms = {n: term(float(weights.get(n, 1.0)) / total, r) for n, r in rankings.items() if r}
    return _fuse(rankings, terms, groups, k)


class HybridRetriever(IndexRetriever):
    """Dense + BM25, each over-fetching ``retrieval.overfetch`` candidates, fused by ``retrieval.fusion``."""

    name = "hybrid"
    source = "fused"

    def __init__(self, index: LocalIndex, settings: Settings, dense: DenseRetriever, bm25: BM25Retriever) -> None:
        super().__init__(index, settings)
        self.dense = dense
        self.bm25 = bm25

    def _depth(self, k: int) -> int:
        return max(self.settings.retrieval.overfetch, k)

    def _fuse(self, dense: Ranked, bm25: Ranked, k: int) -> Fused:
        r = self.settings.retrieval
        if r.fusion == "convex":
            return convex({"dense": dense, "bm25": bm25}, r.weights, self.groups, k)
        return rrf({"dense": dense, "bm25": bm25}, r.weights, r.rrf_k, self.groups, k)

    def rank_many(self, queries: Sequence[str], k: int) -> list[Ranked]:
        depth = self._depth(k)
        dense = self.dense.rank_many(queries, depth)
        bm25 = self.bm25.rank_many(queries, depth)
        return [self._fuse(d, b, k)[0] for d, b in zip(dense, bm25, strict=True)]

    def rank_expanded(self, query: str, expansions: Sequence[str], k: int) -> Ranked:
        depth = self._depth(k)
        return self._fuse(self.dense.rank_expanded(query, expansions, depth),
                          self.bm25.rank_expanded(query, expansions, depth), k)[0]

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Passage]]:
        depth = self._depth(k)
        dense = self.dense.rank_many(queries, depth)
        bm25 = self.bm25.rank_many(queries, depth)
        return [self.to_passages(*self._fuse(d, b, k)) for d, b in zip(dense, bm25, strict=True)]

    def search_expanded(self, query: str, expansions: Sequence[str], k: int) -> list[Passage]:
        if not expansions:
            return self.search(query, k)
        depth = self._depth(k)
        fused, extra = self._fuse(self.dense.rank_expanded(query, expansions, depth),
                                  self.bm25.rank_expanded(query, expansions, depth), k)
        return self.to_passages(fused, extra)
