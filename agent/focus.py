"""Query-focused evidence: the sentences of a passage that bear on the question, within a character budget.

A small model sees ~500 characters per passage. Cutting a long abstract at its first 500 characters keeps the
background and drops the results, which is where the answer usually is. Instead, sentences are ranked by how
many of the question's (stemmed, stop-word-free) terms they contain, with a small bonus for the closing
sentences (results, conclusions) and the opening one (what was studied), and the best are kept in their
original order, with "…" marking the gaps.
"""

from __future__ import annotations

from functools import lru_cache

from biomedqa.agent.citations import SENTENCE_END
from biomedqa.indexes.lexical import Tokenizer, resolve_tokenizer_config

GAP = " … "
CLOSING_BONUS = 0.5  # the last two sentences: results and conclusions
OPENING_BONUS = 0.25  # the first sentence: what the study is about


@lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    """The BM25 tokenizer (stop words dropped, Snowball-stemmed), built once."""
    return Tokenizer(resolve_tokenizer_config("english"))


def sentences(text: str) -> list[str]:
    """Split a passage into sentences (whitespace normalised)."""
    return [s for s in SENTENCE_END.split(" ".join(text.split())) if s]


def focus(text: str, question: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``: its sentences that best match ``question``, in order."""
    text = " ".join(text.split())
    if len(text) <= limit or not question.strip():
        return text[:limit]
    sents = sentences(text)
    if len(sents) < 2:
        return text[:limit]
    tok = _tokenizer()
    terms = set(tok(question))
    n = len(sents)
    score = [
        len(terms & set(tok(s))) / (len(terms) or 1)
        + (CLOSING_BONUS if i >= n - 2 else OPENING_BONUS if i == 0 else 0.0)
        for i, s in enumerate(sents)
    ]
    keep: set[int] = set()
    used = 0
    for i in sorted(range(n), key=lambda i: (-score[i], i)):
        cost = len(sents[i]) + len(GAP)
        if used + cost > limit:
            continue
        keep.add(i)
        used += cost
    if not keep:  # every sentence is longer than the budget: the best one, cut
        best = max(range(n), key=lambda i: (score[i], -i))
        return sents[best][:limit]
    out: list[str] = []
    last = -1
    for i in sorted(keep):
        if out and i != last + 1:
            out.append("…")
        out.append(sents[i])
        last = i
    joined = " ".join(out)
    return ("… " if min(keep) > 0 else "") + joined
