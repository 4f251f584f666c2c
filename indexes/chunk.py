"""Split long records into overlapping word windows; short ones stay whole."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from biomedqa.indexes.ingest import Record

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Doc:
    """One indexed unit: a whole record, or chunk ``n`` (1-based) of one (doc_id ``ID#n``)."""

    doc_id: str
    title: str
    text: str
    pmid: str | None = None
    year: int | None = None
    chunk: int | None = None

    def embed_text(self) -> str:
        """What the dense embedder sees: title and text."""
        return f"{self.title}. {self.text}" if self.title and self.text else (self.title or self.text)

    def lexical_text(self) -> str:
        """What BM25 indexes: title and text."""
        return f"{self.title} {self.text}".strip()


def word_windows(words: list[str], size: int, overlap: int) -> list[tuple[int, int]]:
    """Start/end offsets of windows of ``size`` words overlapping by ``overlap``.

    A last window shorter than ``overlap`` words beyond the previous one is merged into it,
    so no chunk is a tiny tail.
    """
    if size <= 0 or len(words) <= size:
        return [(0, len(words))]
    step = max(1, size - max(0, overlap))
    spans: list[tuple[int, int]] = []
    start = 0
    while start < len(words):
        end = min(len(words), start + size)
        spans.append((start, end))
        if end == len(words):
            break
        start += step
    if len(spans) > 1 and spans[-1][1] - spans[-2][1] < max(overlap, size // 4):
        spans[-2] = (spans[-2][0], spans[-1][1])
        spans.pop()
    return spans


def chunk_record(rec: Record, size: int, overlap: int) -> list[Doc]:
    """The docs for one record: itself when short (or chunking is off), else its windows."""
    words = rec.text.split()
    spans = word_windows(words, size, overlap)
    if len(spans) == 1:
        return [Doc(rec.id, rec.title, rec.text, rec.pmid, rec.year)]
    return [
        Doc(f"{rec.id}#{i}", rec.title, " ".join(words[a:b]), rec.pmid, rec.year, chunk=i)
        for i, (a, b) in enumerate(spans, 1)
    ]


def chunk_records(records: Iterable[Record], size: int, overlap: int) -> Iterator[Doc]:
    """Chunk a stream of records; duplicate ids keep their first occurrence."""
    seen: set[str] = set()
    dupes = 0
    for rec in records:
        if rec.id in seen:
            dupes += 1
            continue
        seen.add(rec.id)
        yield from chunk_record(rec, size, overlap)
    if dupes:
        logger.warning("chunk: skipped %d record(s) whose id was already indexed", dupes)
