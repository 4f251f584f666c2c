"""Benchmark vectors: real MiniLM embeddings (cached once), a mixture fitted to them, exact ground truth.

Real vectors are the mini-PubMed index units and the SciFact abstracts, embedded as the index build
embeds them (``title. text``). Queries are the BioASQ 7B-10B questions (11B is reserved). Beyond the
real vectors, bases of N vectors are filled with samples from a mixture fitted to the real ones:
k-means clusters, and in the basis of the global PCA a diagonal Gaussian per cluster (variances
shrunk towards the pooled within-cluster variance), normalised to unit length like the real ones.
Everything is written under one cache folder and reused by later runs.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from biomedqa.settings import Settings

logger = logging.getLogger(__name__)

QUERY_TASKS = ("7B", "8B", "9B", "10B")  # BioASQ 11B is reserved for final reporting
MIX_CLUSTERS = 256
SHRINK = 10.0
CHUNK = 100_000
GT_K = 100


def _minipubmed_texts(shared: Path, settings: Settings) -> Iterator[str]:
    from biomedqa.indexes.chunk import chunk_records
    from biomedqa.indexes.ingest import IngestReport, iter_records

    path = shared / "derived/minipubmed/corpus.jsonl.gz"
    cfg = settings.index
    for doc in chunk_records(iter_records([path], IngestReport()), cfg.chunk_words, cfg.chunk_overlap):
        yield doc.embed_text()


def _scifact_texts(shared: Path) -> Iterator[str]:
    with gzip.open(shared / "retrieval/scifact/corpus.jsonl.gz", "rt") as f:
        for line in f:
            row = json.loads(line)
            yield f"{row['title']}. {' '.join(row['abstract'])}"


def query_texts(shared: Path) -> list[str]:
    """BioASQ 7B-10B questions of the mini-PubMed benchmark, in file order."""
    out = []
    with (shared / "derived/minipubmed/queries_bioasq.jsonl").open() as f:
        for line in f:
            row = json.loads(line)
            if row["task"] in QUERY_TASKS:
                out.append(row["text"])
    return out


def _embed_cached(path: Path, texts: list[str], settings: Settings) -> np.ndarray:
    if path.exists():
        cached: np.ndarray = np.load(path)
        return cached
    from biomedqa.indexes.embed import embed_batches, load_embedder

    emb = load_embedder(settings)
    order = np.argsort([len(t) for t in texts], kind="stable")  # less padding; restored below
    parts = list(embed_batches((texts[i] for i in order), emb, settings.index.batch_size * 16))
    vecs = np.empty((len(texts), emb.dim), np.float32)
    vecs[order] = np.concatenate(parts)
    np.save(path, vecs)
    logger.info("scale: embedded %d texts → %s", len(texts), path)
    return vecs


def real_vectors(cache: Path, shared: Path, settings: Settings) -> dict[str, np.ndarray]:
    """``{"minipubmed": ..., "scifact": ..., "queries": ...}``, embedded once and cached as .npy."""
    cache.mkdir(parents=True, exist_ok=True)
    return {
        "minipubmed": _embed_cached(cache / "real_minipubmed.npy", list(_minipubmed_texts(shared, settings)), settings),
        "scifact": _embed_cached(cache / "real_scifact.npy", list(_scifact_texts(shared)), settings),
        "queries": _embed_cached(cache / "queries_bioasq_7b-10b.npy", query_texts(shared), settings),
    }


def _normalize(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12), np.float32)


def fit_mixture(real: np.ndarray, k: int = MIX_CLUSTERS, seed: int = 0) -> dict[str, np.ndarray]:
    """Cluster weights, means and per-cluster PCA-basis standard deviations of ``real``."""
    import faiss

    km = faiss.Kmeans(real.shape[1], k, niter=20, seed=seed, spherical=False, verbose=False)
    km.train(real)
    _, assign = km.index.search(real, 1)
    assign = assign[:, 0]
    centered = real - real.mean(axis=0)
    basis = np.linalg.svd(centered, full_matrices=False)[2].T  # columns: principal directions
    means = np.stack([real[assign == c].mean(axis=0) if (assign == c).any() else np.asarray(km.centroids)[c]
                      for c in range(k)])
    resid = (real - means[assign]) @ basis
    pooled = resid.var(axis=0)
    counts = np.bincount(assign, minlength=k).astype(np.float64)
    var = np.stack([
        ((resid[assign == c] ** 2).sum(axis=0) + SHRINK * pooled) / (counts[c] + SHRINK) for c in range(k)
    ])
    return {"weights": counts / counts.sum(), "means": means.astype(np.float32), "basis": basis.astype(np.float32),
            "std": np.sqrt(var).astype(np.float32)}


def sample_mixture(mix: dict[str, np.ndarray], n: int, seed: int) -> np.ndarray:
    """``n`` unit vectors drawn from the fitted mixture (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    comp = rng.choice(len(mix["weights"]), size=n, p=mix["weights"])
    z = rng.standard_normal((n, mix["basis"].shape[0])).astype(np.float32) * mix["std"][comp]
    return _normalize(mix["means"][comp] + z @ mix["basis"].T)


def base_path(cache: Path, n: int) -> Path:
    return cache / f"base_{n}.npy"


def prepare_base(cache: Path, real: np.ndarray, n: int, seed: int = 0) -> dict[str, Any]:
    """Write ``base_<n>.npy``: the real vectors first, then mixture samples (in 100k chunks)."""
    path = base_path(cache, n)
    n_real = min(n, len(real))
    meta = {"n": n, "real": n_real, "simulated": n - n_real, "seed": seed, "mixture_clusters": MIX_CLUSTERS}
    meta_path = cache / f"base_{n}.json"
    if path.exists() and meta_path.exists():
        return dict(json.loads(meta_path.read_text()))
    out = np.lib.format.open_memmap(path.with_suffix(".tmp.npy"), mode="w+", dtype=np.float32, shape=(n, real.shape[1]))
    out[:n_real] = real[:n_real]
    if n > n_real:
        mix = fit_mixture(real, seed=seed)
        for i, lo in enumerate(range(n_real, n, CHUNK)):
            hi = min(n, lo + CHUNK)
            out[lo:hi] = sample_mixture(mix, hi - lo, seed=seed * 1000 + i + 1)
    out.flush()
    del out
    path.with_suffix(".tmp.npy").replace(path)
    meta_path.write_text(json.dumps(meta))
    return meta


def ground_truth(cache: Path, n: int, queries: np.ndarray, k: int = GT_K) -> np.ndarray:
    """Exact inner-product top-``k`` ids of every query over ``base_<n>`` (cached)."""
    path = cache / f"gt_{n}.npy"
    if path.exists():
        cached: np.ndarray = np.load(path)
        return cached
    import faiss

    base = np.load(base_path(cache, n), mmap_mode="r")
    best_s = np.full((len(queries), k), -np.inf, np.float32)
    best_i = np.full((len(queries), k), -1, np.int64)
    for lo in range(0, n, CHUNK):
        flat = faiss.IndexFlatIP(base.shape[1])
        flat.add(np.ascontiguousarray(base[lo:lo + CHUNK]))
        s, i = flat.search(queries, k)
        s_all, i_all = np.hstack([best_s, s]), np.hstack([best_i, i + lo])
        top = np.argsort(-s_all, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(s_all, top, 1), np.take_along_axis(i_all, top, 1)
    np.save(path, best_i)
    return best_i
