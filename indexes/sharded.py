"""A sharded index: K shard indexes searched together, top-k merged exactly.

Global row ``i`` lives in the shard whose ``offset <= i < offset + docs``. Dense search fans out
through ``faiss.IndexShards`` (successive ids: shard results are shifted by their offsets and merged
by score); BM25 merges each shard's top-k, whose scores are global (see :mod:`.shards`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from biomedqa.indexes.lexical import BM25Index
from biomedqa.indexes.local import LocalIndex
from biomedqa.indexes.manifest import IndexInfo, read_manifest
from biomedqa.indexes.rescore import Int8Store
from biomedqa.indexes.store import row_to_passage
from biomedqa.settings import Settings
from biomedqa.types import Passage

logger = logging.getLogger(__name__)


class ShardedBM25(BM25Index):
    """BM25 over several shards; same interface as :class:`BM25Index`, global row ids."""

    def __init__(self, parts: Sequence[BM25Index], offsets: Sequence[int]) -> None:
        self.parts = list(parts)
        self.offsets = list(offsets)
        self.model = None  # no single bm25s model behind a sharded index
        self.tokenizer = self.parts[0].tokenizer
        self.num_docs = sum(p.num_docs for p in self.parts)

    def term_ids(self, tokens: Sequence[str]) -> list[int]:
        raise NotImplementedError("term ids are per shard in a sharded index")

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        return np.concatenate([p.scores(tokens) for p in self.parts])

    def search_tokens(self, tokens: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        scores, ids = [], []
        for part, offset in zip(self.parts, self.offsets, strict=True):
            s, i = part.search_tokens(tokens, k)
            scores.append(s)
            ids.append(i + offset)
        s_all, i_all = np.concatenate(scores), np.concatenate(ids)
        top = np.lexsort((i_all, -s_all))[:k]  # by score, then row id
        return s_all[top], i_all[top]


class ShardedIndex(LocalIndex):
    """Several shard indexes under one root and one manifest, searched as one index."""

    def __init__(self, root: Path, info: IndexInfo, settings: Settings) -> None:
        self.root = root
        self.info = info
        self.name = info.name
        self.settings = settings
        self.shards = [LocalIndex(root / ref.path, read_manifest(root / ref.path, info.name), settings)
                       for ref in info.shard_refs()]
        self.offsets = [ref.offset for ref in info.shard_refs()]

    @cached_property
    def faiss(self) -> Any:
        """``faiss.IndexShards`` over the shards' indexes (ids shifted by each shard's offset)."""
        import faiss

        parts = [s.faiss for s in self.shards]
        make: Any = faiss.IndexShards  # (d, threaded, successive_ids): the stubs know only (d)
        index = make(self.info.dim, False, True)
        for p in parts:
            index.add_shard(p)
        index.referenced_objects = parts  # keep the shard indexes alive
        return index

    @cached_property
    def int8(self) -> Int8Store | None:
        return None  # each shard rescores its own shortlist (see dense_search)

    def dense_search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """FAISS search over every shard; with int8 stores each shard rescores its own shortlist first."""
        if not any(s.int8 is not None for s in self.shards):
            return super().dense_search(vectors, k)
        k = max(1, min(k, self.info.docs))
        parts = [s.dense_search(vectors, k) for s in self.shards]
        scores = np.concatenate([p[0] for p in parts], axis=1)
        ids = np.concatenate([np.where(p[1] < 0, -1, p[1] + off) for p, off in zip(parts, self.offsets, strict=True)],
                             axis=1)
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]  # ties: the earlier shard (lower row id) first
        return np.take_along_axis(scores, top, 1), np.take_along_axis(ids, top, 1)

    @cached_property
    def bm25(self) -> BM25Index:
        return ShardedBM25([s.bm25 for s in self.shards], self.offsets)

    @cached_property
    def groups(self) -> np.ndarray:
        return np.concatenate([s.groups + off for s, off in zip(self.shards, self.offsets, strict=True)])

    def _locate(self, idx: int) -> int:
        return int(np.searchsorted(self.offsets, idx, side="right")) - 1

    def passages(self, idxs: Sequence[int], scores: Sequence[float], source: str) -> list[Passage]:
        wanted: dict[int, list[int]] = {}
        for i in idxs:
            if i >= 0:
                wanted.setdefault(self._locate(int(i)), []).append(int(i))
        rows: dict[int, Any] = {}
        for s, glob in wanted.items():
            off = self.offsets[s]
            for r in self.shards[s].store.rows_by_idx([g - off for g in glob]):
                rows[r[0] + off] = (r[0] + off, *r[1:])
        pairs = zip(idxs, scores, strict=True)
        return [row_to_passage(rows[int(i)], float(sc), source) for i, sc in pairs if int(i) in rows]

    def get(self, doc_ids: Sequence[str]) -> list[Passage]:
        found: dict[str, Passage] = {}
        for shard, off in zip(self.shards, self.offsets, strict=True):
            missing = [d for d in doc_ids if d not in found]
            if not missing:
                break
            asked = set(missing)
            for p in shard.get(missing):
                d = p.doc_id if p.doc_id in asked else p.doc_id.removesuffix("#1")  # a record's first chunk
                found[d] = p.model_copy(update={"meta": dict(p.meta, idx=int(p.meta["idx"]) + off)})
        return [found[d] for d in doc_ids if d in found]

    def close(self) -> None:
        for s in self.shards:
            s.close()

