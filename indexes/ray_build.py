"""``index build --engine ray``: chunk and embed on Ray Data, write the same embedding shards as the local build.

Records are read here (the local store and BM25 need them too), handed to Ray Data, chunked by
:class:`ChunkRow` (``flat_map``) and embedded by :class:`EmbedBatch` actors (``map_batches``, one
loaded model per actor, a GPU each when the cluster has them). Output order is preserved, the chunk
ids are checked against the store row by row, and vectors are written shard by shard exactly where
the local engine writes them, so the FAISS/BM25 steps that follow are the same code.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from biomedqa.errors import InputError
from biomedqa.indexes.ingest import IngestReport, iter_records
from biomedqa.indexes.store import DocStore
from biomedqa.interfaces import Embedder
from biomedqa.settings import Settings

logger = logging.getLogger(__name__)


def ray_resources(workers: int) -> dict[str, float]:
    """Per-actor CPUs/threads/GPUs so ``workers`` actors and the chunking tasks never oversubscribe."""
    import ray

    resources = ray.cluster_resources()  # type: ignore[no-untyped-call]
    cpus = float(resources.get("CPU", os.cpu_count() or 1))
    gpus = float(resources.get("GPU", 0))
    per = max(0.1, (cpus - 0.2) / workers)  # 0.2 CPU left to the read/flat_map tasks
    return {"num_cpus": round(per, 2), "threads": max(1, int(cpus // workers)),
            "num_gpus": min(1.0, gpus / workers) if gpus else 0.0}


def ensure_ray() -> bool:
    """Start a local Ray instance unless one is running (or RAY_ADDRESS names a cluster). True if started."""
    import ray

    if ray.is_initialized():
        return False
    ray.init(address=os.environ.get("RAY_ADDRESS"), include_dashboard=False, log_to_driver=False)
    return True


def embed_shards_ray(store: DocStore, n: int, emb: Embedder, settings: Settings, folder: Path,
                     files: list[Path]) -> list[Path]:
    """Embed every row on Ray and write ``folder/shard_XXXXX.npy`` (skipped when all shards exist)."""
    size = settings.index.shard_size
    shards = [folder / f"shard_{i:05d}.npy" for i in range((n + size - 1) // size)]
    if all(s.exists() and np.load(s, mmap_mode="r").shape == (min(size, n - i * size), emb.dim)
           for i, s in enumerate(shards)):
        logger.info("index build (ray): all %d shards already embedded", len(shards))
        return shards
    try:
        import ray
    except ImportError as e:
        raise InputError("index.engine=ray needs Ray.", hint="pip install -e '.[ray]'") from e
    from biomedqa.indexes.ray_embed import ChunkRow, EmbedBatch

    started = ensure_ray()
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        seen: set[str] = set()
        rows: list[dict[str, Any]] = []
        for rec in iter_records(files, IngestReport()):
            if rec.id not in seen:  # chunk_records keeps the first of duplicate ids; so do we
                seen.add(rec.id)
                rows.append({"id": rec.id, "pmid": rec.pmid or "", "title": rec.title, "text": rec.text})
        cfg = settings.index
        res = ray_resources(cfg.ray_workers)
        docs = ray.data.from_items(rows).flat_map(ChunkRow(cfg.chunk_words, cfg.chunk_overlap), num_cpus=0.1)
        vecs = docs.map_batches(
            EmbedBatch, fn_constructor_kwargs={"settings": settings.model_dump(mode="json"), "threads": res["threads"]},
            batch_size=cfg.batch_size * 4, batch_format="numpy", concurrency=cfg.ray_workers,
            num_cpus=res["num_cpus"], num_gpus=res["num_gpus"])
        logger.info("index build (ray): %d records on %d actor(s) %s", len(rows), cfg.ray_workers, res)
        _write(vecs, store, shards, size, n, emb.dim)
    finally:
        if started:
            ray.shutdown()
    return shards


def _write(vecs: Any, store: DocStore, shards: list[Path], size: int, n: int, dim: int) -> None:
    want = (r[1] for r in store.iter_rows(0, n))
    buf: list[np.ndarray] = []
    have, row, i = 0, 0, 0
    for batch in vecs.iter_batches(batch_format="numpy", batch_size=None):
        for doc_id in batch["doc_id"]:
            if str(doc_id) != next(want, None):
                raise RuntimeError(f"ray chunking disagrees with the store at row {row} ({doc_id})")
            row += 1
        buf.append(np.asarray(np.stack(batch["embedding"]), dtype=np.float32).reshape(-1, dim))
        have += len(batch["doc_id"])
        while have >= size or (row == n and have):
            arr = np.concatenate(buf)
            np.save(shards[i], arr[:size])
            buf, have, i = [arr[size:]], len(arr) - min(size, len(arr)), i + 1
    if row != n:
        raise RuntimeError(f"ray produced {row} chunks, the store has {n}")
