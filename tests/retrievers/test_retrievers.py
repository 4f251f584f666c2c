from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from biomedqa.errors import IndexCorruptError, IndexNotFoundError
from biomedqa.indexes import LocalIndex, build_index
from biomedqa.interfaces import Embedder, Retriever
from biomedqa.retrievers import (
    BM25Retriever,
    DenseRetriever,
    HybridRetriever,
    build_retriever,
    retriever_for_index,
)
from biomedqa.retrievers.dense import hyde_vector
from biomedqa.retrievers.fusion import convex, rrf
from biomedqa.settings import Settings
from biomedqa.testing import HashEmbedder


def _recall_at(retriever: Retriever, questions: dict[str, str], k: int) -> float:
    hits = [pmid in {p.pmid for p in retriever.search(q, k)} for pmid, q in questions.items()]
    return float(np.mean(hits))


@pytest.mark.parametrize("kind", ["bm25", "dense", "hybrid"])
def test_real_retrievers_find_the_gold_abstract(real_index: LocalIndex, real_settings: Settings, minilm: Embedder,
                                                pubmedqa_questions: dict[str, str], kind: str) -> None:
    retriever = retriever_for_index(real_index, real_settings, lambda: minilm, kind)
    assert isinstance(retriever, Retriever) and retriever.name == kind
    assert _recall_at(retriever, pubmedqa_questions, 5) >= 0.8
    results = retriever.search_many(list(pubmedqa_questions.values())[:5], 10)
    for ranked in results:
        pmids = [p.pmid for p in ranked]
        assert len(ranked) == 10 and len(set(pmids)) == 10  # chunks collapsed: one passage per PMID
        assert [p.score for p in ranked] == sorted((p.score for p in ranked), reverse=True)
        assert {p.source for p in ranked} == {"fused" if kind == "hybrid" else kind}
        assert [p.meta["rank"] for p in ranked] == list(range(1, 11))


def test_hybrid_beats_or_matches_each_part(real_index: LocalIndex, real_settings: Settings, minilm: Embedder,
                                           pubmedqa_questions: dict[str, str]) -> None:
    def get(kind: str) -> Any:
        return retriever_for_index(real_index, real_settings, lambda: minilm, kind)

    hybrid = _recall_at(get("hybrid"), pubmedqa_questions, 1)
    parts = (_recall_at(get("bm25"), pubmedqa_questions, 1), _recall_at(get("dense"), pubmedqa_questions, 1))
    assert hybrid >= min(parts)
    (top, *_) = get("hybrid").search(next(iter(pubmedqa_questions.values())), 3)
    assert set(top.meta["ranks"]) <= {"dense", "bm25"} and top.meta["ranks"]


def test_rrf_weights_and_group_dedupe() -> None:
    groups = np.array([0, 0, 2, 3, 4])  # rows 0 and 1 are chunks of one record
    fused, extra = rrf({"dense": [(1, 0.9), (2, 0.8)], "bm25": [(0, 9.0), (3, 5.0)]},
                       {"dense": 1.0, "bm25": 1.0}, 60, groups, 10)
    rows = [r for r, _ in fused]
    assert rows[0] in (0, 1) and len(rows) == 3  # record 0 found by both, counted once
    assert fused[0][1] == pytest.approx(2 / 61)
    assert extra[rows[0]]["ranks"] == {"dense": 1, "bm25": 1}
    only_bm25, _ = rrf({"dense": [(2, 0.9)], "bm25": [(3, 1.0)]}, {"dense": 0.0, "bm25": 1.0}, 60, None, 10)
    assert only_bm25[0][0] == 3


def test_convex_fusion_normalises_scores() -> None:
    fused, extra = convex({"dense": [(1, 0.9), (2, 0.5)], "bm25": [(2, 30.0), (3, 10.0)]},
                          {"dense": 1.0, "bm25": 1.0}, None, 10)
    assert [r for r, _ in fused] == [1, 2, 3]  # 1 and 2 tie at 0.5 (each tops one list); 3 scores 0
    assert fused[1][1] == pytest.approx(0.5) and fused[2][1] == pytest.approx(0.0)
    assert extra[2]["ranks"] == {"dense": 2, "bm25": 1}


def test_hyde_vector_mixes_question_and_documents() -> None:
    emb = HashEmbedder(64)
    q, d = emb(["metformin diabetes"])[0], emb(["insulin sensitivity glucose"])[0]
    v0 = hyde_vector(emb, "metformin diabetes", ["insulin sensitivity glucose"], 0.0)[0]
    v1 = hyde_vector(emb, "metformin diabetes", ["insulin sensitivity glucose"], 1.0)[0]
    vh = hyde_vector(emb, "metformin diabetes", ["insulin sensitivity glucose"], 0.5)[0]
    assert np.allclose(v0, q, atol=1e-6) and np.allclose(v1, d, atol=1e-6)
    assert np.linalg.norm(vh) == pytest.approx(1.0, abs=1e-5) and np.dot(vh, q) > 0 and np.dot(vh, d) > 0


def test_search_expanded_uses_expansions(real_index: LocalIndex, real_settings: Settings, minilm: Embedder,
                                         pubmedqa_questions: dict[str, str]) -> None:
    pmid, question = next(iter(pubmedqa_questions.items()))
    gold = real_index.get([pmid])[0].text
    for kind in ("bm25", "dense", "hybrid"):
        r = retriever_for_index(real_index, real_settings, lambda: minilm, kind)
        assert r.search_expanded("unrelated words", [gold[:600]], 3)[0].pmid == pmid
        assert [p.doc_id for p in r.search_expanded(question, [], 5)] == [p.doc_id for p in r.search(question, 5)]


def test_build_retriever_from_settings(settings: Settings, tmp_path: Path, minipubmed_slice: list[dict]) -> None:
    with pytest.raises(IndexNotFoundError):
        build_retriever(settings, embedder=lambda: HashEmbedder(64))
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in minipubmed_slice[:120]))
    build_index([path], "minipubmed", settings, embedder=HashEmbedder(64), progress=False)
    kinds = {"bm25": BM25Retriever, "dense": DenseRetriever, "hybrid": HybridRetriever}
    for kind, cls in kinds.items():
        r = build_retriever(settings.with_overrides({"retrieval.retriever": kind}), embedder=lambda: HashEmbedder(64))
        assert type(r) is cls
    dense = settings.with_overrides({"retrieval.retriever": "dense"})
    wrong = build_retriever(dense, embedder=lambda: HashEmbedder(32))
    with pytest.raises(IndexCorruptError, match="index.embedder=hash-64"):
        wrong.search("anything", 3)
