"""Embedding on Ray Data: the same batch function the local build uses, run by a pool of actors.

For corpora that outgrow one machine (full PubMed is ~36M abstracts), read the records with Ray
Data and embed them with :func:`embed_dataset`; each actor loads the embedder once (on a GPU when it
is given one) and calls :func:`biomedqa.indexes.embed.embed_batch`, exactly as ``biomedqa index
build`` does locally, so vectors are identical and nothing is rewritten::

    import ray
    from biomedqa.settings import get_settings
    from biomedqa.indexes.ray_embed import embed_dataset

    settings = get_settings()
    ds = ray.data.read_json("s3://bucket/pubmed/*.jsonl.gz")     # columns: pmid, title, text
    docs = ds.flat_map(ChunkRow(settings.index.chunk_words, settings.index.chunk_overlap))
    vecs = embed_dataset(docs, settings, concurrency=8, num_gpus=1)  # adds an "embedding" column
    vecs.write_parquet("s3://bucket/pubmed-embeddings/")

Needs ``pip install -e .[ray]``; nothing else in biomedqa imports Ray.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from biomedqa.indexes.chunk import Doc, chunk_record
from biomedqa.indexes.embed import embed_batch, load_embedder
from biomedqa.indexes.ingest import Record
from biomedqa.settings import Settings


class ChunkRow:
    """A Ray Data ``flat_map`` callable: one record row → its chunk rows, split as the local build splits."""

    def __init__(self, chunk_words: int, chunk_overlap: int) -> None:
        self.size, self.overlap = chunk_words, chunk_overlap

    def __call__(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        pmid = str(row["pmid"]) if row.get("pmid") else None
        rec = Record(
            id=str(row.get("id") or pmid), title=str(row.get("title") or ""), text=str(row.get("text") or ""), pmid=pmid
        )
        return [
            {"doc_id": d.doc_id, "pmid": d.pmid or "", "title": d.title, "text": d.text}
            for d in chunk_record(rec, self.size, self.overlap)
        ]


class EmbedBatch:
    """A Ray Data ``map_batches`` callable: loads the embedder once, adds an ``embedding`` column.

    Args:
        settings: ``Settings.model_dump(mode="json")`` (plain data, so it ships to actors).
        text_column: Column with the text to embed; when ``title`` is also a column, the text is
            ``"title. text"`` like the local index build.
        threads: torch threads of this actor (0: leave torch's default).
    """

    def __init__(self, settings: dict[str, Any], text_column: str = "text", threads: int = 0) -> None:
        if threads:  # the actor's share of the cores (torch would otherwise use all of them)
            import torch

            torch.set_num_threads(threads)
        self.settings = Settings.model_validate(settings)
        self.text_column = text_column
        self.embedder = load_embedder(self.settings)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(t) for t in batch[self.text_column]]
        titles = batch.get("title")
        if titles is not None:  # "title. text", exactly what the local build embeds
            texts = [Doc("", str(t), x).embed_text() for t, x in zip(titles, texts, strict=True)]
        vecs = embed_batch(texts, self.embedder)
        return {**batch, "embedding": vecs}


def embed_dataset(
    ds: Any, settings: Settings, *, concurrency: int = 1, num_gpus: float = 0, text_column: str = "text"
) -> Any:
    """``ds`` (a ``ray.data.Dataset``) with an ``embedding`` column, computed by ``concurrency`` actors."""
    return ds.map_batches(
        EmbedBatch,
        fn_constructor_kwargs={"settings": settings.model_dump(mode="json"), "text_column": text_column},
        batch_size=settings.index.batch_size,
        batch_format="numpy",
        concurrency=concurrency,
        num_gpus=num_gpus,
    )
