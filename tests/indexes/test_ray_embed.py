"""The Ray Data callables chunk and embed exactly as the local index build does."""

from __future__ import annotations

from typing import Any

import numpy as np

from biomedqa.indexes.chunk import chunk_record
from biomedqa.indexes.embed import embed_batch, load_embedder
from biomedqa.indexes.ingest import Record
from biomedqa.indexes.ray_embed import ChunkRow, EmbedBatch, embed_dataset
from biomedqa.settings import Settings


def _rows(minipubmed_slice: list[dict[str, str]], n: int) -> list[dict[str, str]]:
    long = [r for r in minipubmed_slice if len(r["text"].split()) > 250][:2]  # these get chunked
    return long + minipubmed_slice[: n - len(long)]


def test_chunk_row_matches_the_local_chunker(minipubmed_slice: list[dict[str, str]], settings: Settings) -> None:
    size, overlap = settings.index.chunk_words, settings.index.chunk_overlap
    chunk = ChunkRow(size, overlap)
    for row in _rows(minipubmed_slice, 10):
        local = chunk_record(Record(id=row["pmid"], title=row.get("title", ""), text=row["text"], pmid=row["pmid"]),
                             size, overlap)
        got = chunk(row)
        assert [g["doc_id"] for g in got] == [d.doc_id for d in local]
        assert [g["text"] for g in got] == [d.text for d in local]
    assert any("#" in g["doc_id"] for row in _rows(minipubmed_slice, 3) for g in chunk(row))


def test_embed_batch_udf_gives_the_local_vectors(minipubmed_slice: list[dict[str, str]], settings: Settings) -> None:
    rows = [d for row in _rows(minipubmed_slice, 6) for d in ChunkRow(220, 40)(row)]
    batch = {k: np.array([r[k] for r in rows], dtype=object) for k in ("doc_id", "pmid", "title", "text")}
    udf = EmbedBatch(settings.model_dump(mode="json"))  # what each Ray actor builds from plain data
    out = udf(batch)
    local = embed_batch([f"{r['title']}. {r['text']}" if r["title"] else r["text"] for r in rows],
                        load_embedder(settings))
    assert out["embedding"].shape == (len(rows), local.shape[1]) and out["embedding"].dtype == np.float32
    np.testing.assert_allclose(out["embedding"], local, rtol=1e-5, atol=1e-6)
    assert list(out["doc_id"]) == [r["doc_id"] for r in rows]


def test_embed_dataset_on_ray(minipubmed_slice: list[dict[str, str]], settings: Settings, ray_local: Any) -> None:
    # Two CPUs (the session's local Ray): one for the embedding actor, one for the read and chunking tasks.
    ds = ray_local.data.from_items(_rows(minipubmed_slice, 8))
    docs = ds.flat_map(ChunkRow(settings.index.chunk_words, settings.index.chunk_overlap))
    got = sorted(embed_dataset(docs, settings).take_all(), key=lambda r: r["doc_id"])
    udf = EmbedBatch(settings.model_dump(mode="json"))
    local = [d for row in _rows(minipubmed_slice, 8) for d in ChunkRow(220, 40)(row)]
    local.sort(key=lambda r: r["doc_id"])
    want = udf({k: np.array([r[k] for r in local], dtype=object) for k in ("title", "text")})["embedding"]
    np.testing.assert_allclose(np.stack([r["embedding"] for r in got]), want, rtol=1e-5, atol=1e-6)
