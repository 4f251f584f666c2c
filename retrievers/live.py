"""PubMed searched live: a keyword query from the question, the top abstracts fetched, ranked locally.

``retrieval.source=pubmed`` (or a missing index with NCBI reachable) sends PubMed a keyword query
built deterministically from the question (or from the plan's ``search_query``), fetches the top
``retrieval.live_candidates`` abstracts through E-utilities, and ranks them with the same hybrid
fusion as a local index (BM25 over the candidates + dense cosine, ``retrieval.fusion``). The
abstracts are ``Passage.kind="literature"``, so ``grade`` grades them like any indexed article.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

import bm25s.stopwords as _sw
import numpy as np
from pydantic import BaseModel, Field

from biomedqa.indexes.lexical import BM25Index, Tokenizer, TokenizerConfig
from biomedqa.interfaces import Embedder, EutilsTools
from biomedqa.retrievers.base import Ranked
from biomedqa.retrievers.fusion import convex, rrf
from biomedqa.settings import Settings
from biomedqa.types import Passage

logger = logging.getLogger(__name__)

MAX_TERMS = 6
# Words that carry no topic: question scaffolding, and direction/relation verbs that would make an
# AND query require a word abstracts phrase a hundred ways ("lower", "reduces", "decreased").
QUESTION_WORDS = frozenset("""
a about after against all also among an and any are as associated association at be been before being between both
but by can cause caused causes could did do does doing effect effective effects for from had has have having how
however if in increase increased increases into involved is it its lead leads may might more most no not of on or
other patients people play plays possible reduce reduced reduces decrease decreased decreases lower lowers lowered
improve improved improves affect affects affected role should than that the their them then there these they this
those to treat treated treating treatment use used using versus vs was were what when where whether which while who
why will with within without would yes during through under over
""".split())
_STOP = frozenset(_sw.STOPWORDS_EN)
TERM_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9]|[A-Za-z0-9]")


def keywords(text: str, limit: int = MAX_TERMS) -> list[str]:
    """Topic phrases of a question in their order: runs of adjacent topic words, at most ``limit`` words.

    Example:
        >>> keywords("Does metformin lower HbA1c in type 2 diabetes?")
        ['metformin', 'HbA1c', 'type 2 diabetes']
    """
    phrases: list[list[str]] = []
    seen: set[str] = set()
    run: list[str] = []
    used = 0
    for word in TERM_RE.findall(text):
        low = word.lower()
        if low in QUESTION_WORDS or low in _STOP or (len(word) == 1 and not word.isdigit()):
            run = []
            continue
        if low in seen:
            continue
        seen.add(low)
        if not run:
            phrases.append(run)
        run.append(word)
        used += 1
        if used >= limit:
            break
    return [" ".join(p) for p in phrases]


def pubmed_query(text: str, *, broad: bool = False) -> str:
    """A PubMed query from a question: its topic phrases joined by AND (``broad``: by OR; a single
    phrase, such as the plan's keyword query ``semaglutide diabetes hba1c``, is split into its words).

    PubMed's automatic term mapping turns each phrase into its MeSH heading plus free text, so
    ``metformin AND HbA1c`` also finds "glycated hemoglobin" abstracts. Falls back to the text.
    """
    terms = keywords(text)
    if not terms:
        return " ".join(text.split())[:300]
    if broad and len(terms) == 1:  # one run of words (a model-written keyword query): OR its words
        terms = terms[0].split()
    return (" OR " if broad else " AND ").join(terms)


class LiveResult(BaseModel):
    """One live search: what was sent, how many came back, and the ranked passages."""

    queries: list[str] = Field(description="PubMed queries sent, in order (the AND query, then OR if too few)")
    fetched: int = Field(description="Abstracts fetched from PubMed")
    passages: list[Passage] = Field(default_factory=list, description="Top passages after local hybrid ranking")

    @property
    def query(self) -> str:
        return self.queries[-1] if self.queries else ""


def _ranked(scores: np.ndarray) -> Ranked:
    order = np.argsort(-scores, kind="stable")
    return [(int(i), float(scores[i])) for i in order]


class LivePubMedRetriever:
    """PubMed search + local hybrid ranking of the fetched abstracts.

    Args:
        eutils: The E-utilities toolbox (live, recording or replaying).
        embedder: Factory for the dense embedder (called on first search).
        settings: ``retrieval.live_candidates``, ``fusion``, ``weights``, ``rrf_k``.
    """

    name = "pubmed"

    def __init__(self, eutils: EutilsTools, embedder: Callable[[], Embedder], settings: Settings) -> None:
        self.eutils = eutils
        self._embedder = embedder
        self.settings = settings
        self.tokenizer = Tokenizer(TokenizerConfig(stemmer="english"))

    async def fetch(self, text: str) -> tuple[list[str], list[Passage]]:
        """Candidates for ``text``: the AND query first; when it finds too few, the OR query too."""
        want = self.settings.retrieval.live_candidates
        queries = [pubmed_query(text)]
        found = await self.eutils.pubmed_passages(queries[0], want)
        broad = pubmed_query(text, broad=True)
        if len(found) < want // 2 and broad != queries[0]:
            queries.append(broad)
            more = await self.eutils.pubmed_passages(broad, want)
            known = {p.doc_id for p in found}
            found += [p for p in more if p.doc_id not in known][: want - len(found)]
        return queries, found

    def rank(self, question: str, candidates: Sequence[Passage], k: int) -> list[Passage]:
        """The ``k`` best candidates for ``question``: BM25 and dense scores fused as for a local index."""
        if not candidates:
            return []
        texts = [f"{p.title}. {p.text}" if p.title else p.text for p in candidates]
        bm25 = BM25Index.build([self.tokenizer(t) for t in texts], self.tokenizer,
                               self.settings.index.bm25_k1, self.settings.index.bm25_b)
        # every candidate keeps its BM25 score, zeros included, so min-max normalisation has a floor
        lexical = _ranked(bm25.scores(self.tokenizer(question)))
        emb = self._embedder()
        vecs = emb([question, *texts])
        dense = _ranked(vecs[1:] @ vecs[0])
        r = self.settings.retrieval
        rankings = {"dense": dense, "bm25": lexical}
        if r.fusion == "convex":
            fused, extra = convex(rankings, r.weights, None, k)
        else:
            fused, extra = rrf(rankings, r.weights, r.rrf_k, None, k)
        out = []
        for rank, (row, score) in enumerate(fused, 1):
            p = candidates[row]
            meta = dict(p.meta, rank=rank, pubmed_rank=row + 1, **extra.get(row, {}))
            out.append(p.model_copy(update={"score": score, "source": "pubmed", "kind": "literature", "meta": meta}))
        return out

    async def search(self, question: str, k: int, *, query_text: str | None = None) -> LiveResult:
        """Search PubMed for ``query_text`` (default: the question) and rank the candidates for ``question``."""
        queries, found = await self.fetch(query_text or question)
        passages = self.rank(question, found, k)
        logger.info("pubmed live: %r → %d abstracts, kept top %d", queries[-1][:80], len(found), len(passages))
        return LiveResult(queries=queries, fetched=len(found), passages=passages)
