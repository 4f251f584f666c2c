"""Retrievers over a local index: BM25, dense (FAISS) and hybrid (RRF), each with HyDE support.

Every retriever has ``name``, ``search(query, k)``, ``search_many(queries, k)`` and
``search_expanded(query, expansions, k)``; build one with :func:`build_retriever`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from biomedqa.indexes import LocalIndex, open_index
from biomedqa.interfaces import Embedder
from biomedqa.retrievers.base import IndexRetriever
from biomedqa.retrievers.bm25 import BM25Retriever
from biomedqa.retrievers.dense import DenseRetriever
from biomedqa.retrievers.fusion import HybridRetriever
from biomedqa.retrievers.null import NullRetriever
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["BM25Retriever", "DenseRetriever", "HybridRetriever", "IndexRetriever", "NullRetriever", "build_retriever",
           "retriever_for_index"]


def retriever_for_index(index: LocalIndex, settings: Settings, embedder: Callable[[], Embedder],
                        kind: str | None = None) -> IndexRetriever:
    """A ``bm25`` / ``dense`` / ``hybrid`` retriever (``kind`` or ``settings.retrieval.retriever``)."""
    kind = kind or settings.retrieval.retriever
    if kind == "bm25":
        return BM25Retriever(index, settings)
    dense = DenseRetriever(index, settings, embedder)
    if kind == "dense":
        return dense
    return HybridRetriever(index, settings, dense, BM25Retriever(index, settings))


def build_retriever(settings: Settings, *, embedder: Callable[[], Embedder]) -> IndexRetriever:
    """The retriever chosen by ``settings.retrieval`` over the index ``settings.retrieval.index``.

    Args:
        settings: ``retrieval.retriever`` (bm25 | dense | hybrid), ``retrieval.index`` and fusion knobs.
        embedder: Factory for the query embedder; called only when dense search is first used.

    Raises:
        IndexNotFoundError: the index does not exist.
        IndexCorruptError: the index is damaged (or, on first dense query, the embedder's dims differ).
    """
    index = open_index(settings, settings.retrieval.index)
    retriever = retriever_for_index(index, settings, embedder)
    logger.info("retriever %s over index %s (%d docs)", retriever.name, index.name, index.info.docs)
    return retriever
