"""The index designs of ``biomedqa eval scale``: how each is built, and the search settings it is measured at.

Every design is an inner-product index over unit vectors. IVF designs share one coarse quantizer
per N (spherical k-means, trained once and counted in each design's train time); OPQ rotates those
centroids into its own space (the rotation is orthogonal, so inner products are unchanged). Binary
designs keep sign bits in RAM; "rescore" settings re-rank a shortlist with int8 or float vectors
read from a memory-mapped file on disk (RAM bytes per vector stay those of the codes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SHORTLIST = 100


@dataclass(frozen=True)
class SearchSetting:
    """One measured configuration: ``nprobe``/``efSearch`` and an optional rescoring of a shortlist."""

    name: str
    nprobe: int = 0
    ef: int = 0
    rescore: str = ""  # "" | "int8" | "float"
    shortlist: int = SHORTLIST


@dataclass(frozen=True)
class Design:
    """An index design and its search settings."""

    name: str
    label: str
    family: str  # flat | hnsw | ivf | binary
    build: Callable[[np.ndarray, dict[str, Any]], Any]
    settings: tuple[SearchSetting, ...] = field(default=(SearchSetting("default"),))


def nlist_for(n: int) -> int:
    """IVF lists used at ``n`` vectors (about 4*sqrt(n), a power of two)."""
    return 1024 if n <= 200_000 else 4096 if n <= 4_000_000 else 65536


def _ivf_settings(*rescore: str) -> tuple[SearchSetting, ...]:
    out = [SearchSetting("nprobe=16", nprobe=16), SearchSetting("nprobe=64", nprobe=64),
           SearchSetting("nprobe=256", nprobe=256)]
    out += [SearchSetting(f"nprobe=64+{r}@{SHORTLIST}", nprobe=64, rescore=r) for r in rescore]
    # A wider probe and a longer shortlist: what it costs to win back recall PQ codes lose at 1M+.
    out += [SearchSetting(f"nprobe=256+{r}@400", nprobe=256, rescore=r, shortlist=400) for r in rescore]
    out += [SearchSetting(f"nprobe=512+{r}@1000", nprobe=512, rescore=r, shortlist=1000) for r in rescore]
    return tuple(out)


def _quantizer(ctx: dict[str, Any]) -> Any:
    import faiss

    q = faiss.IndexFlatIP(ctx["dim"])
    q.add(ctx["centroids"])
    return q


def _flat(base: np.ndarray, ctx: dict[str, Any]) -> Any:
    import faiss

    return faiss.IndexFlatIP(base.shape[1])


def _hnsw(base: np.ndarray, ctx: dict[str, Any]) -> Any:
    import faiss

    index = faiss.IndexHNSWFlat(base.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ctx.get("ef_construction", 40)
    return index


def _ivf_flat(base: np.ndarray, ctx: dict[str, Any]) -> Any:
    import faiss

    return faiss.IndexIVFFlat(_quantizer(ctx), base.shape[1], len(ctx["centroids"]), faiss.METRIC_INNER_PRODUCT)


def _ivfpq(m: int) -> Callable[[np.ndarray, dict[str, Any]], Any]:
    def build(base: np.ndarray, ctx: dict[str, Any]) -> Any:
        import faiss

        return faiss.IndexIVFPQ(_quantizer(ctx), base.shape[1], len(ctx["centroids"]), m, 8,
                                faiss.METRIC_INNER_PRODUCT)
    return build


def _opq_ivfpq(m: int) -> Callable[[np.ndarray, dict[str, Any]], Any]:
    def build(base: np.ndarray, ctx: dict[str, Any]) -> Any:
        import faiss

        d = base.shape[1]
        opq = faiss.OPQMatrix(d, m)
        opq.niter = 20
        t = time.perf_counter()
        opq.train(ctx["sample"][:65536])
        ctx["extra_train_s"] = time.perf_counter() - t
        q = faiss.IndexFlatIP(d)
        q.add(opq.apply(ctx["centroids"]))
        ivf = faiss.IndexIVFPQ(q, d, len(ctx["centroids"]), m, 8, faiss.METRIC_INNER_PRODUCT)
        index = faiss.IndexPreTransform(opq, ivf)
        return index
    return build


# faiss' Python constructors keep references to the sub-indexes they are given (quantizers, OPQ),
# so nothing here needs own_fields.


def _binary_flat(base: np.ndarray, ctx: dict[str, Any]) -> Any:
    import faiss

    return faiss.IndexBinaryFlat(base.shape[1])


def _binary_ivf(base: np.ndarray, ctx: dict[str, Any]) -> Any:
    import faiss

    d = base.shape[1]
    q = faiss.IndexBinaryFlat(d)
    index = faiss.IndexBinaryIVF(q, d, len(ctx["centroids"]))
    return index


def binarize(x: np.ndarray) -> np.ndarray:
    """Sign bits of each row, packed (``dim/8`` bytes per vector)."""
    return np.packbits(np.asarray(x) > 0, axis=1)


DESIGNS: dict[str, Design] = {d.name: d for d in (
    Design("flat", "Flat IP (exact)", "flat", _flat),
    Design("hnsw32", "HNSW M=32 (efConstruction 40)", "hnsw", _hnsw,
           (SearchSetting("ef=64", ef=64), SearchSetting("ef=128", ef=128))),
    Design("ivf_flat", "IVF-Flat", "ivf", _ivf_flat, _ivf_settings()),
    Design("ivfpq48", "IVF-PQ m=48", "ivf", _ivfpq(48), _ivf_settings("int8")),
    Design("ivfpq96", "IVF-PQ m=96", "ivf", _ivfpq(96), _ivf_settings("int8")),
    Design("ivfpq192", "IVF-PQ m=192", "ivf", _ivfpq(192), _ivf_settings("int8")),
    Design("opq96_ivfpq96", "OPQ96 + IVF-PQ m=96", "ivf", _opq_ivfpq(96), _ivf_settings("int8")),
    Design("binary_flat", "Binary sign bits, flat Hamming", "binary", _binary_flat,
           (SearchSetting("hamming"), SearchSetting(f"int8@{SHORTLIST}", rescore="int8"),
            SearchSetting(f"float@{SHORTLIST}", rescore="float"),
            SearchSetting("int8@400", rescore="int8", shortlist=400))),
    Design("binary_ivf", "Binary sign bits, IndexBinaryIVF", "binary", _binary_ivf,
           (SearchSetting("nprobe=64", nprobe=64),
            SearchSetting(f"nprobe=64+int8@{SHORTLIST}", nprobe=64, rescore="int8"),
            SearchSetting("nprobe=64+int8@400", nprobe=64, rescore="int8", shortlist=400))),
)}


def index_path(folder: Path, design: str) -> Path:
    return folder / f"{design}.index"
