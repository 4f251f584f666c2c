"""int8 rescoring of IVF-PQ shortlists in the product index (build writes the store, search uses it)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from biomedqa.indexes import build_index, open_index
from biomedqa.indexes.rescore import INT8_FILE, SCALE_FILE
from biomedqa.settings import Settings

N, DIM, CLUSTERS = 3000, 64, 30


def _vectors(n: int, seed: int) -> np.ndarray:
    """Unit vectors from a clustered Gaussian mixture (a rough stand-in for text embeddings)."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).standard_normal((CLUSTERS, DIM))
    x = centres[rng.integers(0, CLUSTERS, n)] + 0.6 * rng.standard_normal((n, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


class TableEmbedder:
    """Maps the text ``doc <i>.`` to row ``i`` of a fixed matrix (so the index holds known vectors)."""

    def __init__(self, table: np.ndarray) -> None:
        self.table, self.dim, self.name = table, table.shape[1], "table-64"

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return self.table[[int(t.split()[1].rstrip(".")) for t in texts]]


@pytest.fixture(scope="module")
def base() -> np.ndarray:
    return _vectors(N, seed=0)


@pytest.fixture(scope="module")
def queries() -> np.ndarray:
    return _vectors(100, seed=1)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "synthetic.jsonl"
    path.write_text("".join(json.dumps({"pmid": str(i + 1), "title": f"doc {i}", "text": "x"}) + "\n"
                            for i in range(N)))
    return path


def _recall(index_ids: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / exact.shape[1] for a, b in zip(index_ids, exact, strict=True)]))


def _build(settings: Settings, corpus: Path, base: np.ndarray, name: str, **over: object) -> Settings:
    s = settings.with_overrides({"index.kind": "ivfpq", "index.pq_m": 8, **{f"index.{k}": v for k, v in over.items()}})
    build_index([corpus], name, s, embedder=TableEmbedder(base), progress=False)
    return s


def test_rescoring_raises_recall_and_the_build_writes_int8(settings: Settings, corpus: Path, base: np.ndarray,
                                                          queries: np.ndarray) -> None:
    s = _build(settings, corpus, base, "pq")
    exact = np.argsort(-(queries @ base.T), axis=1)[:, :10]
    index = open_index(s, "pq")
    assert index.info.rescore_store == INT8_FILE and index.info.nprobe == 256
    assert {INT8_FILE, SCALE_FILE} <= set(index.info.files)
    assert np.load(index.root / INT8_FILE, mmap_mode="r").shape == (N, DIM)
    scores, ids = index.dense_search(queries, 10)
    assert (np.diff(scores, axis=1) <= 0).all()  # best first, rescored similarity
    np.testing.assert_allclose(scores[:, 0], np.sum(queries * base[ids[:, 0]], axis=1), atol=0.02)
    plain = open_index(s.with_overrides({"index.rescore_k": 0}), "pq")
    assert plain.int8 is None
    with_rescore, without = _recall(ids, exact), _recall(plain.dense_search(queries, 10)[1], exact)
    assert with_rescore >= 0.95 and with_rescore >= without + 0.15, (with_rescore, without)


def test_old_manifest_without_int8_or_nprobe_still_searches(settings: Settings, corpus: Path,
                                                            base: np.ndarray, queries: np.ndarray) -> None:
    s = _build(settings, corpus, base, "old")
    root = s.index_dir / "old"
    data = json.loads((root / "manifest.json").read_text())
    for key in ("nprobe", "rescore_store"):
        del data[key]
    for f in (INT8_FILE, SCALE_FILE):
        (root / f).unlink()
        del data["files"][f], data["file_bytes"][f]
    (root / "manifest.json").write_text(json.dumps(data))
    index = open_index(s, "old")
    assert index.int8 is None and index.info.nprobe is None
    import faiss

    assert faiss.extract_index_ivf(index.faiss).nprobe == min(32, faiss.extract_index_ivf(index.faiss).nlist)
    _, ids = index.dense_search(queries, 10)
    assert (ids >= 0).all()
    pinned = open_index(s.with_overrides({"index.nprobe": 3}), "old")
    assert faiss.extract_index_ivf(pinned.faiss).nprobe == 3  # the setting wins when given


def test_sharded_rescoring_equals_the_merge_of_the_shards(settings: Settings, corpus: Path, base: np.ndarray,
                                                          queries: np.ndarray) -> None:
    s = _build(settings, corpus, base, "sharded", shards=2)
    index = open_index(s, "sharded")
    assert len(index.info.shards) == 2
    parts = []
    for ref in index.info.shard_refs():
        assert (s.index_dir / "sharded" / ref.path / INT8_FILE).is_file()
    for shard, off in zip(index.shards, index.offsets, strict=True):  # type: ignore[attr-defined]
        assert shard.int8 is not None and shard.info.nprobe == 256
        sc, ids = shard.dense_search(queries, 10)
        parts.append((sc, ids + off))
    scores, ids = index.dense_search(queries, 10)
    for q in range(len(queries)):
        merged = sorted(((float(sc), int(i)) for p in parts for sc, i in zip(p[0][q], p[1][q], strict=True)),
                        key=lambda t: -t[0])[:10]
        assert [i for _, i in merged] == ids[q].tolist()
        np.testing.assert_allclose([sc for sc, _ in merged], scores[q], rtol=1e-6)
    exact = np.argsort(-(queries @ base.T), axis=1)[:, :10]
    assert _recall(ids, exact) >= 0.95
