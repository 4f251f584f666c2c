"""Sharded indexes: K shards searched together give exactly the single index's results; merge joins shards."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from biomedqa.errors import InputError
from biomedqa.indexes import LocalIndex, build_index, open_index
from biomedqa.indexes.merge import merge_indexes
from biomedqa.retrievers import retriever_for_index
from biomedqa.settings import Settings
from biomedqa.testing import HashEmbedder

QUERIES = ["programmed cell death in plants", "metformin and HbA1c in type 2 diabetes", "BRCA1 mutation breast cancer",
           "lace plant leaf perforation", "tumour necrosis factor", "children asthma inhaled steroids"]


def _same_results(a: LocalIndex, b: LocalIndex, emb: HashEmbedder) -> None:
    """Dense (flat, exact) and BM25 top-10 of ``b`` equal those of ``a``, row ids and scores."""
    vecs = emb(QUERIES)
    sa, ia = a.dense_search(vecs, 10)
    sb, ib = b.dense_search(vecs, 10)
    np.testing.assert_allclose(sb, sa, rtol=1e-6, atol=1e-6)
    assert (ia == ib).all()
    for q in QUERIES:
        (s1, i1), (s2, i2) = a.bm25.search(q, 10), b.bm25.search(q, 10)
        np.testing.assert_allclose(s2, s1, rtol=1e-6)
        assert len(s1) > 0
        untied = s1 > s1[-1]  # rows tied with the 10th score may come in any order
        assert (i1[untied] == i2[untied]).all()
    assert (a.groups == b.groups).all()


def test_sharded_search_equals_the_single_index(settings: Settings, slice_jsonl: Path) -> None:
    emb = HashEmbedder(64)
    one = build_index([slice_jsonl], "one", settings, embedder=emb, progress=False)
    three = build_index([slice_jsonl], "three", settings.with_overrides({"index.shards": 3}), embedder=emb,
                        progress=False)
    assert len(three.shards) == 3 and three.docs == one.docs and three.records == one.records == 300
    assert [s.offset for s in three.shards] == [0, three.shards[0].docs, three.shards[0].docs + three.shards[1].docs]
    single, sharded = open_index(settings, "one"), open_index(settings, "three")
    _same_results(single, sharded, emb)
    for kind in ("bm25", "dense", "hybrid"):
        r1 = retriever_for_index(single, settings, lambda: emb, kind)
        r3 = retriever_for_index(sharded, settings, lambda: emb, kind)
        for q in QUERIES:
            p1, p3 = r1.search(q, 5), r3.search(q, 5)
            assert [(p.doc_id, p.meta["idx"]) for p in p1] == [(p.doc_id, p.meta["idx"]) for p in p3]
    ids = ["21645374", "21645374#2", "nope"]
    assert [(p.doc_id, p.meta["idx"]) for p in sharded.get(ids)] == [(p.doc_id, p.meta["idx"]) for p in single.get(ids)]


def test_merge_joins_indexes_built_elsewhere(settings: Settings, slice_jsonl: Path, tmp_path: Path) -> None:
    emb = HashEmbedder(64)
    lines = slice_jsonl.read_text().splitlines(keepends=True)
    part1, part2 = tmp_path / "part1.jsonl", tmp_path / "part2.jsonl"
    part1.write_text("".join(lines[:120]))
    part2.write_text("".join(lines[120:]))
    elsewhere = settings.with_overrides({"home": str(tmp_path / "machine2")})  # another machine's data dir
    build_index([part1], "p1", settings, embedder=emb, progress=False)
    b = build_index([part2], "p2", elsewhere, embedder=emb, progress=False)
    merged = merge_indexes(settings, "joined", ["p1", b.path])
    assert len(merged.shards) == 2 and merged.records == 300
    whole = build_index([part1, part2], "whole", settings, embedder=emb, progress=False)
    assert merged.docs == whole.docs
    _same_results(open_index(settings, "whole"), open_index(settings, "joined"), emb)
    with pytest.raises(InputError, match="not a finished index"):
        merge_indexes(settings, "bad", ["p1", str(tmp_path / "nothing")])
    build_index([part1], "wide", settings, embedder=HashEmbedder(32, "hash-32"), progress=False)
    with pytest.raises(InputError, match="embedder"):
        merge_indexes(settings, "bad", ["p1", "wide"])


def test_auto_kind_and_cli_report_the_design(settings: Settings, slice_jsonl: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from biomedqa.indexes import build as build_mod
    from biomedqa.indexes.auto import resolve_kind
    from biomedqa.indexes.commands import index_group

    cfg = settings.index.model_copy(update={"kind": "auto"})
    assert resolve_kind(cfg, 50_000, 384)[0].kind == "flat"
    assert resolve_kind(cfg, 1_000_000, 384)[0].kind == "hnsw"
    big, why = resolve_kind(cfg, 36_000_000, 384)
    assert big.kind in ("ivfpq", "opq_ivfpq") and why["estimated_bytes"] <= 8e9 and "fits" in why["reason"]
    with pytest.raises(Exception, match="max_ram_gb"):
        resolve_kind(cfg.model_copy(update={"max_ram_gb": 1.0}), 100_000_000, 384)
    monkeypatch.setattr(build_mod, "load_embedder", lambda s, name=None: HashEmbedder(64))
    monkeypatch.setenv("BIOMEDQA_CACHE_DIR", str(settings.cache_dir))
    runner = CliRunner()
    res = runner.invoke(index_group, ["build", str(slice_jsonl), "--name", "auto", "--shards", "2",
                                      "-o", "index.kind=auto"])
    assert res.exit_code == 0, res.output
    assert "FAISS design: flat in 2 shards" in res.output and "exact search" in res.output
    res = runner.invoke(index_group, ["merge", "auto", "--name", "again", "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(runner.invoke(index_group, ["info", "auto", "--json"]).output)
    assert json.loads(res.output)["docs"] == info["docs"] and len(info["shards"]) == 2
    res = runner.invoke(index_group, ["merge", "auto", "--name", "auto"])
    assert res.exit_code != 0 and "one of the sources" in res.output and "Traceback" not in res.output
