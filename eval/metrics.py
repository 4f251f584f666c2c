"""IR metrics with pytrec_eval over BEIR-shaped qrels/results, plus latency statistics."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np

from biomedqa.eval.datasets import Qrels, Results
from biomedqa.eval.extras import import_eval_dep
from biomedqa.types import Passage

logger = logging.getLogger(__name__)

METRICS = ("ndcg@10", "recall@10", "recall@100", "mrr@10")


def doc_key(p: Passage) -> str:
    """The id qrels use for a passage: its PMID, else its doc id without a ``#chunk`` suffix."""
    return p.pmid or p.doc_id.split("#", 1)[0]


def results_from_passages(ranked: Sequence[Passage]) -> dict[str, float]:
    """A BEIR results row from a best-first list; scores encode the rank so ties cannot reorder it."""
    out: dict[str, float] = {}
    for p in ranked:
        out.setdefault(doc_key(p), float(len(ranked) - len(out)))
    return out


def _truncate(results: Results, k: int) -> Results:
    return {q: dict(sorted(d.items(), key=lambda kv: -kv[1])[:k]) for q, d in results.items()}


def evaluate(qrels: Qrels, results: Results) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """nDCG@10, Recall@10, Recall@100 and MRR@10 with pytrec_eval.

    Means are over every judged query; a query with no results counts as 0 (BEIR's convention).

    Returns:
        (mean per metric, per-query metrics).
    """
    pytrec_eval = import_eval_dep("pytrec_eval")
    judged = {q: d for q, d in qrels.items() if d}
    full = {q: results.get(q, {}) for q in judged}
    ev = pytrec_eval.RelevanceEvaluator(judged, {"ndcg_cut.10", "recall.10", "recall.100"})
    rr = pytrec_eval.RelevanceEvaluator(judged, {"recip_rank"})
    scores = ev.evaluate({q: d for q, d in full.items() if d})
    mrr = rr.evaluate({q: d for q, d in _truncate(full, 10).items() if d})
    per_query: dict[str, dict[str, float]] = {}
    for q in judged:
        s = scores.get(q, {})
        per_query[q] = {
            "ndcg@10": s.get("ndcg_cut_10", 0.0), "recall@10": s.get("recall_10", 0.0),
            "recall@100": s.get("recall_100", 0.0), "mrr@10": mrr.get(q, {}).get("recip_rank", 0.0),
        }
    n = max(1, len(per_query))
    means = {m: round(sum(v[m] for v in per_query.values()) / n, 4) for m in METRICS}
    return means, per_query


def latency_stats(seconds: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / mean latency in milliseconds."""
    if not seconds:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "mean_ms": 0.0, "n": 0}
    arr = np.asarray(seconds) * 1000.0
    return {"p50_ms": round(float(np.percentile(arr, 50)), 3), "p95_ms": round(float(np.percentile(arr, 95)), 3),
            "mean_ms": round(float(arr.mean()), 3), "n": len(arr)}


def mcnemar(a: list[bool], b: list[bool]) -> dict[str, float]:
    """Exact two-sided McNemar test on paired outcomes: discordant counts and the p-value."""
    only_a = sum(x and not y for x, y in zip(a, b, strict=True))
    only_b = sum(y and not x for x, y in zip(a, b, strict=True))
    n = only_a + only_b
    if n == 0:
        return {"only_a": 0, "only_b": 0, "p": 1.0}
    k = min(only_a, only_b)
    p = min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)
    return {"only_a": only_a, "only_b": only_b, "p": round(p, 4)}
