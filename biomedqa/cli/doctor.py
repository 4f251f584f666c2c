"""``biomedqa doctor``: what this machine offers biomedqa (CPU flags, CUDA, FAISS GPU, models, indexes)."""

from __future__ import annotations

import importlib.metadata
import platform
from pathlib import Path
from typing import Any

import click

from biomedqa.cli.output import echo_json, handle_errors


def _cpu_flags() -> list[str]:
    wanted = ("avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "avx_vnni")
    try:
        line = next(ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("flags"))
    except (OSError, StopIteration):
        return []
    have = set(line.split(":", 1)[1].split())
    return [f for f in wanted if f in have]


def _version(pkg: str) -> str | None:
    try:
        return importlib.metadata.version(pkg)
    except importlib.metadata.PackageNotFoundError:
        return None


def collect() -> dict[str, Any]:
    from biomedqa.models import installed_models
    from biomedqa.settings import get_settings

    s = get_settings()
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_flags": _cpu_flags(),
        "packages": {
            p: _version(p)
            for p in (
                "torch",
                "llama_cpp_python",
                "faiss-cpu",
                "faiss-gpu-cu12",
                "sentence-transformers",
                "langgraph",
                "bm25s",
                "sqlglot",
            )
        },
        "home": str(s.home),
        "cache_dir": str(s.cache_dir),
    }
    try:
        import torch

        info["cuda"] = bool(torch.cuda.is_available())
    except ImportError:
        info["cuda"] = False
    try:
        import faiss

        info["faiss_gpus"] = int(faiss.get_num_gpus()) if hasattr(faiss, "get_num_gpus") else 0
    except ImportError:
        info["faiss_gpus"] = None
    from biomedqa.llm import gpu_available

    info["llama_gpu_offload"] = gpu_available()
    info["models"] = installed_models(s.cache_dir)
    try:
        from biomedqa.indexes import list_indexes

        info["indexes"] = [i.model_dump(mode="json") if hasattr(i, "model_dump") else str(i) for i in list_indexes(s)]
    except Exception as e:  # doctor reports; it never fails on what it inspects
        info["indexes"] = f"unavailable: {e}"
    info["literature"] = _literature(s)
    return info


def _literature(s: Any) -> dict[str, Any]:
    """Which literature source ``ask`` would search now (``retrieval.source``), and whether it is ready."""
    from biomedqa.indexes.demo import demo_exists
    from biomedqa.retrievers.source import resolve_source

    src = resolve_source(s)
    ready = {"demo": demo_exists(s), "index": (s.index_dir / src.name / "manifest.json").is_file(),
             "pubmed": None, "none": None}[src.kind]
    note = {True: "built", False: "built on the first question (about a minute)" if src.kind == "demo" else
            f"missing: build it with biomedqa index build CORPUS --name {src.name}", None: "needs NCBI (or --replay)"}
    return {"source": s.retrieval.source, "kind": src.kind, "name": src.name, "label": src.label,
            "ready": ready, "note": note[ready]}


@click.command()
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def doctor(as_json: bool) -> None:
    """Report CPU flags, CUDA, FAISS GPU, model files and sizes, and indexes."""
    info = collect()
    if as_json:
        echo_json(info)
        return
    click.echo(f"python {info['python']} on {info['machine']}; CPU flags: {' '.join(info['cpu_flags']) or '?'}")
    click.echo(
        f"CUDA (torch): {info['cuda']}; FAISS GPUs: {info['faiss_gpus']}; "
        f"llama.cpp GPU offload: {info['llama_gpu_offload']}"
    )
    click.echo("packages: " + ", ".join(f"{k} {v}" for k, v in info["packages"].items() if v))
    click.echo(f"home: {info['home']}   cache: {info['cache_dir']}")
    for m in info["models"]:
        size = f"{m['size_mb']} MB" if "size_mb" in m else f"dim {m.get('dim')}"
        click.echo(f"  model {m['name']:30} {m['kind']:8} {'ok' if m['available'] else 'missing':8} {size}")
    lit = info["literature"]
    click.echo(f"literature (retrieval.source={lit['source']}): {lit['label'].removeprefix('Searched: ')} "
               f"[{lit['note']}]")
    idx = info["indexes"]
    if isinstance(idx, str) or not idx:
        click.echo(f"indexes: {idx or 'none (build one: biomedqa index build CORPUS --name NAME)'}")
    else:
        for i in idx:
            click.echo(f"  index {i.get('name', i) if isinstance(i, dict) else i}")
