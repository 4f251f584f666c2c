"""Speed checks: our retrievers against raw FAISS / raw bm25s on the same index, and embedding rate.

The ratio ``ours / raw`` is the retriever's overhead (deduplication, store lookups, Passage
objects); the target is <= 1.2x. Both sides include the same query embedding / tokenisation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from biomedqa.eval.metrics import latency_stats
from biomedqa.indexes import LocalIndex
from biomedqa.interfaces import Embedder
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)


def _per_query(fns: Sequence[Callable[[str], Any]], queries: Sequence[str], repeats: int) -> list[list[float]]:
    """Per-query seconds for each function, interleaved query by query (fair on a busy machine)."""
    times: list[list[float]] = [[] for _ in fns]
    for q in queries:
        for j, fn in enumerate(fns):
            best = float("inf")
            for _ in range(repeats):
                t = time.perf_counter()
                fn(q)
                best = min(best, time.perf_counter() - t)
            times[j].append(best)
    return times


def _batched(fn: Callable[[Sequence[str]], Any], queries: Sequence[str], batch: int) -> float:
    t = time.perf_counter()
    for i in range(0, len(queries), batch):
        fn(queries[i:i + batch])
    return time.perf_counter() - t


def measure_overhead(index: LocalIndex, settings: Settings, embedder: Embedder, queries: Sequence[str],
                     k: int = 10, kinds: Sequence[str] = ("bm25", "dense"), repeats: int = 3,
                     batch: int = 64) -> dict[str, dict[str, float]]:
    """Per-query p50 and batched throughput of our retriever vs the raw library call.

    Args:
        index: An opened index.
        settings: Retrieval settings for our retrievers.
        embedder: Query embedder (dense side; shared by both paths).
        queries: Query texts.
        k: Results per query.
        kinds: Which retrievers to compare (``bm25``, ``dense``).
        repeats: Per-query timings keep the best of this many runs (less noise on busy machines).
        batch: Batch size of the batched comparison.

    Returns:
        ``{kind: {ours_p50_ms, raw_p50_ms, ratio_p50, ours_qps, raw_qps, ratio_batched}}``.
    """
    from biomedqa.retrievers import retriever_for_index

    out: dict[str, dict[str, float]] = {}
    for kind in kinds:
        ours = retriever_for_index(index, settings, lambda: embedder, kind)
        raw_one, raw_many = _raw_calls(index, embedder, kind, k)

        def ours_one(q: str, r: Any = ours) -> Any:
            return r.search(q, k)

        def ours_many(qs: Sequence[str], r: Any = ours) -> Any:
            return r.search_many(qs, k)

        ours_one(queries[0]), raw_one(queries[0])  # warm caches, lazy loads
        ours_t, raw_t = _per_query([ours_one, raw_one], queries, repeats)
        o, r = latency_stats(ours_t)["p50_ms"], latency_stats(raw_t)["p50_ms"]
        ours_b, raw_b = _batched(ours_many, queries, batch), _batched(raw_many, queries, batch)
        out[kind] = {
            "ours_p50_ms": o, "raw_p50_ms": r, "ratio_p50": round(o / r, 3) if r else 0.0,
            "ours_qps": round(len(queries) / ours_b, 1), "raw_qps": round(len(queries) / raw_b, 1),
            "ratio_batched": round(ours_b / raw_b, 3) if raw_b else 0.0,
        }
        logger.info("overhead %s: %s", kind, out[kind])
    return out


def _raw_calls(index: LocalIndex, embedder: Embedder, kind: str, k: int
               ) -> tuple[Callable[[str], Any], Callable[[Sequence[str]], Any]]:
    """The raw library calls: embed + ``faiss.search``, or tokenise + ``bm25s.BM25.retrieve``."""
    if kind == "dense":
        faiss = index.faiss

        def dense_one(q: str) -> Any:
            return faiss.search(embedder([q]), k)

        def dense_many(qs: Sequence[str]) -> Any:
            return faiss.search(embedder(list(qs)), k)

        return dense_one, dense_many
    bm25 = index.bm25
    tok = bm25.tokenizer

    def bm25_one(q: str) -> Any:
        return bm25.model.retrieve([tok(q)], k=k, show_progress=False)

    def bm25_many(qs: Sequence[str]) -> Any:
        return bm25.model.retrieve([tok(q) for q in qs], k=k, show_progress=False)

    return bm25_one, bm25_many

