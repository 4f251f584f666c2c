"""The document store: one SQLite table (through SQLAlchemy) whose row ``idx`` is the FAISS/BM25 row."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, func, select
from sqlalchemy.engine import Engine

from biomedqa.indexes.chunk import Doc
from biomedqa.types import Passage, is_pmid

logger = logging.getLogger(__name__)

metadata = MetaData()
docs_table = Table(
    "docs",
    metadata,
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("doc_id", String, nullable=False, unique=True),
    Column("pmid", String, nullable=True, index=True),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("year", Integer, nullable=True),
    Column("chunk", Integer, nullable=True),
)
_COLS = (docs_table.c.idx, docs_table.c.doc_id, docs_table.c.pmid, docs_table.c.title,
         docs_table.c.text, docs_table.c.year, docs_table.c.chunk)
_MAX_VARS = 900  # stay under SQLite's bound-parameter limit


def row_to_passage(row: Any, score: float = 0.0, source: str = "dense") -> Passage:
    """A Passage from a docs row (idx, doc_id, pmid, title, text, year, chunk)."""
    meta: dict[str, Any] = {"idx": row[0]}
    if row[6] is not None:
        meta["chunk"] = row[6]
    pmid = row[2] if row[2] is None or is_pmid(str(row[2])) else None  # an index built before PMIDs were checked
    return Passage(doc_id=row[1], pmid=pmid, title=row[3], text=row[4], year=row[5],
                   score=score, source=source, meta=meta)


class DocStore:
    """Documents by row id or doc id. Opened read-only unless ``writable``."""

    def __init__(self, path: Path, *, writable: bool = False) -> None:
        self.path = path
        if writable:
            self.engine: Engine = create_engine(f"sqlite:///{path}")
            metadata.create_all(self.engine)
        else:
            uri = f"file:{path}?mode=ro"
            self.engine = create_engine(
                "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
            )

    def add_many(self, start: int, docs: Sequence[Doc]) -> None:
        """Insert ``docs`` as rows ``start, start+1, ...``."""
        rows = [
            {"idx": start + i, "doc_id": d.doc_id, "pmid": d.pmid, "title": d.title, "text": d.text,
             "year": d.year, "chunk": d.chunk}
            for i, d in enumerate(docs)
        ]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(docs_table.insert(), rows)

    def count(self) -> int:
        """Number of rows."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(docs_table)).scalar_one())

    def _rows(self, column: Any, keys: Sequence[Any]) -> dict[Any, Any]:
        found: dict[Any, Any] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(keys), _MAX_VARS):
                part = list(keys[i:i + _MAX_VARS])
                for row in conn.execute(select(*_COLS).where(column.in_(part))):
                    found[row[0] if column is docs_table.c.idx else row[1]] = row
        return found

    def rows_by_idx(self, idxs: Sequence[int]) -> list[Any]:
        """Rows for FAISS/BM25 row ids, in the order asked (missing ids dropped)."""
        found = self._rows(docs_table.c.idx, [int(i) for i in idxs])
        return [found[int(i)] for i in idxs if int(i) in found]

    def get(self, doc_ids: Sequence[str]) -> list[Passage]:
        """Passages for ``doc_ids`` (whole records or ``ID#n`` chunks), in the order asked.

        An id with no exact match that names a chunked record returns its first chunk.
        """
        found = self._rows(docs_table.c.doc_id, list(doc_ids))
        missing = [d for d in doc_ids if d not in found]
        if missing:
            firsts = self._rows(docs_table.c.doc_id, [f"{d}#1" for d in missing])
            found.update({k.removesuffix("#1"): v for k, v in firsts.items()})
        return [row_to_passage(found[d], source="store") for d in doc_ids if d in found]

    def iter_rows(self, start: int = 0, stop: int | None = None, batch: int = 2048) -> Iterator[Any]:
        """Rows ``start <= idx < stop`` in row order, fetched in batches."""
        stop = self.count() if stop is None else stop
        with self.engine.connect() as conn:
            for lo in range(start, stop, batch):
                hi = min(stop, lo + batch)
                q = select(*_COLS).where(docs_table.c.idx >= lo, docs_table.c.idx < hi).order_by(docs_table.c.idx)
                yield from conn.execute(q)

    def iter_embed_texts(self, start: int = 0, stop: int | None = None) -> Iterable[str]:
        """What the embedder sees for rows ``start..stop``."""
        for row in self.iter_rows(start, stop):
            yield Doc(row[1], row[3], row[4]).embed_text()

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()
