from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from biomedqa.errors import IndexCorruptError, IndexNotFoundError, InputError
from biomedqa.indexes import build_index, list_indexes, open_index
from biomedqa.settings import Settings
from biomedqa.testing import HashEmbedder


class CountingEmbedder(HashEmbedder):
    """HashEmbedder that counts texts and can fail after a number of calls (a killed build)."""

    def __init__(self, fail_after: int | None = None) -> None:
        super().__init__(dim=64)
        self.texts = 0
        self.calls = 0
        self.fail_after = fail_after

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise KeyboardInterrupt
        self.texts += len(texts)
        return super().__call__(texts)


def test_build_open_get_and_list(settings: Settings, slice_jsonl: Path) -> None:
    info = build_index([slice_jsonl], "slice", settings, embedder=HashEmbedder(64), progress=False)
    assert info.records == 300 and info.docs > 300  # long PubMedQA abstracts were chunked
    assert info.dim == 64 and info.embedder == "hash-64" and info.kind == "flat"
    assert {"docs.sqlite", "faiss.index", "groups.npy"} <= set(info.files)
    assert info.sources[0].sha256 and info.docs_per_s > 0
    index = open_index(settings, "slice")
    (p,) = index.get(["21645374"])  # a chunked record: its first chunk
    assert p.doc_id == "21645374#1" and p.pmid == "21645374" and "lace plant" in p.text
    assert index.faiss.ntotal == info.docs and index.bm25.num_docs == info.docs
    assert [i.name for i in list_indexes(settings)] == ["slice"]
    assert (settings.index_dir / "slice" / "manifest.json").is_file()
    assert not (settings.index_dir / "slice" / ".build").exists()


def test_interrupted_build_resumes_from_saved_shards(settings: Settings, slice_jsonl: Path) -> None:
    s = settings.with_overrides({"index.shard_size": 100, "index.batch_size": 50})
    with pytest.raises(KeyboardInterrupt):
        build_index([slice_jsonl], "resume", s, embedder=CountingEmbedder(fail_after=2), progress=False)
    shards = sorted((s.cache_dir / "embeddings").glob("hash-64-*/shard_*.npy"))
    assert len(shards) == 2  # one embedder call per 100-doc shard; the third call was interrupted
    with pytest.raises(IndexCorruptError, match="never finished"):
        open_index(s, "resume")
    again = CountingEmbedder()
    info = build_index([slice_jsonl], "resume", s, embedder=again, progress=False)
    assert again.texts == info.docs - 200  # only the unfinished shards were embedded
    variant = s.with_overrides({"index.bm25_k1": 0.9})
    reuse = CountingEmbedder()
    build_index([slice_jsonl], "variant", variant, embedder=reuse, progress=False)
    assert reuse.texts == 0  # another index over the same corpus reuses the embeddings
    build_index([slice_jsonl], "fresh", s.with_overrides({"index.keep_embeddings": False}),
                        embedder=HashEmbedder(64), progress=False)
    a, b = open_index(s, "resume").faiss, open_index(s, "fresh").faiss
    assert np.allclose(a.reconstruct_n(0, a.ntotal), b.reconstruct_n(0, b.ntotal))


def test_corrupt_missing_and_mismatched_indexes(settings: Settings, slice_jsonl: Path) -> None:
    build_index([slice_jsonl], "c", settings, embedder=HashEmbedder(64), progress=False)
    with pytest.raises(IndexCorruptError, match="384 dims|64 dims"):
        open_index(settings, "c", embedder=HashEmbedder(32))
    faiss_file = settings.index_dir / "c" / "faiss.index"
    data = bytearray(faiss_file.read_bytes())
    data[-10] ^= 0xFF
    faiss_file.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="checksum") as err:
        open_index(settings, "c")
    assert "biomedqa index build" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(IndexNotFoundError):
        open_index(settings, "absent")
    with pytest.raises(InputError, match="bad index name"):
        build_index([slice_jsonl], "../evil", settings, embedder=HashEmbedder(64), progress=False)


@pytest.mark.parametrize("kind", ["hnsw", "ivf", "ivfpq"])
def test_approximate_kinds_find_exact_vectors(settings: Settings, slice_jsonl: Path, kind: str) -> None:
    s = settings.with_overrides({"index.kind": kind, "index.pq_m": 16, "index.nprobe": 64})
    info = build_index([slice_jsonl], kind, s, embedder=HashEmbedder(64), progress=False)
    index = open_index(s, kind)
    expected = {"hnsw": "indexhnsw", "ivf": "indexivfflat", "ivfpq": "indexivfpq"}[kind]
    assert info.faiss_class.lower().startswith(expected)
    rows = index.store.rows_by_idx(list(range(0, info.docs, 25)))
    texts = [f"{r[3]}. {r[4]}" if r[3] else r[4] for r in rows]
    _, ids = index.dense_search(HashEmbedder(64)(texts), 5)
    hits = np.mean([r[0] in ids[i] for i, r in enumerate(rows)])
    assert hits >= (0.9 if kind != "ivfpq" else 0.6)
    assert index.faiss.ntotal == info.docs


def test_cli_build_list_info(settings: Settings, slice_jsonl: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from biomedqa.indexes import build as build_mod
    from biomedqa.indexes.commands import index_group

    monkeypatch.setattr(build_mod, "load_embedder", lambda s, name=None: HashEmbedder(64))
    monkeypatch.setenv("BIOMEDQA_CACHE_DIR", str(settings.cache_dir))
    runner = CliRunner()
    res = runner.invoke(index_group, ["build", str(slice_jsonl), "--name", "cli"])
    assert res.exit_code == 0, res.output
    assert "docs/s" in res.output and "Indexed" in res.output
    res = runner.invoke(index_group, ["list", "--json"])
    assert [r["name"] for r in json.loads(res.output)] == ["cli"]
    res = runner.invoke(index_group, ["info", "cli", "--json"])
    assert json.loads(res.output)["records"] == 300
    res = runner.invoke(index_group, ["info", "nope"])
    assert res.exit_code == 3 and "biomedqa index build" in res.output
    res = runner.invoke(index_group, ["build", str(slice_jsonl.parent / "missing.jsonl"), "--name", "x"])
    assert res.exit_code == 2 and "does not exist" in res.output
