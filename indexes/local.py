"""Opening a built index: FAISS + BM25 + document store, checked against the manifest."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from biomedqa.errors import IndexCorruptError, IndexNotFoundError
from biomedqa.indexes import faiss_index
from biomedqa.indexes.lexical import BM25Index, Tokenizer, TokenizerConfig
from biomedqa.indexes.manifest import MANIFEST, IndexInfo, check_name, read_manifest, verify
from biomedqa.indexes.rescore import Int8Store
from biomedqa.indexes.store import DocStore, row_to_passage
from biomedqa.interfaces import Embedder
from biomedqa.settings import Settings
from biomedqa.types import Passage

logger = logging.getLogger(__name__)


class LocalIndex:
    """A built index. FAISS and BM25 load on first use, so a BM25-only retriever never reads FAISS."""

    def __init__(self, root: Path, info: IndexInfo, settings: Settings) -> None:
        self.root = root
        self.info = info
        self.name = info.name
        self.settings = settings
        self.store = DocStore(root / "docs.sqlite")

    @property
    def manifest(self) -> IndexInfo:
        return self.info

    def _corrupt(self, what: str) -> IndexCorruptError:
        return IndexCorruptError(
            f"index {self.name!r} is corrupt: {what}.",
            hint=f"Rebuild it: biomedqa index build CORPUS --name {self.name}",
        )

    @cached_property
    def faiss(self) -> Any:
        """The FAISS index (on the GPU when one is available)."""
        try:
            index = faiss_index.load(self.root / "faiss.index", self.settings.index, nprobe=self.info.nprobe)
        except RuntimeError as e:
            raise self._corrupt(f"faiss.index is unreadable ({str(e).splitlines()[0][:120]})") from e
        if index.d != self.info.dim or index.ntotal != self.info.docs:
            raise self._corrupt(
                f"faiss.index has {index.ntotal}x{index.d} vectors, manifest says {self.info.docs}x{self.info.dim}"
            )
        return index

    @cached_property
    def int8(self) -> Int8Store | None:
        """The int8 rescoring store (None: the index has none, or ``index.rescore_k=0``)."""
        if not self.info.rescore_store or self.settings.index.rescore_k <= 0:
            return None
        try:
            store = Int8Store(self.root)
        except (OSError, ValueError) as e:
            raise self._corrupt(f"{self.info.rescore_store} is unreadable ({type(e).__name__})") from e
        if store.codes.shape != (self.info.docs, self.info.dim):
            raise self._corrupt(f"{self.info.rescore_store} has shape {store.codes.shape}, "
                                f"expected ({self.info.docs}, {self.info.dim})")
        return store

    @cached_property
    def bm25(self) -> BM25Index:
        """The BM25 index with the tokenizer it was built with."""
        try:
            bm25 = BM25Index.load(self.root / "bm25", Tokenizer(TokenizerConfig(**self.info.tokenizer)))
        except (OSError, ValueError, KeyError) as e:
            raise self._corrupt(f"the BM25 files are unreadable ({type(e).__name__})") from e
        if bm25.num_docs != self.info.docs:
            raise self._corrupt(f"BM25 holds {bm25.num_docs} docs, manifest says {self.info.docs}")
        return bm25

    @cached_property
    def groups(self) -> np.ndarray:
        """Row id → record group (chunks of one record share a group), for deduplication."""
        try:
            groups: np.ndarray = np.load(self.root / "groups.npy")
        except (OSError, ValueError) as e:
            raise self._corrupt("groups.npy is unreadable") from e
        if groups.shape != (self.info.docs,):
            raise self._corrupt(f"groups.npy has shape {groups.shape}, expected ({self.info.docs},)")
        return groups

    def check_embedder(self, embedder: Embedder) -> None:
        """Raise IndexCorruptError when ``embedder`` cannot query this index (different dims)."""
        if embedder.dim != self.info.dim:
            raise IndexCorruptError(
                f"index {self.name!r} was built with {self.info.embedder} ({self.info.dim} dims) but the "
                f"embedder is {embedder.name} ({embedder.dim} dims).",
                hint=f"Use -o index.embedder={self.info.embedder}, or rebuild the index with the new embedder.",
            )
        if embedder.name != self.info.embedder:
            logger.warning("index %s was built with %s; querying with %s", self.name, self.info.embedder, embedder.name)

    def dense_search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """FAISS search: (scores, row ids), each (n_queries, k); row id -1 means none.

        With an int8 store (IVF-PQ designs) FAISS returns ``index.rescore_k`` candidates and the
        top ``k`` of them by int8 dot product with the query come back, with those scores.
        """
        k = max(1, min(k, self.info.docs))
        if self.int8 is not None:
            return self.int8.search(self.faiss, vectors, k, self.settings.index.rescore_k)
        scores, ids = self.faiss.search(np.ascontiguousarray(vectors, dtype=np.float32), k)
        return scores, ids

    def passages(self, idxs: Sequence[int], scores: Sequence[float], source: str) -> list[Passage]:
        """Passages for row ids with their scores, in the given order."""
        rows = {r[0]: r for r in self.store.rows_by_idx([int(i) for i in idxs if i >= 0])}
        pairs = zip(idxs, scores, strict=True)
        return [row_to_passage(rows[int(i)], float(s), source) for i, s in pairs if int(i) in rows]

    def get(self, doc_ids: Sequence[str]) -> list[Passage]:
        """Passages by doc id (``PMID`` or ``PMID#n``)."""
        return self.store.get(doc_ids)

    def close(self) -> None:
        """Release the document store's connections."""
        self.store.close()


def open_index(settings: Settings, name: str, *, embedder: Embedder | None = None) -> LocalIndex:
    """Open the index ``name`` under ``settings.index_dir`` after checking it against its manifest.

    Args:
        settings: Supplies the index dir and query-time FAISS settings.
        name: Index name.
        embedder: When given, also check that it matches the index's dimensions.

    Raises:
        InputError: ``name`` is not a plain index name (a path, ``..``).
        IndexNotFoundError: no such index (or its build never finished).
        IndexCorruptError: missing/changed files, or an embedder with other dimensions.
    """
    check_name(name)
    root = settings.index_dir / name
    if not (root / MANIFEST).is_file():
        if (root / ".build").is_dir():
            raise IndexCorruptError(
                f"index {name!r} was never finished (interrupted build).",
                hint=f"Rerun the same build to resume it: biomedqa index build CORPUS --name {name}",
            )
        raise IndexNotFoundError(name, str(settings.index_dir))
    info = read_manifest(root, name)
    verify(root, info)
    if info.shards:
        from biomedqa.indexes.sharded import ShardedIndex

        index: LocalIndex = ShardedIndex(root, info, settings)
    else:
        index = LocalIndex(root, info, settings)
    if embedder is not None:
        index.check_embedder(embedder)
    return index


def list_indexes(settings: Settings) -> list[IndexInfo]:
    """Manifests of every finished index under ``settings.index_dir``, by name."""
    out: list[IndexInfo] = []
    if not settings.index_dir.is_dir():
        return out
    for folder in sorted(settings.index_dir.iterdir()):
        if (folder / MANIFEST).is_file():
            try:
                out.append(read_manifest(folder, folder.name))
            except IndexCorruptError as e:
                logger.warning("%s", e)
    return out
