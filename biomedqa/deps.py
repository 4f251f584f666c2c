"""Dependencies built once from Settings and passed to the graph through its runtime context.

Every component is built lazily on first use (loading a GGUF or an index costs seconds), and any
of them can be injected instead, which is how tests pass fakes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from biomedqa.agent.choice import ChoiceCalibration
    from biomedqa.retrievers.live import LivePubMedRetriever

from biomedqa.interfaces import ChatModel, Closeable, Embedder, EutilsTools, QueryExpander, Retriever, SqlBackend
from biomedqa.settings import Settings
from biomedqa.types import LiteratureSource

logger = logging.getLogger(__name__)


@dataclass(init=False, eq=False, repr=False)
class Deps:
    """The agent's dependencies. Pass instances to override: ``Deps(settings, llm=ScriptedChatModel(...))``.

    A dataclass so that LangGraph accepts it as the graph's ``context_schema``.
    """

    settings: Settings

    def __init__(self, settings: Settings, **overrides: Any) -> None:
        self.settings = settings
        for name, value in overrides.items():
            if name not in {"llm", "embedder", "retriever", "hyde", "eutils", "sql", "literature", "live"}:
                raise TypeError(f"unknown dependency {name!r}")
            self.__dict__[name] = value  # pre-fills the cached_property

    @cached_property
    def llm(self) -> ChatModel:
        from biomedqa.llm import LlamaChatModel
        from biomedqa.models import resolve_gguf

        path = resolve_gguf(self.settings.llm.model, self.settings.cache_dir)
        return LlamaChatModel(path, self.settings.llm, name=self.settings.llm.model)

    @cached_property
    def choices(self) -> ChoiceCalibration:
        """Closed-answer calibration state for this run (``agent.calibration``)."""
        from biomedqa.agent.choice import ChoiceCalibration

        return ChoiceCalibration(self.settings.cache_dir, self.settings.home / "calibration")

    @cached_property
    def embedder(self) -> Embedder:
        from biomedqa.indexes.embed import load_embedder

        return load_embedder(self.settings)

    @cached_property
    def literature(self) -> LiteratureSource:
        """What ``retrieval.source`` resolves to here (an injected retriever counts as the named index)."""
        from biomedqa.retrievers.source import index_source, resolve_source

        if "retriever" in self.__dict__:
            return index_source(self.settings, self.settings.retrieval.index)
        return resolve_source(self.settings)

    @cached_property
    def retriever(self) -> Retriever:
        """The local retriever of :attr:`literature` (the demo index is built on first use)."""
        from biomedqa.retrievers.source import build_source_retriever

        return build_source_retriever(self.settings, self.literature, embedder=lambda: self.embedder)

    @cached_property
    def live(self) -> LivePubMedRetriever:
        """PubMed searched live, candidates ranked locally (``retrieval.source=pubmed``)."""
        from biomedqa.retrievers.live import LivePubMedRetriever

        return LivePubMedRetriever(self.eutils, lambda: self.embedder, self.settings)

    @cached_property
    def hyde(self) -> QueryExpander:
        from biomedqa.retrievers.hyde import HyDEExpander

        return HyDEExpander(self.llm, self.settings)

    @cached_property
    def eutils(self) -> EutilsTools:
        from biomedqa.tools.eutils import build_eutils

        return build_eutils(self.settings)

    @cached_property
    def sql(self) -> SqlBackend | None:
        if not self.settings.sql.url:
            return None
        from biomedqa.tools.sql import build_sql_tool

        return build_sql_tool(self.settings, self.llm)

    @cached_property
    def ncbi_available(self) -> bool:
        """True when NCBI can be used: a replay recording is set, or its host resolves (checked once)."""
        ncbi = self.settings.ncbi
        if ncbi.replay:
            return True
        if ncbi.offline:
            return False
        import socket
        from urllib.parse import urlparse

        host = urlparse(ncbi.base_url).hostname or ""
        try:
            socket.getaddrinfo(host, 443)
        except OSError:
            logger.info("NCBI host %s does not resolve: E-utilities tools are off for this run", host)
            return False
        return True

    def check(self) -> None:
        """Fail at start-up, not on every request, on settings no run can use: today an unloadable replay set.

        Cheap: the recordings of ``ncbi.replay`` are resolved and read (cached for the toolbox built later);
        nothing else loads. An injected ``eutils`` is not checked.

        Raises:
            ConfigError: a replay alias without the shared data, a missing file, or a file that is not a recording.
            StorageError: a recording that cannot be read.
        """
        ncbi = self.settings.ncbi
        if ncbi.replay and "eutils" not in self.__dict__:
            from biomedqa.tools.eutils.replay import check_recordings

            check_recordings(list(ncbi.replay), offline=ncbi.offline)

    def built(self, name: str) -> bool:
        return name in self.__dict__

    def close(self) -> None:
        """Free the model and close clients that were built."""
        for name in ("llm", "eutils", "sql"):
            obj = self.__dict__.get(name)
            if isinstance(obj, Closeable):
                try:
                    obj.close()
                except Exception:  # closing is best effort
                    logger.debug("closing %s failed", name, exc_info=True)
