"""Batch throughput benchmark (not a test): ``python -m tests.frontdoors.bench_batch [--fake] [-n 20]``.

Times, on one warmed-up agent and the first N PubMedQA questions: plain sequential ``agent.aask``
calls, then ``run_batch`` at concurrency 1 and 2. With ``--fake`` it uses a zero-delay FakeAgent
over many rows, which isolates the batch layer's own cost (journal fsync, output, bookkeeping).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from biomedqa.batch import run_batch
from biomedqa.cli import AgentLike
from biomedqa.shared_data import shared_data_dir
from biomedqa.testing import ListRetriever
from biomedqa.types import Passage
from tests.frontdoors.conftest import pubmedqa_questions
from tests.frontdoors.fakes import FakeAgent


def write_questions(path: Path, qs: list[tuple[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", "question"], *qs])


async def bench(
    agent: AgentLike,
    qs: list[tuple[str, str]],
    work: Path,
    concurrencies: list[int],
    warmup: bool = True,
) -> dict[str, Any]:
    src = work / "q.csv"
    write_questions(src, qs)
    if warmup:
        await agent.aask(qs[0][1])  # load the model and the index, excluded from every timing
    start = time.perf_counter()
    for _, q in qs:
        await agent.aask(q)
    plain = time.perf_counter() - start
    out: dict[str, Any] = {
        "n": len(qs),
        "plain_seconds": round(plain, 3),
        "plain_q_per_min": round(60 * len(qs) / plain, 2),
    }
    print(json.dumps(out), file=sys.stderr, flush=True)
    for c in concurrencies:
        start = time.perf_counter()
        report = await run_batch(agent, src, work / f"a{c}.csv", concurrency=c, progress=False)
        wall = time.perf_counter() - start
        out[f"batch_c{c}"] = {
            "seconds": round(wall, 3),
            "q_per_min": round(60 * len(qs) / wall, 2),
            "ok": report.ok,
            "errors": report.errors,
            "overhead_vs_plain_pct": round(100 * (wall - plain) / plain, 2),
        }
        print(json.dumps({f"batch_c{c}": out[f"batch_c{c}"]}), file=sys.stderr, flush=True)
    return out


def pubmedqa_retriever() -> ListRetriever:
    """A word-overlap retriever over the 1000 PubMedQA abstracts (no index needed)."""
    data = json.loads((shared_data_dir() / "pubmedqa" / "ori_pqal.json").read_text(encoding="utf-8"))
    return ListRetriever(
        [Passage(doc_id=p, pmid=p, text=" ".join(it["CONTEXTS"]), source="bm25") for p, it in data.items()]
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--fake", action="store_true", help="zero-delay FakeAgent: the batch layer's own cost")
    ap.add_argument("--preset", default="fast")
    ap.add_argument("-o", dest="sets", action="append", default=[], help="KEY=VALUE overrides")
    ap.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up question")
    ap.add_argument(
        "--pubmedqa-retriever",
        action="store_true",
        help="retrieve from the 1000 PubMedQA abstracts in memory instead of an index",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.fake:
            qs = pubmedqa_questions(1000)[: args.n]
            result = asyncio.run(bench(FakeAgent(), qs, Path(tmp), [1, 2]))
            result["batch_ms_per_row_c1"] = round(
                1000 * (result["batch_c1"]["seconds"] - result["plain_seconds"]) / len(qs), 3
            )
        else:
            from biomedqa.api import Agent
            from biomedqa.cli import build_settings
            from biomedqa.deps import Deps

            settings = build_settings(args.preset, tuple(args.sets))
            deps = Deps(settings, retriever=pubmedqa_retriever()) if args.pubmedqa_retriever else None
            with Agent(settings, deps=deps) as agent:
                qs = pubmedqa_questions(args.n)
                result = asyncio.run(bench(agent, qs, Path(tmp), [1, 2], warmup=not args.no_warmup))
            result["settings"] = {
                "preset": args.preset,
                "overrides": args.sets,
                "model": settings.llm.model,
                "index": "pubmedqa-in-memory" if args.pubmedqa_retriever else settings.retrieval.index,
            }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
