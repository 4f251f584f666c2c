"""Dense retrieval: embed the query, search FAISS by inner product, collapse chunks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cached_property

import numpy as np

from biomedqa.indexes import LocalIndex
from biomedqa.indexes.embed import normalize
from biomedqa.interfaces import Embedder
from biomedqa.retrievers.base import IndexRetriever, Ranked, collapse
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)


def hyde_vector(embedder: Embedder, query: str, expansions: Sequence[str], weight: float) -> np.ndarray:
    """Unit query vector: ``(1-weight) * question + weight * mean(hypothetical docs)``, shape (1, dim).

    Args:
        embedder: The index's embedder.
        query: The question.
        expansions: Hypothetical abstracts written by the LLM.
        weight: Share of the hypothetical documents, in [0, 1].
    """
    vecs = embedder([query, *expansions])
    if len(expansions) == 0:
        return normalize(vecs[:1])
    mixed = (1.0 - weight) * vecs[0] + weight * vecs[1:].mean(axis=0)
    return normalize(mixed[None, :])


class DenseRetriever(IndexRetriever):
    """FAISS retriever. The embedder is built on first use and checked against the index dims."""

    name = "dense"
    source = "dense"

    def __init__(self, index: LocalIndex, settings: Settings, embedder: Callable[[], Embedder]) -> None:
        super().__init__(index, settings)
        self._factory = embedder

    @cached_property
    def embedder(self) -> Embedder:
        emb = self._factory()
        self.index.check_embedder(emb)
        return emb

    def rank_vectors(self, vectors: np.ndarray, k: int) -> list[Ranked]:
        """Collapsed rankings for query vectors (rows of ``vectors``)."""
        fetch = self.fetch_size(k)
        scores, ids = self.index.dense_search(vectors, fetch)
        out = [collapse(i, s, self.groups, k) for i, s in zip(ids, scores, strict=True)]
        for q, ranked in enumerate(out):  # many chunks of one record crowded the list: fetch more
            wider = fetch
            while len(ranked) < k and wider < self.index.info.docs:
                wider *= 4
                s2, i2 = self.index.dense_search(vectors[q:q + 1], wider)
                ranked = out[q] = collapse(i2[0], s2[0], self.groups, k)
        return out

    def rank_many(self, queries: Sequence[str], k: int) -> list[Ranked]:
        if not queries:
            return []
        return self.rank_vectors(self.embedder(list(queries)), k)

    def rank_expanded(self, query: str, expansions: Sequence[str], k: int) -> Ranked:
        vec = hyde_vector(self.embedder, query, expansions, self.settings.retrieval.hyde_weight)
        return self.rank_vectors(vec, k)[0]
