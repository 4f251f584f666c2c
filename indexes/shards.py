"""Writing an index as K shards: each a complete FAISS + BM25 + document-store index of its own.

Rows are split into K contiguous ranges at record boundaries (the chunks of one record stay in one
shard), so global row ``i`` of the sharded index is row ``i`` of the same corpus built as one index.
Each shard's BM25 is scored with corpus-wide statistics (:class:`CorpusStats`), so a document's
score, and therefore the merged top-k, is what one index over everything would give.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from biomedqa.indexes import faiss_index, rescore
from biomedqa.indexes.chunk import Doc
from biomedqa.indexes.lexical import BM25Index, CorpusStats, Tokenizer
from biomedqa.indexes.manifest import IndexInfo, ShardRef, checksum_files, write_manifest
from biomedqa.indexes.store import DocStore
from biomedqa.settings import IndexSettings

logger = logging.getLogger(__name__)

SHARDS_DIR = "shards"


def split_rows(groups: np.ndarray, k: int) -> list[tuple[int, int]]:
    """``k`` contiguous row ranges of near-equal size whose boundaries start a record."""
    n = len(groups)
    starts = np.flatnonzero(groups == np.arange(n))  # rows that begin a record
    bounds = [0]
    for i in range(1, k):
        at = int(starts[min(len(starts) - 1, int(np.searchsorted(starts, round(i * n / k))))])
        if at > bounds[-1]:
            bounds.append(at)
    bounds.append(n)
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def local_vocab(ids: Sequence[Sequence[int]]) -> tuple[list[list[int]], dict[str, int], list[int]]:
    """Remap global term ids to a shard-local vocabulary: (local ids, vocab str→local, local→global)."""
    glob: dict[int, int] = {}
    local = [[glob.setdefault(t, len(glob)) for t in doc] for doc in ids]
    return local, {str(g): i for g, i in glob.items()}, list(glob)


def build_bm25_shard(ids: Sequence[Sequence[int]], vocab_words: Sequence[str], stats: CorpusStats, tok: Tokenizer,
                     k1: float, b: float) -> BM25Index:
    """A shard's BM25 from global term ids, scored with corpus-wide ``stats``.

    Args:
        ids: Global term ids of the shard's documents.
        vocab_words: Global id → term.
        stats: Statistics of the whole corpus (global ids).
        tok: The query tokenizer.
        k1: BM25 k1.
        b: BM25 b.
    """
    from bm25s.tokenization import Tokenized

    local, _, to_global = local_vocab(ids)
    vocab = {vocab_words[g]: i for i, g in enumerate(to_global)}
    return BM25Index.build(Tokenized(ids=local, vocab=vocab), tok, k1, b, stats=stats.for_vocab(to_global))


def write_shard(dest: Path, store: DocStore, rows: tuple[int, int], vectors: faiss_index.VectorRows,
                bm25: BM25Index, groups: np.ndarray, cfg: IndexSettings, dim: int, info: dict[str, Any]) -> IndexInfo:
    """Write one shard folder (store rows, FAISS, BM25, groups, its own manifest)."""
    lo, hi = rows
    dest.mkdir(parents=True, exist_ok=True)
    shard_store = DocStore(dest / "docs.sqlite", writable=True)
    batch: list[Doc] = []
    done = 0
    for r in store.iter_rows(lo, hi):
        batch.append(Doc(r[1], r[3], r[4], r[2], r[5], r[6]))
        if len(batch) >= 1000:
            shard_store.add_many(done, batch)
            done, batch = done + len(batch), []
    shard_store.add_many(done, batch)
    shard_store.close()
    index = faiss_index.build_from_rows(vectors, cfg, dim)
    faiss_index.save(index, dest / "faiss.index")
    int8 = rescore.wants_store(cfg.kind, hi - lo, faiss_index.MIN_PQ)
    if int8:
        rescore.write_store(vectors, dest)  # the shard's own rows, in its FAISS id order
    bm25.save(dest / "bm25")
    local_groups = groups[lo:hi] - lo
    np.save(dest / "groups.npy", local_groups)
    files, sizes = checksum_files(dest)
    shard = IndexInfo(**{**info, "path": str(dest), "docs": hi - lo,
                         "records": int((local_groups == np.arange(hi - lo)).sum()),
                         "faiss_class": type(index).__name__, "files": files, "file_bytes": sizes,
                         "nprobe": faiss_index.recorded_nprobe(cfg.kind, hi - lo),
                         "rescore_store": rescore.INT8_FILE if int8 else ""})
    write_manifest(dest, shard)
    return shard


def shard_name(i: int) -> str:
    return f"{SHARDS_DIR}/{i:05d}"


def write_sharded(work: Path, k: int, term_ids: list[list[int]], vocab: dict[str, int], groups: np.ndarray,
                  embed_shards: Sequence[Path], cfg: IndexSettings, tok: Tokenizer, dim: int,
                  info: dict[str, Any]) -> list[ShardRef]:
    """Split a finished ingest (``work/docs.sqlite``, term ids, embeddings) into ``k`` shards under ``work``."""
    stats = CorpusStats.from_ids(term_ids, len(vocab))
    words = list(vocab)  # insertion order is id order
    store = DocStore(work / "docs.sqlite")
    refs: list[ShardRef] = []
    try:
        for i, (lo, hi) in enumerate(split_rows(groups, k)):
            bm25 = build_bm25_shard(term_ids[lo:hi], words, stats, tok, cfg.bm25_k1, cfg.bm25_b)
            shard = write_shard(work / shard_name(i), store, (lo, hi), faiss_index.VectorRows(embed_shards, lo, hi),
                                bm25, groups, cfg, dim, {**info, "name": f"{info['name']}-{i:05d}"})
            refs.append(ShardRef(path=shard_name(i), docs=shard.docs, records=shard.records, offset=lo))
            logger.info("index build: shard %d/%d rows %d..%d", i + 1, k, lo, hi)
    finally:
        store.close()
    return refs
