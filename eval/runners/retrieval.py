"""``biomedqa eval retrieval``: nDCG@10 / Recall / MRR, latency and throughput of one retriever on a suite.

The corpus index is built once and cached under ``settings.index_dir`` (named after the corpus,
plus a short hash when the index settings differ from the defaults).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel, Field

from biomedqa.cli import echo_json, stderr_console, with_settings
from biomedqa.eval.datasets import SUITES, Suite, load_suite
from biomedqa.eval.metrics import evaluate, latency_stats, results_from_passages
from biomedqa.indexes import LocalIndex, build_index, open_index
from biomedqa.indexes.manifest import MANIFEST, read_manifest
from biomedqa.interfaces import ChatModel, Embedder
from biomedqa.settings import IndexSettings, Settings

logger = logging.getLogger(__name__)

BUILD_KEYS = ("embedder", "kind", "nlist", "pq_m", "hnsw_m", "chunk_words", "chunk_overlap", "bm25_stemmer",
              "bm25_k1", "bm25_b")


class RetrievalRun(BaseModel):
    """One evaluation run, saved as JSON (what ``biomedqa eval report`` reads)."""

    suite: str
    retriever: str
    hyde: bool = False
    label: str = Field(default="", description="Short name for tables and plots")
    n_queries: int
    k: int
    metrics: dict[str, float]
    latency: dict[str, float] = Field(description="Per-query search latency (ms), HyDE generation excluded")
    throughput_qps: float = Field(description="Queries/s with search_many in batches of 64")
    hyde_latency: dict[str, float] = Field(default_factory=dict, description="Per-query HyDE generation (ms)")
    overhead: dict[str, dict[str, float]] = Field(default_factory=dict)
    index: dict[str, Any] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)
    created: str = Field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S"))
    seconds: float = 0.0
    per_query: dict[str, dict[str, float]] = Field(default_factory=dict)


def _build_config(cfg: IndexSettings, embedder_name: str) -> dict[str, Any]:
    data = cfg.model_dump(mode="json")
    data["embedder"] = embedder_name
    return {k: data[k] for k in BUILD_KEYS}


def index_name_for(suite: Suite, cfg: IndexSettings, embedder_name: str | None = None) -> str:
    """``<corpus>`` for default index settings, else ``<corpus>-<hash of the differing build settings>``."""
    default = _build_config(IndexSettings(), IndexSettings().embedder)
    mine = _build_config(cfg, embedder_name or cfg.embedder)
    diff = {k: v for k, v in mine.items() if v != default[k]}
    if not diff:
        return str(suite.index_name)
    return f"{suite.index_name}-{hashlib.sha256(json.dumps(diff, sort_keys=True).encode()).hexdigest()[:8]}"


def ensure_index(suite: Suite, settings: Settings, *, embedder: Embedder | None = None,
                 progress: bool = True) -> LocalIndex:
    """Open the suite's cached index, building it first when missing or built differently."""
    emb_name = embedder.name if embedder else settings.index.embedder
    name = index_name_for(suite, settings.index, emb_name)
    root = settings.index_dir / name
    if (root / MANIFEST).is_file():
        info = read_manifest(root, name)
        built = {k: info.build.get(k) for k in BUILD_KEYS} | {"embedder": info.embedder}
        sources = [s.path for s in info.sources] == [str(p.resolve()) for p in suite.corpus]
        if built == _build_config(settings.index, emb_name) and sources:
            return open_index(settings, name, embedder=embedder)
        logger.warning("index %s was built from other files or settings; rebuilding it", name)
    build_index(suite.corpus, name, settings, embedder=embedder, progress=progress)
    return open_index(settings, name, embedder=embedder)


def _search_all(retriever: Any, suite: Suite, k: int, hyde: list[list[str]] | None, progress: bool
                ) -> tuple[dict[str, dict[str, float]], list[float]]:
    from rich.progress import Progress

    results: dict[str, dict[str, float]] = {}
    times: list[float] = []
    with Progress(console=stderr_console(), disable=not progress) as prog:
        task = prog.add_task(f"{suite.name} / {retriever.name}", total=len(suite.queries))
        for i, (qid, query) in enumerate(suite.queries.items()):
            t = time.perf_counter()
            ranked = retriever.search_expanded(query, hyde[i], k) if hyde else retriever.search(query, k)
            times.append(time.perf_counter() - t)
            results[qid] = results_from_passages(ranked)
            prog.advance(task)
    return results, times


async def _expand_all(llm: ChatModel, settings: Settings, queries: list[str], progress: bool
                      ) -> tuple[list[list[str]], list[float]]:
    from rich.progress import Progress

    from biomedqa.retrievers.hyde import HyDEExpander

    expander = HyDEExpander(llm, settings)
    out, times = [], []
    with Progress(console=stderr_console(), disable=not progress) as prog:
        task = prog.add_task("HyDE expansions", total=len(queries))
        for q in queries:
            t = time.perf_counter()
            out.append(await expander.expand(q))
            times.append(time.perf_counter() - t)
            prog.advance(task)
    logger.info("hyde: %d cached, %d generated", expander.hits, expander.misses)
    return out, times


