"""Local indexes: ingest corpus files, embed them, and serve FAISS + BM25 + a document store.

Public API: :func:`build_index`, :func:`open_index`, :func:`list_indexes`, :class:`IndexInfo`,
:class:`LocalIndex`.
"""

from biomedqa.indexes.build import build_index
from biomedqa.indexes.local import LocalIndex, list_indexes, open_index
from biomedqa.indexes.manifest import IndexInfo

__all__ = ["IndexInfo", "LocalIndex", "build_index", "list_indexes", "open_index"]
