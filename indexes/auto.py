"""``index.kind=auto``: choose the FAISS design from the corpus size and ``index.max_ram_gb``.

The rule follows ``biomedqa eval scale`` (MiniLM, 384 dims, 2 cores; see docs/SCALE.md):
- up to 200k vectors, exact flat search is fast enough and needs no training;
- up to 2M vectors, HNSW (M=32) when its ~1.8 kB per vector fits the budget;
- beyond that, IVF-PQ with the widest codes that fit 80% of the budget (m = 192, 96 or 48 bytes per
  vector, plus 8 bytes of id and the coarse centroids): on the real MiniLM vectors recall@10 at
  nprobe 64 was 0.92 (m=192), 0.85 (m=96), 0.74 (m=48) of exact search; on the 1M base (98%
  simulated) 0.74 (m=96) and 0.54 (m=48) at nprobe 256, and with int8 rescoring of a 400-long
  shortlist 0.93 (m=96) and 0.91 (m=48). A wider code never lost recall, so the widest that fits
  wins (m=96 for 36M at 8 GB: 3.85 GB extrapolated). OPQ is available as ``index.kind=opq_ivfpq``
  but not chosen: at 100k and 1M it added 0.01-0.02 recall@10 to IVF-PQ m=96 without rescoring
  and nothing with int8 rescoring.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from biomedqa.errors import ConfigError
from biomedqa.settings import IndexSettings

logger = logging.getLogger(__name__)

FLAT_MAX = 200_000
HNSW_MAX = 2_000_000
HEADROOM = 0.8  # leave 20% of the budget to the process, the query batch and the allocator
PQ_CHOICES = (192, 96, 48)


def _gb(x: float) -> str:
    return f"{x / 1e9:.2f} GB"


def estimate_bytes(kind: str, n: int, dim: int, pq_m: int = 0, hnsw_m: int = 32, nlist: int = 0) -> float:
    """Approximate RAM of a FAISS design over ``n`` vectors (codes, ids, links, centroids)."""
    if kind == "flat":
        return n * dim * 4.0
    if kind == "hnsw":
        return n * (dim * 4.0 + hnsw_m * 2 * 4 * 1.05)  # level-0 links (2M) plus ~5% upper levels
    nlist = nlist or int(4 * math.sqrt(max(n, 1)))
    fixed = nlist * dim * 4.0 + 256 * dim * 4.0 + (dim * dim * 4.0 if kind == "opq_ivfpq" else 0.0)
    per = (dim * 4.0 if kind == "ivf" else pq_m) + 8.0
    return n * per + fixed


def resolve_kind(cfg: IndexSettings, n: int, dim: int) -> tuple[IndexSettings, dict[str, Any]]:
    """Settings with ``kind`` (and ``pq_m``) decided, and a record of the decision for the manifest.

    Non-auto kinds are returned unchanged (with their estimated size). ``auto`` raises
    ConfigError when even the smallest IVF-PQ design does not fit ``index.max_ram_gb``.
    """
    budget = cfg.max_ram_gb * 1e9
    if cfg.kind != "auto":
        est = estimate_bytes(cfg.kind, n, dim, cfg.pq_m, cfg.hnsw_m, cfg.nlist)
        return cfg, {"kind": cfg.kind, "auto": False, "estimated_bytes": int(est),
                     "reason": f"index.kind={cfg.kind} was set ({_gb(est)} estimated for {n} vectors)"}
    usable = budget * HEADROOM
    flat = estimate_bytes("flat", n, dim)
    hnsw = estimate_bytes("hnsw", n, dim, hnsw_m=cfg.hnsw_m)
    if n <= FLAT_MAX and flat <= usable:
        kind, m, est = "flat", cfg.pq_m, flat
        why = f"{n} vectors <= {FLAT_MAX}: exact search is fast enough and fits ({_gb(flat)})"
    elif n <= HNSW_MAX and hnsw <= usable:
        kind, m, est = "hnsw", cfg.pq_m, hnsw
        why = f"{n} vectors <= {HNSW_MAX} and HNSW M={cfg.hnsw_m} fits ({_gb(hnsw)} of {_gb(usable)} usable)"
    else:
        fits = [(m, k, estimate_bytes(k, n, dim, m, nlist=cfg.nlist)) for m in PQ_CHOICES if dim % m == 0
                for k in ("ivfpq",)]
        fits = [f for f in fits if f[2] <= usable]
        if not fits:
            smallest = estimate_bytes("ivfpq", n, dim, 48, nlist=cfg.nlist)
            raise ConfigError(
                f"no FAISS design for {n} vectors fits index.max_ram_gb={cfg.max_ram_gb} "
                f"(the smallest, IVF-PQ m=48, needs about {_gb(smallest / HEADROOM)}).",
                hint="Raise -o index.max_ram_gb=..., or build shards on several machines and join them "
                "with biomedqa index merge.")
        m, kind, est = fits[0]
        too_big = "flat/HNSW exceed the budget" if n <= HNSW_MAX else f"{n} vectors > {HNSW_MAX}"
        why = (f"{too_big}; {kind} m={m} is the widest PQ code that fits ({_gb(est)} of {_gb(usable)} usable: "
               f"{m} code + 8 id bytes per vector, plus centroids)")
    chosen = cfg.model_copy(update={"kind": kind, "pq_m": m})
    logger.info("index.kind=auto: %s (%s)", kind, why)
    return chosen, {"kind": kind, "auto": True, "pq_m": m if kind in ("ivfpq", "opq_ivfpq") else None,
                    "estimated_bytes": int(est), "max_ram_gb": cfg.max_ram_gb, "reason": why}
