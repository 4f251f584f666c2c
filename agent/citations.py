"""Sentences, [n] evidence references, and the mapping to citations of retrieved passages only."""

from __future__ import annotations

import re
from collections.abc import Sequence

from biomedqa.types import Citation, Passage

# "[8]" right after a capital or digit is part of a name (rotavirus G1P[8]), not an evidence marker.
REF_RX = re.compile(r"(?<![A-Z0-9])\[(\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\]")
_LEAD_REFS = re.compile(r"^(?:\[\d{1,2}(?:\s*[,;]\s*\d{1,2})*\]\s*[,;]?\s*)+\.?\s*")
# A sentence ends at . ! or ? followed by space and an upper-case letter, digit or bracket; abbreviations
# such as "e.g. the" stay joined because a lower-case word follows.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")
_WORD_RX = re.compile(r"[a-z0-9][a-z0-9\-]+")
STOP = frozenset(
    "the a an and or of in on for to with by from as at is are was were be been this that these those it its "
    "which who whom than then there their they them not no yes can may might could should would will also "
    "into about over under between among such other more most less least very both each all any some has have "
    "had do does did evidence study studies patients results showed show shows".split()
)
_MARKER_RUN = re.compile(
    r"(?:\s*[,;]?\s*(?:(?-i:(?<![A-Z0-9]))\[\d{1,2}(?:\s*[,;]\s*\d{1,2})*\]|\[PMID:?\s*\d+\]))+",
    re.I,
)
NO_ANSWER = "The evidence does not answer this question."


def split_sentences(text: str) -> list[str]:
    """Sentences with their trailing [n] markers kept attached ("... effect. [1]" → one sentence); a line break
    ends a sentence too (name answers come one per line)."""
    parts = [p.strip() for line in text.strip().splitlines() for p in SENTENCE_END.split(line) if p.strip()]
    out: list[str] = []
    for p in parts:
        lead = _LEAD_REFS.match(p)
        if lead and out:  # "... effect. [1] Next sentence" → markers belong to the previous sentence
            out[-1] = f"{out[-1]} {lead.group(0).strip()}"
            p = p[lead.end() :].strip()
        if p:
            out.append(p)
    return out


_LEAD_STYLE = re.compile(r"(?<=[.!?])\s+(?=\[\d{1,2}(?:\s*[,;]\s*\d{1,2})*\])")


def trailing_refs(text: str) -> str:
    """A draft written as "[1] Subject verb ... [2] Subject ..." with each marker moved to its sentence's end.

    Only markers followed by a capitalised word or a number ("[1] 8 copies of LBX …") move: "[1] uses X to
    do Y" (the marker as the subject) is left as it is, for the verifier to refuse.
    """
    if not _LEAD_REFS.match(text.strip()):
        return text
    out = []
    for part in _LEAD_STYLE.split(text.strip()):
        m = _LEAD_REFS.match(part)
        rest = part[m.end() :].strip() if m else part
        if m and (rest[:1].isupper() or rest[:1].isdigit()):
            end = rest[-1] if rest[-1:] in ".!?" else "."
            part = f"{rest.rstrip('.!? ')} {m.group(0).strip().rstrip('.,; ')}{end}"
        out.append(part)
    return " ".join(out)


_NAME_SEP = re.compile(r"\s*[;,]\s+")  # "A, B" / "A; B" (not "2,3-bisphosphoglycerate")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")


def name_lines(text: str, limit: int) -> str:
    """A factoid/list reply as one "Name [n]." line per distinct name (bullets and numbering dropped)."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in text.splitlines():
        raw = _BULLET.sub("", raw).strip().rstrip(".;,")
        refs = " ".join(m.group(0) for m in REF_RX.finditer(raw))
        parts = _NAME_SEP.split(strip_refs(raw).rstrip(".;,"))
        if len(parts) > 1:  # "A, B and C [1]": one line per name, each keeping the line's markers
            parts[-1:] = re.split(r"\s+and\s+", parts[-1])
        for part in parts if len(parts) > 1 else [None]:
            line = raw if part is None else f"{part.strip()} {refs}".strip()
            key = strip_refs(line).lower().strip(" .;,")
            if not key or key in seen:
                continue
            seen.add(key)
            out.append(f"{line}.")
            if len(out) == limit:
                return "\n".join(out)
    return "\n".join(out)


def name_of(sentence: str) -> str:
    """The name a "Name [PMID:n]." answer line gives."""
    return strip_refs(sentence).rstrip(".").strip()


def refs_in(sentence: str, n_evidence: int) -> list[int]:
    """1-based evidence numbers cited in a sentence, limited to those that exist."""
    nums: list[int] = []
    for m in REF_RX.finditer(sentence):
        nums += [int(x) for x in re.split(r"\s*[,;]\s*", m.group(1))]
    return [n for n in dict.fromkeys(nums) if 1 <= n <= n_evidence]


def strip_refs(sentence: str) -> str:
    """The sentence without [n] / [PMID:n] markers and the commas or spaces between them."""
    text = _MARKER_RUN.sub("", sentence)
    text = re.sub(r"\s+([.,;!?])", r"\1", text)
    return re.sub(r"([.!?])[.,;]+$", r"\1", text.strip()).strip()


def render(sentence: str, refs: Sequence[int], evidence: Sequence[Passage]) -> str:
    """Replace [n] markers by [PMID:x] (or [doc_id]) of retrieved passages."""
    tags = "".join(
        f"[PMID:{evidence[n - 1].pmid}]" if evidence[n - 1].pmid else f"[{evidence[n - 1].doc_id}]" for n in refs
    )
    body = strip_refs(sentence)
    if not tags:
        return body
    return f"{body[:-1]} {tags}{body[-1]}" if body.endswith((".", "!", "?")) else f"{body} {tags}"


def content_words(text: str) -> set[str]:
    return {w for w in _WORD_RX.findall(text.lower()) if w not in STOP and len(w) > 2}


def overlap(sentence: str, passages: Sequence[Passage]) -> float:
    """Share of the sentence's content words found in the cited passages (0..1)."""
    words = content_words(strip_refs(sentence))
    if not words:
        return 0.0
    source = set().union(*(content_words(p.title + " " + p.text) for p in passages)) if passages else set()
    return len(words & source) / len(words)


def best_quote(sentence: str, passage: Passage, max_chars: int = 240) -> str:
    """The passage sentence sharing most content words with the claim."""
    claim = content_words(strip_refs(sentence))
    cands = split_sentences(passage.text) or [passage.text]
    best = max(cands, key=lambda c: len(claim & content_words(c)))
    return best[:max_chars]


def citations_for(refs: Sequence[int], sentence: str, evidence: Sequence[Passage]) -> list[Citation]:
    return [
        Citation(doc_id=p.doc_id, pmid=p.pmid, title=p.title, quote=best_quote(sentence, p))
        for p in (evidence[n - 1] for n in refs)
    ]
