"""FAISS index construction from embedding shards: flat IP, HNSW, IVF and IVF-PQ, GPU when present.

Vectors arrive as ``.npy`` shards and are added one shard at a time, so only the index itself
(and, for IVF kinds, a training sample) is ever in memory: large corpora can be built as IVF-PQ
from many shards without holding every vector at once.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from biomedqa.settings import IndexSettings

logger = logging.getLogger(__name__)

TRAIN_PER_LIST = 64
MAX_TRAIN = 262_144
MIN_PQ = 256  # IVF-PQ's 8-bit codes need this many training vectors; fewer get a flat index
DEFAULT_NPROBE = 32  # when neither index.nprobe nor the manifest says
PQ_NPROBE = 256  # recorded for IVF-PQ builds: with int8@400 it kept recall@10 0.930 at 1M (docs/SCALE.md)


def gpu_count() -> int:
    """Number of GPUs FAISS can use (0 for faiss-cpu builds)."""
    import faiss

    get = getattr(faiss, "get_num_gpus", None)
    return int(get()) if callable(get) else 0


def use_gpu(cfg: IndexSettings) -> bool:
    """True when settings allow it and a GPU build of FAISS sees a GPU."""
    import faiss

    return cfg.use_gpu is not False and hasattr(faiss, "StandardGpuResources") and gpu_count() > 0


def choose_nlist(cfg: IndexSettings, n: int) -> int:
    """IVF list count: the setting, or ``4*sqrt(n)``, kept within what ``n`` vectors can train."""
    nlist = cfg.nlist or int(4 * math.sqrt(max(n, 1)))
    return max(1, min(nlist, n // 39 if n >= 39 else 1))


def choose_pq_m(dim: int, wanted: int) -> int:
    """The largest sub-quantiser count <= ``wanted`` that divides ``dim``."""
    return max(m for m in range(1, min(wanted, dim) + 1) if dim % m == 0)


def make_index(cfg: IndexSettings, dim: int, n: int) -> Any:
    """An empty (maybe untrained) inner-product index of ``cfg.kind`` for ``n`` vectors.

    IVF-PQ needs at least 256 training vectors (8-bit codes); below that a flat index is used.
    """
    import faiss

    kind = cfg.kind
    if kind == "auto":
        raise ValueError("resolve index.kind=auto with biomedqa.indexes.auto.resolve_kind first")
    if kind in ("ivfpq", "opq_ivfpq") and n < MIN_PQ:
        logger.warning("faiss: %d vectors are too few for IVF-PQ; using a flat index", n)
        kind = "flat"
    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, cfg.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = max(40, 2 * cfg.hnsw_m)
        return index
    nlist = choose_nlist(cfg, n)
    quantizer = faiss.IndexFlatIP(dim)
    if kind == "ivf":
        return faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    m = choose_pq_m(dim, cfg.pq_m)
    if kind == "opq_ivfpq":
        return faiss.index_factory(dim, f"OPQ{m},IVF{nlist},PQ{m}", faiss.METRIC_INNER_PRODUCT)
    return faiss.IndexIVFPQ(quantizer, dim, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)


def to_gpu(index: Any) -> Any:
    """A GPU copy of ``index`` (HNSW stays on CPU: FAISS has no GPU HNSW)."""
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        return index
    res = faiss.StandardGpuResources()
    index = faiss.index_cpu_to_gpu(res, 0, index)
    index.referenced_resources = res  # keep the resources alive as long as the index
    return index


def to_cpu(index: Any) -> Any:
    """A CPU copy of a GPU index (CPU indexes are returned as they are)."""
    import faiss

    return faiss.index_gpu_to_cpu(index) if "Gpu" in type(index).__name__ else index


class VectorRows:
    """Rows ``lo..hi`` of the vectors stored as consecutive ``.npy`` embedding shards (memory-mapped)."""

    def __init__(self, shards: Sequence[Path], lo: int = 0, hi: int | None = None) -> None:
        self.shards = list(shards)
        self.sizes = [int(np.load(s, mmap_mode="r").shape[0]) for s in self.shards]
        self.starts = np.cumsum([0, *self.sizes])
        self.lo, self.hi = lo, int(self.starts[-1]) if hi is None else hi

    def __len__(self) -> int:
        return self.hi - self.lo

    def chunks(self) -> Iterator[np.ndarray]:
        """The rows in order, one (part of a) shard at a time, as float32."""
        for shard, start, size in zip(self.shards, self.starts[:-1], self.sizes, strict=True):
            a, b = max(self.lo, int(start)), min(self.hi, int(start) + size)
            if a < b:
                yield np.ascontiguousarray(np.load(shard, mmap_mode="r")[a - start:b - start], dtype=np.float32)

    def take(self, rows: np.ndarray) -> np.ndarray:
        """Rows at sorted positions ``rows`` (relative to ``lo``)."""
        out, glob = [], np.asarray(rows) + self.lo
        for shard, start, size in zip(self.shards, self.starts[:-1], self.sizes, strict=True):
            local = glob[(glob >= start) & (glob < start + size)] - start
            if len(local):
                out.append(np.asarray(np.load(shard, mmap_mode="r")[local], dtype=np.float32))
        return np.ascontiguousarray(np.concatenate(out))


def _training_sample(rows: VectorRows, limit: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    take = min(limit, len(rows))
    return rows.take(np.sort(rng.choice(len(rows), size=take, replace=False)))


def build_from_rows(rows: VectorRows, cfg: IndexSettings, dim: int) -> Any:
    """Train (IVF kinds) on a sample, then add the rows in order. Returns a CPU index."""
    n = len(rows)
    index = make_index(cfg, dim, n)
    gpu = use_gpu(cfg)
    if gpu:
        index = to_gpu(index)
    if not index.is_trained:
        sample = _training_sample(rows, min(MAX_TRAIN, max(choose_nlist(cfg, n) * TRAIN_PER_LIST, 256 * 39)))
        logger.info("faiss: training %s on %d vectors", type(index).__name__, len(sample))
        index.train(sample)
    for chunk in rows.chunks():
        index.add(chunk)
    if index.ntotal != n:
        raise RuntimeError(f"faiss index holds {index.ntotal} vectors, expected {n}")
    return to_cpu(index) if gpu else index


def build_from_shards(shards: Sequence[Path], cfg: IndexSettings, dim: int, n: int) -> Any:
    """Train (IVF kinds) on a sample, then add every shard in order. Returns a CPU index."""
    rows = VectorRows(shards)
    if len(rows) != n:
        raise RuntimeError(f"embedding shards hold {len(rows)} vectors, expected {n}")
    return build_from_rows(rows, cfg, dim)


def set_search_params(index: Any, nprobe: int, ef_search: int) -> None:
    """Apply query-time knobs (IVF ``nprobe``, HNSW ``efSearch``) where they exist."""
    import faiss

    try:
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = min(nprobe, ivf.nlist)
    except (RuntimeError, AttributeError):
        pass
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = ef_search


def recorded_nprobe(kind: str, n: int) -> int | None:
    """The nprobe a build of ``kind`` over ``n`` vectors records in its manifest (None: not IVF-PQ)."""
    return PQ_NPROBE if kind in ("ivfpq", "opq_ivfpq") and n >= MIN_PQ else None


def save(index: Any, path: Path) -> None:
    """Write a (CPU) index to ``path``."""
    import faiss

    faiss.write_index(to_cpu(index), str(path))


def load(path: Path, cfg: IndexSettings, mmap: bool = False, nprobe: int | None = None) -> Any:
    """Read an index, move it to the GPU when allowed, and set search parameters.

    ``index.nprobe`` wins when set (> 0); otherwise ``nprobe`` (the manifest's), else 32.
    """
    import faiss

    flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
    index = faiss.read_index(str(path), flags)
    set_search_params(index, cfg.nprobe or nprobe or DEFAULT_NPROBE, cfg.ef_search)
    if use_gpu(cfg):
        index = to_gpu(index)
        logger.info("faiss: index moved to GPU")
    return index
