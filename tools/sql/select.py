"""Pick the tables, columns and few-shot examples relevant to a question, so prompts stay small.

Scoring is lexical (name, note, keyword and column-name tokens, IDF-weighted) plus exact hits of
question words in the database's own values (``Topiramate`` → the table whose column holds it),
optionally blended with embedding similarity when an ``Embedder`` is given.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from biomedqa.interfaces import Embedder
from biomedqa.tools.sql.models import FewShot, TableInfo

logger = logging.getLogger(__name__)

_STOP = frozenset(
    [
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "how", "in", "is", "it", "its",
        "of", "on", "or", "the", "their", "there", "these", "this", "to", "was", "were", "what", "which", "who",
        "whose", "with", "list", "show", "give", "many", "much", "per", "any", "all", "does", "do", "did", "in",
        "table", "sample"
    ]
)
MAX_VALUES_PER_COLUMN = 5000
VALUE_HIT_WEIGHT = 3.0
EMPTY_TABLE_FACTOR = 0.3


def tokens(text: str) -> list[str]:
    """Lower-case word tokens with camelCase and snake_case split and a light plural stem."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    out = []
    for w in re.findall(r"[A-Za-z0-9]+", text.lower()):
        if w in _STOP or len(w) < 2:
            continue
        out.append(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return out


class ValueIndex:
    """Maps value words (drug names, SNP ids, gene symbols, disease codes) to their (table, column)."""

    def __init__(self) -> None:
        self.words: dict[str, set[tuple[str, str]]] = defaultdict(set)

    @classmethod
    def build(cls, engine: sa.Engine, tables: list[TableInfo]) -> ValueIndex:
        """Read distinct values of every text column (capped per column)."""
        index = cls()
        meta = sa.MetaData()
        with engine.connect() as conn:
            for t in tables:
                if not t.row_count:
                    continue
                table = sa.Table(t.name, meta, autoload_with=conn)
                for c in t.columns:
                    if c.kind != "text" or c.name.lower() == "uuid":
                        continue
                    col = table.c[c.name]
                    stmt = sa.select(col).where(col.is_not(None)).distinct().limit(MAX_VALUES_PER_COLUMN)
                    for (v,) in conn.execute(stmt):
                        for w in set(re.findall(r"[A-Za-z0-9]+", str(v).lower())):
                            if len(w) >= 2 and w not in _STOP:
                                index.words[w].add((t.name, c.name))
        return index

    def hits(self, question: str, ignore: frozenset[str] = frozenset()) -> dict[tuple[str, str], int]:
        """(table, column) → number of distinct question words found in that column's values.

        Words in ``ignore`` (the schema's own vocabulary) are skipped: an entity name such as
        ``Topiramate`` says far more about where to look than ``disease`` does.
        """
        out: Counter[tuple[str, str]] = Counter()
        for w in set(re.findall(r"[A-Za-z0-9]+", question.lower())) - ignore:
            where = self.words.get(w, set())
            if where and len(where) <= 6:  # words found everywhere carry no signal
                out.update(where)
        return dict(out)


def _table_doc(t: TableInfo) -> list[str]:
    parts = [t.name, t.note, " ".join(t.keywords)] + [f"{c.name} {c.note}" for c in t.columns]
    return tokens(" ".join(parts))


class SchemaSelector:
    """Ranks tables and columns for a question; built once per database."""

    def __init__(self, tables: list[TableInfo], values: ValueIndex | None = None, embedder: Embedder | None = None):
        self.tables = tables
        self.values = values or ValueIndex()
        self.embedder = embedder
        self.docs = {t.name: Counter(_table_doc(t)) for t in tables}
        df: Counter[str] = Counter()
        for d in self.docs.values():
            df.update(set(d))
        n = max(1, len(tables))
        self.idf = {w: math.log(1 + n / c) for w, c in df.items()}
        self.vocab = frozenset(df) | frozenset(w + "s" for w in df)
        self.name_words = {t.name: set(tokens(t.name)) for t in tables}
        self._emb = embedder([" ".join(_table_doc(t)) for t in tables]) if embedder and tables else None

    def score_tables(self, question: str) -> list[tuple[TableInfo, float]]:
        """All tables with a relevance score, best first."""
        q = set(tokens(question))
        hits = self.values.hits(question, self.vocab)
        sims = None
        if self.embedder is not None and self._emb is not None:
            sims = self._emb @ self.embedder([question])[0]
        scored = []
        for i, t in enumerate(self.tables):
            s = sum(self.idf.get(w, 0.0) for w in q if w in self.docs[t.name])
            s += sum(self.idf.get(w, 0.0) for w in q & self.name_words[t.name])
            s += VALUE_HIT_WEIGHT * sum(n for (tn, _), n in hits.items() if tn == t.name)
            if sims is not None:
                s += 2.0 * float(sims[i])
            if not t.row_count:
                s *= EMPTY_TABLE_FACTOR
            scored.append((t, s))
        scored.sort(key=lambda x: -x[1])
        return scored

    def select_tables(self, question: str, max_tables: int = 2, ratio: float = 0.9) -> list[TableInfo]:
        """The best table, plus runners-up scoring at least ``ratio`` of the best."""
        scored = self.score_tables(question)
        if not scored:
            return []
        best = scored[0][1]
        keep = [t for t, s in scored[:max_tables] if s >= ratio * best and s > 0] or [scored[0][0]]
        logger.debug("tables for %r: %s", question[:80], [(t.name, round(s, 2)) for t, s in scored[:3]])
        return keep

    def select_columns(self, question: str, table: TableInfo, max_columns: int = 16) -> list[str]:
        """Columns worth showing: all for small tables, else question-related ones plus leading keys."""
        cols = [c for c in table.columns if c.name.lower() != "uuid" or "uuid" in question.lower()]
        if len(cols) <= max_columns:
            return [c.name for c in cols]
        q = set(tokens(question))
        hits = self.values.hits(question, self.vocab)
        scores = {
            c.name: len(q & set(tokens(f"{c.name} {c.note}"))) + 2 * hits.get((table.name, c.name), 0) for c in cols
        }
        wanted = {n for n, s in sorted(scores.items(), key=lambda x: -x[1]) if s > 0}
        for c in cols:
            if len(wanted) >= max_columns:
                break
            wanted.add(c.name)
        return [c.name for c in cols if c.name in wanted]


def select_examples(question: str, pool: Iterable[FewShot], tables: list[str], k: int = 3) -> list[FewShot]:
    """The ``k`` pool examples most similar to the question, preferring ones on the chosen tables."""
    q = Counter(tokens(question))
    scored = []
    for ex in pool:
        e = Counter(tokens(ex.question))
        overlap = sum((q & e).values()) / math.sqrt(max(1, sum(e.values())) * max(1, sum(q.values())))
        on_table = any(t in ex.sql for t in tables)
        scored.append((overlap + (0.5 if on_table else 0.0), ex))
    scored.sort(key=lambda x: -x[0])
    return [ex for _, ex in scored[:k]]

