from __future__ import annotations

import math

import pytest

from biomedqa.errors import ConfigError
from biomedqa.eval.datasets import load_suite
from biomedqa.eval.metrics import evaluate, latency_stats, results_from_passages
from biomedqa.types import Passage


def test_perfect_and_partial_rankings() -> None:
    qrels = {"q1": {"a": 1, "b": 1}, "q2": {"c": 1}, "q3": {"z": 1}}
    results = {"q1": {"a": 3.0, "x": 2.0, "b": 1.0}, "q2": {"c": 5.0}}  # q3 retrieved nothing
    means, per_q = evaluate(qrels, results)
    ndcg_q1 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert per_q["q1"]["ndcg@10"] == pytest.approx(ndcg_q1, abs=1e-4)
    assert per_q["q2"] == {"ndcg@10": 1.0, "recall@10": 1.0, "recall@100": 1.0, "mrr@10": 1.0}
    assert per_q["q3"]["ndcg@10"] == 0.0  # missing results count as zero
    assert means["ndcg@10"] == pytest.approx(round((ndcg_q1 + 1) / 3, 4))
    assert means["recall@10"] == pytest.approx(round(2 / 3, 4))


def test_mrr_is_cut_at_ten_but_recall_at_100_is_not() -> None:
    qrels = {"q": {"gold": 1}}
    ranked = {f"d{i}": float(100 - i) for i in range(10)}
    ranked["gold"] = 50.0  # rank 11
    means, _ = evaluate(qrels, {"q": ranked})
    assert means["mrr@10"] == 0.0 and means["recall@10"] == 0.0 and means["recall@100"] == 1.0


def test_graded_relevance_prefers_higher_grade_first() -> None:
    qrels = {"q": {"hi": 2, "lo": 1}}
    good, _ = evaluate(qrels, {"q": {"hi": 2.0, "lo": 1.0}})
    bad, _ = evaluate(qrels, {"q": {"lo": 2.0, "hi": 1.0}})
    assert good["ndcg@10"] == 1.0 and bad["ndcg@10"] < 1.0


def test_results_from_passages_collapses_chunks_in_rank_order() -> None:
    ps = [Passage(doc_id="5#2", pmid="5", text="a"), Passage(doc_id="7", pmid="7", text="b"),
          Passage(doc_id="5#1", pmid="5", text="c"), Passage(doc_id="doc-x#1", text="d")]
    res = results_from_passages(ps)
    assert list(res) == ["5", "7", "doc-x"] and res["5"] > res["7"] > res["doc-x"]


def test_latency_stats() -> None:
    stats = latency_stats([0.001] * 95 + [0.1] * 5)
    assert stats["p50_ms"] == pytest.approx(1.0) and stats["p95_ms"] >= 1.0 and stats["n"] == 100


def test_suites_load_from_shared_data() -> None:
    sf = load_suite("scifact-dev")
    assert len(sf.queries) == 300 and sum(len(v) for v in sf.qrels.values()) == 339
    assert sf.corpus[0].name == "corpus.jsonl.gz" and sf.index_name == "scifact"
    mb = load_suite("mirage-bioasq")
    assert len(mb.queries) == 618 and mb.index_name == "minipubmed"
    assert mb.queries["6402c910201352f04a00000c"].startswith("Can losartan reduce brain atrophy")
    mp = load_suite("mirage-pubmedqa", limit=7)
    assert len(mp.queries) == 7 and all(qid in mp.qrels[qid] for qid in mp.queries)  # keyed by PMID
    assert len(load_suite("bioasq").queries) == 2310
    with pytest.raises(ConfigError, match="unknown retrieval suite"):
        load_suite("trec-covid")
