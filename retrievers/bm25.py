"""Lexical retrieval with the index's BM25 (same tokenisation as at build time)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from biomedqa.retrievers.base import IndexRetriever, Ranked, collapse

logger = logging.getLogger(__name__)


class BM25Retriever(IndexRetriever):
    """bm25s retriever over a LocalIndex; only positively scored documents are returned."""

    name = "bm25"
    source = "bm25"

    def rank_tokens(self, tokens: Sequence[str], k: int) -> Ranked:
        """Collapsed ranking for one tokenised query."""
        bm25 = self.index.bm25
        fetch = self.fetch_size(k)
        while True:
            scores, ids = bm25.search_tokens(tokens, fetch)
            ranked = collapse(ids, scores, self.groups, k)
            if len(ranked) >= k or len(ids) < fetch or fetch >= bm25.num_docs:
                return ranked
            fetch *= 4

    def rank_many(self, queries: Sequence[str], k: int) -> list[Ranked]:
        tok = self.index.bm25.tokenizer
        return [self.rank_tokens(tok(q), k) for q in queries]

    def rank_expanded(self, query: str, expansions: Sequence[str], k: int) -> Ranked:
        """The question's terms, plus the hypothetical documents' terms when ``retrieval.hyde_bm25``."""
        tok = self.index.bm25.tokenizer
        tokens = tok(query)
        if self.settings.retrieval.hyde_bm25:
            for text in expansions:
                tokens += tok(text)
        return self.rank_tokens(tokens, k)
