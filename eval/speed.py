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


def _per_query(fn: Callable[[str], Any], queries: Sequence[str], repeats: int) -> list[float]:
    times = []
    for q in queries:
        best = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            fn(q)
            best = min(best, time.perf_counter() - t)
        times.append(best)
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
        if kind == "dense":
            faiss = index.faiss
            raw_one: Callable[[str], Any] = lambda q: faiss.search(embedder([q]), k)  # noqa: E731
            raw_many: Callable[[Sequence[str]], Any] = lambda qs: faiss.search(embedder(list(qs)), k)  # noqa: E731
        else:
            bm25 = index.bm25
            tok = bm25.tokenizer

            def raw_one(q: str) -> Any:
                return bm25.model.retrieve([tok(q)], k=k, show_progress=False)

            def raw_many(qs: Sequence[str]) -> Any:
                return bm25.model.retrieve([tok(q) for q in qs], k=k, show_progress=False)

        ours.search(queries[0], k), raw_one(queries[0])  # warm caches, lazy loads
        ours_t = _per_query(lambda q: ours.search(q, k), queries, repeats)
        raw_t = _per_query(raw_one, queries, repeats)
        ours_b = _batched(lambda qs: ours.search_many(qs, k), queries, batch)
        raw_b = _batched(raw_many, queries, batch)
        o, r = latency_stats(ours_t)["p50_ms"], latency_stats(raw_t)["p50_ms"]
        out[kind] = {
            "ours_p50_ms": o, "raw_p50_ms": r, "ratio_p50": round(o / r, 3) if r else 0.0,
            "ours_qps": round(len(queries) / ours_b, 1), "raw_qps": round(len(queries) / raw_b, 1),
            "ratio_batched": round(ours_b / raw_b, 3) if raw_b else 0.0,
        }
        logger.info("overhead %s: %s", kind, out[kind])
    return out


def encode_rates(settings: Settings, texts: Sequence[str]) -> dict[str, float]:
    """docs/s of raw ``SentenceTransformer.encode`` and of our ``embed_batches`` on the same texts."""
    from biomedqa.indexes.embed import embed_batches, load_embedder

    emb = load_embedder(settings)
    model = emb.model  # type: ignore[attr-defined]
    bs = settings.index.batch_size
    model.encode(list(texts[:bs]), batch_size=bs, show_progress_bar=False)  # warm-up
    t = time.perf_counter()
    model.encode(list(texts), batch_size=bs, normalize_embeddings=True, show_progress_bar=False)
    raw = time.perf_counter() - t
    t = time.perf_counter()
    n = sum(len(v) for v in embed_batches(texts, emb, bs))
    ours = time.perf_counter() - t
    return {"n": n, "raw_docs_per_s": round(len(texts) / raw, 1), "ours_docs_per_s": round(n / ours, 1),
            "ratio": round(ours / raw, 3)}

