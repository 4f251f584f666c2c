"""One step of ``biomedqa eval scale`` in its own process, so peak RSS belongs to that step alone.

    python -m biomedqa.eval.scale.worker quantizer|int8|build|serve CACHE N [DESIGN] OUT.json

``quantizer`` trains the shared IVF centroids for N, ``int8`` writes the int8 rescoring store,
``build`` trains and fills one design and writes it to disk, ``serve`` loads it in a fresh process
and measures recall@10 against exact search and q/s at batch 1 and 64 for each search setting.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from biomedqa.eval.scale.designs import (
    DESIGNS,
    SearchSetting,
    binarize,
    index_path,
    nlist_for,
)
from biomedqa.eval.scale.vectors import base_path
from biomedqa.indexes.rescore import int8_scale, rescore, to_int8

logger = logging.getLogger(__name__)

SAMPLE = 65_536
BATCH1_QUERIES = 200
BATCH1_SECONDS = 8.0
BATCH = 64
ADD_CHUNK = 100_000


def peak_rss_mb() -> float:
    """Peak resident set size of this process (``VmHWM``).

    Not ``ru_maxrss``: Linux carries that over from the parent at fork, so every step would report
    at least the runner's own RSS.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    """Current resident set size of this process (``VmRSS``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _sample(base: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    picks = np.sort(np.random.default_rng(seed).choice(len(base), size=min(size, len(base)), replace=False))
    return np.ascontiguousarray(base[picks], dtype=np.float32)


def quantizer(cache: Path, n: int) -> dict[str, Any]:
    """Spherical k-means centroids shared by the IVF designs at ``n`` (``quant_<n>.npy``)."""
    import faiss

    base = np.load(base_path(cache, n), mmap_mode="r")
    nlist = nlist_for(n)
    sample = _sample(base, 48 * nlist, seed=1)
    t = time.perf_counter()
    km = faiss.Kmeans(base.shape[1], nlist, niter=10, seed=0, spherical=True, max_points_per_centroid=48)
    km.train(sample)
    seconds = time.perf_counter() - t
    np.save(cache / f"quant_{n}.npy", np.asarray(km.centroids, dtype=np.float32))
    return {"step": "quantizer", "n": n, "nlist": nlist, "train_points": len(sample), "niter": 10,
            "train_s": round(seconds, 2), "peak_rss_mb": peak_rss_mb()}


def int8_store(cache: Path, n: int) -> dict[str, Any]:
    """The int8 copy of ``base_<n>`` that rescoring settings read from disk."""
    base = np.load(base_path(cache, n), mmap_mode="r")
    t = time.perf_counter()
    scale = int8_scale(_sample(base, SAMPLE, seed=2))
    out = np.lib.format.open_memmap(cache / f"int8_{n}.npy", mode="w+", dtype=np.int8, shape=base.shape)
    for lo in range(0, n, ADD_CHUNK):
        out[lo:lo + ADD_CHUNK] = to_int8(base[lo:lo + ADD_CHUNK], scale)
    out.flush()
    np.save(cache / f"int8_scale_{n}.npy", scale)
    return {"step": "int8", "n": n, "seconds": round(time.perf_counter() - t, 2), "bytes_per_vector": base.shape[1]}


def _fixed_bytes(index: Any, dim: int) -> int:
    """Bytes that do not grow with N: coarse centroids, PQ codebooks, OPQ matrix."""
    import faiss

    fixed = 0
    if isinstance(index, faiss.IndexPreTransform):
        fixed += dim * dim * 4
        index = faiss.downcast_index(index.index)
    if isinstance(index, faiss.IndexIVF):
        fixed += index.nlist * dim * 4
        if isinstance(index, faiss.IndexIVFPQ):
            fixed += 256 * dim * 4
    if isinstance(index, faiss.IndexBinaryIVF):
        fixed += index.nlist * dim // 8
    return fixed


