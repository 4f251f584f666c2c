"""The GPU check behind ``eval/gpu_check.sh``: FAISS GPU vs CPU on 1M vectors, llama.cpp with every layer offloaded.

Prints one JSON object per part and a last ``gpu_check:`` summary line. Every part is optional:
a missing GPU build of FAISS or llama.cpp is reported as skipped, never as a number.
"""

from __future__ import annotations

import glob
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

N, DIM, NQ, K = 1_000_000, 384, 2_000, 10


def _vectors(cache: Path | None) -> tuple[np.ndarray, np.ndarray, str]:
    if cache is not None and (cache / "base_1000000.npy").exists():
        return (np.load(cache / "base_1000000.npy"), np.load(cache / "queries_bioasq_7b-10b.npy"),
                f"scale cache {cache}")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N + NQ, DIM), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x[:N], x[N:], "random unit vectors (seed 0)"


def _timed(index: Any, q: np.ndarray) -> tuple[float, np.ndarray]:
    index.search(q[:64], K)
    t = time.perf_counter()
    _, ids = index.search(q, K)
    return len(q) / (time.perf_counter() - t), ids


def faiss_part(cache: Path | None) -> dict[str, Any]:
    """Flat and IVF-PQ on CPU and GPU: q/s (batch of all queries) and recall@10 against CPU flat."""
    import faiss

    if not hasattr(faiss, "StandardGpuResources") or faiss.get_num_gpus() == 0:
        return {"part": "faiss", "skipped": "no GPU build of FAISS or no GPU visible"}
    xb, xq, source = _vectors(cache)
    out: dict[str, Any] = {"part": "faiss", "vectors": source, "n": len(xb), "queries": len(xq)}
    cpu = faiss.IndexFlatIP(DIM)
    cpu.add(xb)
    out["cpu_flat_qps"], truth = _timed(cpu, xq)
    res = faiss.StandardGpuResources()
    t = time.perf_counter()
    gpu = faiss.index_cpu_to_gpu(res, 0, cpu)
    out["gpu_flat_copy_s"] = round(time.perf_counter() - t, 2)
    out["gpu_flat_qps"], ids = _timed(gpu, xq)
    out["gpu_flat_recall"] = float(np.mean([len(set(a) & set(b)) / K for a, b in zip(ids, truth, strict=True)]))
    ivf = faiss.index_factory(DIM, "IVF4096,PQ96", faiss.METRIC_INNER_PRODUCT)
    givf = faiss.index_cpu_to_gpu(res, 0, ivf)
    t = time.perf_counter()
    givf.train(xb[:200_000])
    givf.add(xb)
    out["gpu_ivfpq96_build_s"] = round(time.perf_counter() - t, 2)
    faiss.GpuParameterSpace().set_index_parameter(givf, "nprobe", 64)
    out["gpu_ivfpq96_qps"], ids = _timed(givf, xq)
    out["gpu_ivfpq96_recall"] = float(np.mean([len(set(a) & set(b)) / K for a, b in zip(ids, truth, strict=True)]))
    civf = faiss.index_gpu_to_cpu(givf)
    faiss.extract_index_ivf(civf).nprobe = 64
    out["cpu_ivfpq96_qps"], _ = _timed(civf, xq)
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def embed_part() -> dict[str, Any]:
    """MiniLM (the default embedder) on CUDA: docs/s over 20k real abstracts-length texts (SciFact, cycled)."""
    import gzip

    import torch

    if not torch.cuda.is_available():
        return {"part": "embed", "skipped": "torch sees no CUDA device (CPU torch build?)"}
    from biomedqa.indexes.embed import embed_batches, load_embedder
    from biomedqa.settings import get_settings
    from biomedqa.shared_data import shared_data_dir

    with gzip.open(shared_data_dir() / "retrieval/scifact/corpus.jsonl.gz", "rt") as f:
        texts = [f"{r['title']}. {' '.join(r['abstract'])}" for r in map(json.loads, f)]
    texts = (texts * 4)[:20_000]
    settings = get_settings().with_overrides({"index.batch_size": 256})
    emb = load_embedder(settings)
    emb(texts[:256])
    t = time.perf_counter()
    n = sum(len(v) for v in embed_batches(texts, emb, 4096))
    seconds = time.perf_counter() - t
    return {"part": "embed", "device": torch.cuda.get_device_name(0), "texts": n, "seconds": round(seconds, 2),
            "docs_per_s": round(n / seconds, 1)}


def llama_part(path: Path, label: str) -> dict[str, Any]:
    """Load ``path`` with every layer on the GPU; prompt and generation tokens/s."""
    from llama_cpp import Llama, llama_supports_gpu_offload

    if not llama_supports_gpu_offload():
        return {"part": f"llama {label}", "skipped": "llama-cpp-python was built without GPU offload"}
    t = time.perf_counter()
    llm = Llama(str(path), n_gpu_layers=-1, n_ctx=4096, verbose=False)
    load = time.perf_counter() - t
    prompt = "Question: Does metformin lower HbA1c in type 2 diabetes? Answer with evidence. " * 20
    t = time.perf_counter()
    out: Any = llm(prompt, max_tokens=128, temperature=0.0)
    seconds = time.perf_counter() - t
    usage = out["usage"]
    return {"part": f"llama {label}", "model": path.name, "bytes": path.stat().st_size, "load_s": round(load, 2),
            "prompt_tokens": usage["prompt_tokens"], "completion_tokens": usage["completion_tokens"],
            "seconds": round(seconds, 2), "tokens_per_s": round(usage["completion_tokens"] / seconds, 1)}


def find_big_gguf() -> Path | None:
    """The first 7-8B-sized GGUF (3.5-9 GB) under $BIOMEDQA_GGUF_DIRS, ~/.cache, /models or /data."""
    roots = os.environ.get("BIOMEDQA_GGUF_DIRS", "").split(":") + [str(Path.home() / ".cache"), "/models", "/data"]
    for root in filter(None, roots):
        for f in glob.glob(f"{root}/**/*.gguf", recursive=True):
            if 3.5e9 <= Path(f).stat().st_size <= 9e9:
                return Path(f)
    return None


def main() -> None:
    from biomedqa.models import resolve_gguf
    from biomedqa.settings import get_settings

    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    parts = [faiss_part(cache), embed_part()]
    settings = get_settings()
    parts.append(llama_part(resolve_gguf(settings.llm.model, settings.cache_dir), "bundled"))
    big = find_big_gguf()
    parts.append(llama_part(big, "7-8B") if big else {"part": "llama 7-8B", "skipped": "no 7-8B GGUF found"})
    for p in parts:
        print(json.dumps(p))
    f, e, b, g = parts
    summary = [f"faiss flat 1M: gpu {f.get('gpu_flat_qps', 0):.0f} q/s vs cpu {f.get('cpu_flat_qps', 0):.0f} q/s "
               f"(recall {f.get('gpu_flat_recall', 0):.3f}); ivfpq96 gpu {f.get('gpu_ivfpq96_qps', 0):.0f} vs cpu "
               f"{f.get('cpu_ivfpq96_qps', 0):.0f} q/s" if "skipped" not in f else f"faiss skipped ({f['skipped']})"]
    summary.append(f"MiniLM embed {e['docs_per_s']} docs/s" if "skipped" not in e
                   else f"embed skipped ({e['skipped']})")
    for p in (b, g):
        summary.append(f"{p['part']}: {p['tokens_per_s']} tok/s full offload" if "skipped" not in p
                       else f"{p['part']} skipped ({p['skipped']})")
    print("gpu_check: " + "; ".join(summary))


if __name__ == "__main__":
    main()
