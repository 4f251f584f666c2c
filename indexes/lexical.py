"""BM25 over the same tokenisation at build and query time (bm25s, English stop words, stemming)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from biomedqa.errors import ConfigError

logger = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")


class TokenizerConfig(BaseModel):
    """How texts become BM25 terms; saved in the manifest so queries are tokenised the same way."""

    model_config = ConfigDict(frozen=True)
    stopwords: str = "en"
    stemmer: str | None = "english"
    lowercase: bool = True


def stemmer_available() -> bool:
    """Whether PyStemmer (Snowball stemmers) is installed."""
    try:
        import Stemmer  # noqa: F401
    except ImportError:
        return False
    return True


class Tokenizer:
    """Lower-case word tokens (2+ chars), stop words dropped, Snowball-stemmed when configured."""

    def __init__(self, config: TokenizerConfig) -> None:
        import bm25s.stopwords as sw

        self.config = config
        self.stop = frozenset(sw.STOPWORDS_EN if config.stopwords == "en" else ())
        self._stem: Any = None
        if config.stemmer:
            try:
                import Stemmer
            except ImportError as e:
                raise ConfigError(
                    f"this BM25 index uses the {config.stemmer} stemmer but PyStemmer is not installed.",
                    hint="pip install PyStemmer, or rebuild the index with -o index.bm25_stemmer=none",
                ) from e
            self._stem = Stemmer.Stemmer(config.stemmer).stemWords

    def __call__(self, text: str) -> list[str]:
        words = [w for w in TOKEN_RE.findall(text.lower() if self.config.lowercase else text) if w not in self.stop]
        return list(self._stem(words)) if self._stem else words

    def many(self, texts: Sequence[str]) -> list[list[str]]:
        """Tokenise several texts."""
        return [self(t) for t in texts]


def resolve_tokenizer_config(stemmer: str | None) -> TokenizerConfig:
    """The config for a build: falls back to no stemming (with a warning) when PyStemmer is absent."""
    stemmer = None if stemmer in (None, "", "none") else stemmer
    if stemmer and not stemmer_available():
        logger.warning("PyStemmer is not installed: building BM25 without stemming")
        stemmer = None
    return TokenizerConfig(stemmer=stemmer)


class CorpusStats(BaseModel):
    """What BM25 needs to know about the whole corpus: per-term document counts, size, mean length."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    doc_freqs: Any  # np.ndarray[int64] indexed by vocabulary id
    num_docs: int
    avg_doc_len: float

    @classmethod
    def from_ids(cls, ids: Sequence[Sequence[int]], vocab_size: int) -> CorpusStats:
        """Statistics of term-id documents (duplicates inside a document count once)."""
        df = np.zeros(vocab_size, dtype=np.int64)
        for doc in ids:
            df[list(set(doc))] += 1
        # the same float64 mean bm25s computes over one index of every document
        return cls(doc_freqs=df, num_docs=len(ids), avg_doc_len=float(np.array([len(d) for d in ids]).mean()))

    def for_vocab(self, global_ids: Sequence[int]) -> CorpusStats:
        """The same statistics for a shard whose vocabulary id ``i`` is global id ``global_ids[i]``."""
        return CorpusStats(doc_freqs=self.doc_freqs[np.asarray(global_ids, dtype=np.int64)], num_docs=self.num_docs,
                           avg_doc_len=self.avg_doc_len)