def build(cache: Path, n: int, name: str, ef_construction: int) -> dict[str, Any]:
    """Train and fill one design over ``base_<n>``; write it to ``<cache>/indexes_<n>/<name>.index``."""
    import faiss

    design = DESIGNS[name]
    base = np.load(base_path(cache, n), mmap_mode="r")
    ctx: dict[str, Any] = {"dim": base.shape[1], "ef_construction": ef_construction}
    quant_train_s = 0.0
    if design.family in ("ivf", "binary") and name != "binary_flat":
        ctx["centroids"] = np.load(cache / f"quant_{n}.npy")
        quant_train_s = json.loads((cache / f"quantizer_{n}.json").read_text())["train_s"]
    ctx["sample"] = _sample(base, SAMPLE)
    binary = design.family == "binary"
    if name == "binary_ivf":
        quant_train_s = 0.0  # trains its own Hamming centroids below
        ctx["centroids"] = np.zeros((nlist_for(n), 1), np.float32)
    index = design.build(base, ctx)
    t = time.perf_counter()
    if not index.is_trained:
        index.train(binarize(ctx["sample"]) if binary else ctx["sample"])
    train_s = time.perf_counter() - t + ctx.get("extra_train_s", 0.0)
    t = time.perf_counter()
    for lo in range(0, n, ADD_CHUNK):
        chunk = np.ascontiguousarray(base[lo:lo + ADD_CHUNK], dtype=np.float32)
        index.add(binarize(chunk) if binary else chunk)
    add_s = time.perf_counter() - t
    folder = cache / f"indexes_{n}"
    folder.mkdir(exist_ok=True)
    path = index_path(folder, name)
    (faiss.write_index_binary if binary else faiss.write_index)(index, str(path))
    size = path.stat().st_size
    return {"step": "build", "n": n, "design": name, "label": design.label, "family": design.family,
            "train_s": round(train_s + quant_train_s, 2), "shared_quantizer_s": quant_train_s,
            "add_s": round(add_s, 2), "build_s": round(train_s + quant_train_s + add_s, 2),
            "index_bytes": size, "fixed_bytes": _fixed_bytes(index, base.shape[1]),
            "ram_bytes_per_vector": round(size / n, 1),
            "ef_construction": ef_construction if name == "hnsw32" else None,
            "build_peak_rss_mb": peak_rss_mb()}


def _searcher(index: Any, s: SearchSetting, binary: bool, cache: Path, n: int, k: int) -> Any:
    import faiss

    if s.nprobe:
        (index if binary else faiss.extract_index_ivf(index)).nprobe = s.nprobe
    if s.ef:
        index.hnsw.efSearch = s.ef
    store = scale = None
    if s.rescore == "int8":
        store, scale = np.load(cache / f"int8_{n}.npy", mmap_mode="r"), np.load(cache / f"int8_scale_{n}.npy")
    elif s.rescore == "float":
        store = np.load(base_path(cache, n), mmap_mode="r")
    depth = s.shortlist if s.rescore else k

    def search(q: np.ndarray) -> np.ndarray:
        _, ids = index.search(binarize(q) if binary else q, depth)
        return rescore(q, ids, store, scale, k) if store is not None else ids
    return search


def serve(cache: Path, n: int, name: str, k: int = 10) -> dict[str, Any]:
    """Load one built design in this fresh process and measure every search setting."""
    import faiss

    design = DESIGNS[name]
    binary = design.family == "binary"
    queries = np.load(cache / "queries_bioasq_7b-10b.npy")
    gt = np.load(cache / f"gt_{n}.npy")[:, :k]
    rss_before = rss_mb()
    path = index_path(cache / f"indexes_{n}", name)
    index = (faiss.read_index_binary if binary else faiss.read_index)(str(path))
    rows = []
    dim = queries.shape[1]
    for s in design.settings:
        search = _searcher(index, s, binary, cache, n, k)
        search(queries[:1])  # warm-up
        t, done = time.perf_counter(), 0
        while done < min(BATCH1_QUERIES, len(queries)) and time.perf_counter() - t < BATCH1_SECONDS:
            search(queries[done:done + 1])
            done += 1
        qps1 = done / (time.perf_counter() - t)
        t = time.perf_counter()
        got = np.concatenate([search(queries[i:i + BATCH]) for i in range(0, len(queries), BATCH)])
        qps64 = len(queries) / (time.perf_counter() - t)
        recall = float(np.mean([len(set(a) & set(b)) / k for a, b in zip(got, gt, strict=True)]))
        rows.append({"setting": s.name, "rescore": s.rescore, "shortlist": s.shortlist if s.rescore else 0,
                     "recall_at_10": round(recall, 4), "qps_batch1": round(qps1, 1), "qps_batch64": round(qps64, 1),
                     "batch1_queries": done,
                     "disk_bytes_per_vector": {"int8": dim, "float": 4 * dim}.get(s.rescore, 0)})
    return {"step": "serve", "n": n, "design": name, "queries": len(queries), "k": k, "settings": rows,
            "threads": faiss.omp_get_max_threads(), "rss_before_index_mb": rss_before,
            "rss_after_search_mb": rss_mb(), "index_rss_mb": round(rss_mb() - rss_before, 1),
            "serve_peak_rss_mb": peak_rss_mb()}


def main(argv: list[str]) -> None:
    step, cache, n = argv[0], Path(argv[1]), int(argv[2])
    out = Path(argv[-1])
    if step == "quantizer":
        result = quantizer(cache, n)
    elif step == "int8":
        result = int8_store(cache, n)
    elif step == "build":
        result = build(cache, n, argv[3], int(argv[4]))
    else:
        result = serve(cache, n, argv[3])
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1))
    tmp.replace(out)


if __name__ == "__main__":
    main(sys.argv[1:])
