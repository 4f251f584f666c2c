"""``biomedqa doctor``: what this machine offers biomedqa (CPU flags, CUDA, FAISS GPU, models, indexes)."""

from __future__ import annotations

import importlib.metadata
import platform
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
import httpx

from biomedqa.cli.options import with_settings
from biomedqa.cli.output import echo_json
from biomedqa.cli.probe import probe_ncbi
from biomedqa.settings import Settings, get_settings


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


def _cpu_report(configured: int | None) -> dict[str, Any]:
    from biomedqa.threads import free_cores

    rep = asdict(free_cores(interval=0.5))
    rep["llm_threads"] = configured or rep["free"]
    rep["llm_threads_source"] = "llm.n_threads" if configured else "free cores now"
    return rep


def cpu_lines(cpu: dict[str, Any]) -> list[str]:
    """Human lines for the CPU report, with a warning when other processes compete for the cores."""
    quota = f"{cpu['quota']:g}" if cpu["quota"] is not None else "none"
    lines = [
        f"cores: {cpu['usable']} usable (os.cpu_count {cpu['cpu_count']}, affinity {cpu['affinity']}, "
        f"physical {cpu['physical']}, cgroup quota {quota}); llm threads {cpu['llm_threads']} "
        f"({cpu['llm_threads_source']})",
        f"load: 1-min average {cpu['load1']}, other processes busy on {cpu['busy_others']} cores now",
    ]
    if cpu["busy_others"] >= 0.75 or cpu["load1"] > cpu["usable"]:
        lines.append(
            "warning: other processes are using these cores; llama.cpp runs 10-20x slower when its threads "
            "compete for a core. Stop them, or leave llm.n_threads unset so biomedqa uses only the free cores."
        )
    return lines


def collect(s: Settings | None = None, *, transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Everything ``doctor`` reports, with ``warnings`` (default index missing, NCBI unreachable)."""
    from biomedqa.models import installed_models

    s = s or get_settings()
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
        "cpu": _cpu_report(s.llm.n_threads),
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
    info["ncbi"] = probe_ncbi(s.ncbi, transport=transport)
    info["warnings"] = _warnings(s, info)
    return info


def _warnings(s: Settings, info: dict[str, Any]) -> list[str]:
    out = []
    lit = info["literature"]
    if lit["kind"] == "index" and not lit["ready"]:
        out.append(f"the default index '{s.retrieval.index}' is missing: build it with biomedqa index build CORPUS "
                   f"--name {s.retrieval.index}, or use -o retrieval.source=demo")
    elif lit["kind"] == "demo" and not lit["ready"]:
        out.append(f"no index of yours and the default '{s.retrieval.index}' is missing: ask will build and search "
                   "the bundled demo index (about a minute, once)")
    ncbi = info["ncbi"]
    if ncbi["reachable"] is False:
        out.append(f"NCBI E-utilities is unreachable ({ncbi['detail']}, {ncbi['seconds']} s): gene/SNP tools and "
                   "live PubMed will fail; use --replay FILE or -o agent.use_eutils=false")
    return out


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


@click.command(epilog="\b\nExamples:\n  biomedqa doctor\n  biomedqa doctor --json | jq .warnings")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@with_settings(ncbi=False)
def doctor(as_json: bool, settings: Settings) -> None:
    """Report CPU flags, CUDA, FAISS GPU, models, indexes, NCBI reachability, and warnings.

    NCBI is checked with one einfo request (2 s timeout; skipped with -o ncbi.offline=true).
    """
    info = collect(settings)
    if as_json:
        echo_json(info)
        return
    click.echo(f"python {info['python']} on {info['machine']}; CPU flags: {' '.join(info['cpu_flags']) or '?'}")
    click.echo(
        f"CUDA (torch): {info['cuda']}; FAISS GPUs: {info['faiss_gpus']}; "
        f"llama.cpp GPU offload: {info['llama_gpu_offload']}"
    )
    click.echo("packages: " + ", ".join(f"{k} {v}" for k, v in info["packages"].items() if v))
    for line in cpu_lines(info["cpu"]):
        click.echo(line)
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
    ncbi = info["ncbi"]
    state = {True: "reachable", False: "unreachable", None: "not checked"}[ncbi["reachable"]]
    click.echo(f"NCBI E-utilities: {state} ({ncbi['detail']}; {ncbi['seconds']} s)")
    for w in info["warnings"]:
        click.echo(f"warning: {w}")
