"""Which literature a run searches (``retrieval.source``), decided before anything is loaded.

- ``index``: the local index ``retrieval.index`` (missing → IndexNotFoundError, exit code 3).
- ``demo``: the bundled demo index (1,000 PubMedQA abstracts), built on first use.
- ``pubmed``: PubMed itself, searched live through E-utilities (:mod:`biomedqa.retrievers.live`).
- ``auto`` (default): ``retrieval.index`` when it is built; when it is not, and it is the default
  name and you have built no index of your own, the demo index. A name you chose that does not
  exist stays an error, so a typo never silently searches another corpus.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from biomedqa.errors import ConfigError
from biomedqa.indexes.demo import DEMO_DOCS, DEMO_LABEL, DEMO_NAME, open_demo_index
from biomedqa.indexes.manifest import MANIFEST, is_index_name
from biomedqa.interfaces import Embedder
from biomedqa.retrievers.base import IndexRetriever
from biomedqa.settings import RetrievalSettings, Settings
from biomedqa.types import LiteratureSource

logger = logging.getLogger(__name__)


def _built(settings: Settings, name: str) -> bool:
    if not is_index_name(name):
        return False  # never look outside the data dir; opening it says what is wrong with the name
    root = settings.index_dir / name
    return (root / MANIFEST).is_file() or (root / ".build").is_dir()  # an interrupted build: say so, don't hide it


def _own_indexes(settings: Settings) -> list[str]:
    if not settings.index_dir.is_dir():
        return []
    return sorted(p.name for p in settings.index_dir.iterdir()
                  if p.is_dir() and p.name != DEMO_NAME and (p / MANIFEST).is_file())


def index_source(settings: Settings, name: str, docs: int | None = None) -> LiteratureSource:
    """The description of a run over the local index ``name``."""
    if name == DEMO_NAME:
        return demo_source()
    size = f" ({docs:,} docs)" if docs is not None else ""
    return LiteratureSource(kind="index", name=name, docs=docs, label=f"Searched: the local index '{name}'{size}.")


def demo_source() -> LiteratureSource:
    """The description of a run over the bundled demo index."""
    return LiteratureSource(kind="demo", name=DEMO_NAME, docs=DEMO_DOCS, label=f"Searched: {DEMO_LABEL}.")


def pubmed_source(query: str = "", fetched: int | None = None) -> LiteratureSource:
    """The description of a run that searched PubMed live."""
    what = f" for {query!r}" if query else ""
    got = f" ({fetched} abstracts fetched, ranked locally)" if fetched is not None else ""
    return LiteratureSource(kind="pubmed", name=query, docs=fetched, label=f"Searched: PubMed live{what}{got}.")


def resolve_source(settings: Settings) -> LiteratureSource:
    """What ``retrieval.source`` means on this machine now (reads folder names only; builds nothing)."""
    r = settings.retrieval
    if r.source == "demo":
        return demo_source()
    if r.source == "pubmed":
        return pubmed_source()
    if r.source == "index" or _built(settings, r.index):
        return index_source(settings, r.index)
    if r.index == RetrievalSettings().index and not _own_indexes(settings):
        return demo_source()
    return index_source(settings, r.index)


def build_source_retriever(settings: Settings, source: LiteratureSource, *,
                           embedder: Callable[[], Embedder]) -> IndexRetriever:
    """The retriever over a local source (``index`` or ``demo``; the demo index is built when missing).

    Raises:
        ConfigError: ``source`` is PubMed, which has no local retriever (use :mod:`.live`).
        IndexNotFoundError / IndexCorruptError: as :func:`biomedqa.retrievers.build_retriever`.
    """
    from biomedqa.retrievers import build_retriever, retriever_for_index

    if source.kind == "demo":
        index = open_demo_index(settings, embedder=embedder)
        logger.info("retrieval: %s", source.label)
        return retriever_for_index(index, settings, embedder)
    if source.kind == "index":
        return build_retriever(settings, embedder=embedder)
    raise ConfigError(f"retrieval.source={source.kind} has no local index to open.",
                      hint="Use -o retrieval.source=auto, index or demo.")