def run_retrieval(settings: Settings, suite_name: str, retriever: str, *, hyde: bool = False,
                  limit: int | None = None, k: int = 100, overhead: bool = False, progress: bool = True,
                  embedder: Embedder | None = None, llm: ChatModel | None = None) -> RetrievalRun:
    """Evaluate one retriever on one suite (building the index if needed).

    Args:
        settings: Index and retrieval settings (fusion weights, RRF k, HyDE knobs).
        suite_name: ``scifact-dev``, ``bioasq``, ``mirage-bioasq``, ``mirage-pubmedqa`` or ``pubmedqa``.
        retriever: ``bm25``, ``dense`` or ``hybrid``.
        hyde: Expand each query with LLM-written hypothetical abstracts.
        limit: Evaluate only the first ``limit`` queries.
        k: Results per query (100 for Recall@100).
        overhead: Also time our retriever against raw FAISS / bm25s on the same queries.
        progress: Show progress bars.
        embedder: Use this embedder instead of ``settings.index.embedder``.
        llm: ChatModel for HyDE (default: the configured local model).
    """
    from biomedqa.deps import Deps
    from biomedqa.eval.speed import measure_overhead
    from biomedqa.retrievers import retriever_for_index

    t0 = time.perf_counter()
    suite = load_suite(suite_name, limit)
    deps = Deps(settings, **({"embedder": embedder} if embedder else {}), **({"llm": llm} if llm else {}))
    index = ensure_index(suite, settings, embedder=embedder, progress=progress)
    ret = retriever_for_index(index, settings, lambda: deps.embedder, retriever)
    queries = list(suite.queries.values())
    expansions, hyde_times = (asyncio.run(_expand_all(deps.llm, settings, queries, progress)) if hyde
                              else (None, []))
    ret.search(queries[0], k)  # warm-up: model load, lazy index loads
    results, times = _search_all(ret, suite, k, expansions, progress)
    t = time.perf_counter()
    for i in range(0, len(queries), 64):
        ret.search_many(queries[i:i + 64], k)
    qps = len(queries) / (time.perf_counter() - t)
    metrics, per_query = evaluate(suite.qrels, results)
    run = RetrievalRun(
        suite=suite.name, retriever=retriever, hyde=hyde, label=_label(suite.name, retriever, hyde, settings),
        n_queries=len(queries), k=k, metrics=metrics, latency=latency_stats(times), throughput_qps=round(qps, 1),
        hyde_latency=latency_stats(hyde_times) if hyde else {},
        index={"name": index.name, "docs": index.info.docs, "records": index.info.records,
               "embedder": index.info.embedder, "kind": index.info.kind},
        settings={"retrieval": settings.retrieval.model_dump(mode="json"),
                  "index": settings.index.model_dump(mode="json")},
        per_query=per_query,
    )
    if overhead:
        run.overhead = measure_overhead(index, settings, deps.embedder, queries[:200], k=10)
    run.seconds = round(time.perf_counter() - t0, 1)
    return run


def _label(suite: str, retriever: str, hyde: bool, settings: Settings) -> str:
    r = settings.retrieval
    fusion = f"-{r.fusion}" + (f"{r.rrf_k}" if r.fusion == "rrf" else "") if retriever == "hybrid" else ""
    return f"{suite}/{retriever}{fusion}{'+hyde' if hyde else ''}"


def save_run(run: RetrievalRun, out_dir: Path) -> Path:
    """Write ``<suite>_<retriever>[_hyde]_<time>.json`` and a one-row Markdown table; returns the JSON path."""
    from biomedqa.eval.report import markdown_table

    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{run.suite}_{run.retriever}{'_hyde' if run.hyde else ''}_{run.created.replace(':', '')}"
    path = out_dir / f"{stem}.json"
    path.write_text(run.model_dump_json(indent=2))
    (out_dir / f"{stem}.md").write_text(markdown_table([run]) + "\n")
    return path


@click.command("retrieval")
@click.option("--suite", type=click.Choice(list(SUITES)), default="scifact-dev", show_default=True)
@click.option("--retriever", "kind", type=click.Choice(["bm25", "dense", "hybrid"]), default=None,
              help="Default: retrieval.retriever from the settings.")
@click.option("--hyde/--no-hyde", default=None, help="HyDE query expansion (default: retrieval.hyde).")
@click.option("--limit", type=int, default=None, help="Only the first N queries.")
@click.option("--overhead", is_flag=True, help="Also time against raw FAISS / bm25s (first 200 queries).")
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/retrieval"),
              show_default=True)
@with_settings(ncbi=False)
def command(suite: str, kind: str | None, hyde: bool | None, limit: int | None, overhead: bool, as_json: bool,
            out_dir: Path, settings: Settings) -> None:
    """Evaluate a retriever on a retrieval suite (nDCG@10, Recall@10/100, MRR@10, latency)."""
    from biomedqa.eval.report import print_table

    run = run_retrieval(settings, suite, kind or settings.retrieval.retriever,
                        hyde=settings.retrieval.hyde if hyde is None else hyde, limit=limit, overhead=overhead,
                        progress=not as_json)
    path = save_run(run, out_dir)
    if as_json:
        echo_json(run.model_dump(mode="json", exclude={"per_query"}))
    else:
        print_table([run])
        click.echo(f"Saved {path}")