def _global_stats_model() -> type:
    import bm25s
    from bm25s.scoring import (
        _build_idf_array,
        _build_scores_and_indices_for_matrix,
        _calculate_doc_freqs,
        _select_idf_scorer,
    )

    class GlobalStatsBM25(bm25s.BM25):  # type: ignore[misc]
        """bm25s.BM25 whose idf and length normalisation use corpus-wide statistics."""

        def __init__(self, stats: CorpusStats, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.stats = stats

        def build_index_from_ids(self, unique_token_ids: Any, corpus_token_ids: Any, show_progress: bool = True,
                                 leave_progress: bool = False) -> dict[str, Any]:
            self.nonoccurrence_array = None  # lucene scoring needs none
            local = _calculate_doc_freqs(corpus_token_ids, unique_token_ids, show_progress=False)
            known = len(self.stats.doc_freqs)
            df = {t: int(self.stats.doc_freqs[t]) if t < known else 0 for t in local}
            idf = _build_idf_array(df, self.stats.num_docs, _select_idf_scorer(self.idf_method), dtype=self.dtype)
            flat, rows, cols = _build_scores_and_indices_for_matrix(
                corpus_token_ids=corpus_token_ids, idf_array=idf, avg_doc_len=self.stats.avg_doc_len,
                doc_frequencies=local, k1=self.k1, b=self.b, delta=self.delta, show_progress=False,
                dtype=self.dtype, int_dtype=self.int_dtype, method=self.method, nonoccurrence_array=None)
            import scipy.sparse as sp

            m = sp.csc_matrix((flat, (rows, cols)), shape=(len(corpus_token_ids), len(local)), dtype=self.dtype)
            return {"data": m.data, "indices": m.indices, "indptr": m.indptr, "num_docs": len(corpus_token_ids)}

    return GlobalStatsBM25


def _GlobalStatsBM25(stats: CorpusStats, **kwargs: Any) -> Any:  # noqa: N802 - a class factory
    return _global_stats_model()(stats, **kwargs)


class BM25Index:
    """A bm25s index plus its tokenizer; ``search`` returns (scores, row ids) like FAISS."""

    def __init__(self, model: Any, tokenizer: Tokenizer) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.num_docs = int(model.scores["num_docs"])

    @classmethod
    def build(cls, corpus_tokens: Any, tokenizer: Tokenizer, k1: float, b: float,
              method: str = "lucene", stats: CorpusStats | None = None) -> BM25Index:
        """Index pre-tokenised documents (row i is document i).

        Args:
            corpus_tokens: ``bm25s.tokenization.Tokenized`` (ids + vocab) or lists of tokens.
            tokenizer: The tokenizer queries will use.
            k1: BM25 k1.
            b: BM25 b.
            method: bm25s scoring method.
            stats: Corpus-wide statistics (one shard of a bigger corpus): document frequencies,
                document count and mean length come from these instead of ``corpus_tokens``, so
                each shard scores a document exactly as one index over the whole corpus would.
        """
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s forces DEBUG on import
        model = bm25s.BM25(k1=k1, b=b, method=method) if stats is None else _GlobalStatsBM25(stats, k1=k1, b=b,
                                                                                           method=method)
        model.index(corpus_tokens, show_progress=False)
        return cls(model, tokenizer)

    def save(self, folder: Path) -> None:
        """Write the bm25s files into ``folder``."""
        self.model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, tokenizer: Tokenizer, mmap: bool = False) -> BM25Index:
        """Load a saved index (``mmap`` keeps big score arrays on disk)."""
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=mmap, show_progress=False), tokenizer)

    def term_ids(self, tokens: Sequence[str]) -> list[int]:
        """Vocabulary ids of the known tokens (unknown tokens cannot match and are dropped)."""
        vocab = self.model.vocab_dict
        return [vocab[t] for t in tokens if t in vocab]

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for one tokenised query."""
        ids = self.term_ids(tokens)
        if not ids:
            return np.zeros(self.num_docs, dtype=np.float32)
        return np.asarray(self.model.get_scores_from_ids(ids), dtype=np.float32)

    def search_tokens(self, tokens: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, row ids), best first, positive scores only."""
        scores = self.scores(tokens)
        k = min(k, self.num_docs)
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        top = np.argpartition(-scores, k - 1)[:k] if k < self.num_docs else np.arange(self.num_docs)
        top = top[np.argsort(-scores[top], kind="stable")]
        keep = scores[top] > 0
        return scores[top][keep], top[keep].astype(np.int64)

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Tokenise ``query`` and search."""
        return self.search_tokens(self.tokenizer(query), k)
