"""The claim verifier: is a sentence supported by the passages it cites?

In order, a claim is refused when it
1. has a defect: prompt markers or evidence headers copied from the prompt, a leading ``[n]``,
   a repeat of an earlier sentence, no subject, or only the question's own words (it restates
   the question instead of answering it);
2. states a number (with its unit) or a negation that the cited passage does not: unsupported,
   whatever the overlap. A gene/drug/disease-like name the passage lacks caps the verdict at
   "partial" and leaves it to the model.
Only claims that pass those checks may be settled by lexical overlap; the model decides the
rest (or, without a model, they stay "partial").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from biomedqa.agent import facts, prompts
from biomedqa.agent.citations import SENTENCE_END, content_words, overlap, strip_refs
from biomedqa.agent.llm_io import call_llm
from biomedqa.interfaces import ChatModel
from biomedqa.types import Passage, TraceEvent, Verdict

logger = logging.getLogger(__name__)

HIGH, LOW = 0.6, 0.2

_PROMPT_MARKERS = re.compile(
    r"<<<|>>>|‹‹‹|›››|\b(?:evidence|question|answer|options|claim)\s*:|\[\d{1,2}\]\s*\((?:PMID|doc)\b|"
    r"\(PMID \d+\)|return json|evidence passage|the correct option is",
    re.I,
)
_LEADING_REF = re.compile(r"^\s*(?:\[\d{1,2}(?:\s*[,;]\s*\d{1,2})*\]\s*)+")


class VerdictOut(BaseModel):
    """The model's constrained verdict on a claim."""

    verdict: Verdict


class ClaimCheck(BaseModel):
    """The verifier's decision on one claim."""

    verdict: Verdict
    quote: str = Field(default="", description="The passage sentence that best matches the claim")
    doc_id: str | None = Field(default=None, description="Passage the quote comes from")
    reason: str = Field(default="", description="Why: the overlap, a missing fact, a defect, or the model")
    missing: list[str] = Field(default_factory=list, description="Facts of the claim the passage does not state")
    capped: bool = Field(default=False, description="A name is missing: the model may not lift it to supported")
    by_model: bool = False


def defect(
    sentence: str, *, question: str = "", earlier: Sequence[str] = (), draft: bool = True, names: bool = False
) -> str | None:
    """Why a sentence is not an answer at all, or None. Fragments count only in drafts (``draft``) and never in
    name answers (``names``: factoid/list lines are a bare name by design)."""
    if _PROMPT_MARKERS.search(sentence):
        return "copies prompt markers or evidence headers"
    if _LEADING_REF.match(sentence):
        return "starts with an evidence marker instead of a subject"
    body = strip_refs(sentence)
    key = " ".join(body.lower().split()).rstrip(".!? ")
    if key and any(" ".join(strip_refs(e).lower().split()).rstrip(".!? ") == key for e in earlier):
        return "repeats an earlier sentence"
    words = [w for w in content_words(body) if re.search(r"[a-z]", w)]
    if names:
        words = words or [w for w in content_words(body) if w]
        if not words:
            return "names nothing"
    elif len(words) < 2:
        return "has no subject (a bare list or fragment)"
    if draft and not names and body[:1].islower() and not _named_subject(body):
        return "has no subject (starts mid-sentence)"
    if (
        question
        and not _polar_reply(question, body)
        and not _choice_reply(question, body)
        and not _new_numbers(body, question)
        and set(map(_stem, words)) <= set(map(_stem, content_words(question)))
    ):
        return "restates the question instead of answering it"
    return None


_ALTERNATIVES = re.compile(r"((?:[\w-]+\s*,\s*)*[\w-]+)\s*,?\s+or\s+([\w-]+)", re.I)


def _choice_reply(question: str, body: str) -> bool:
    """A question that offers alternatives ("an m6A writer, reader or eraser?", "in males or females?")
    answered by choosing: naming some of them but not all is the answer, though every word is the question's."""
    m = _ALTERNATIVES.search(question)
    if not m:
        return False
    offered = {_stem(w.lower()) for w in re.split(r"\s*,\s*", m.group(1)) + [m.group(2)]}
    said = {_stem(w.lower()) for w in re.findall(r"[\w-]+", body)}
    return 0 < len(offered & said) < len(offered)


def _new_numbers(body: str, question: str) -> bool:
    """Whether the sentence states a number the question does not ("30% of RA patients …" answers
    "What percentage of RA patients …"): a number is content, even where every word is the question's."""
    asked = facts.numbers(question)
    return any(not any(n.matches(q) for q in asked) for n in facts.numbers(body))


def _named_subject(body: str) -> bool:
    """A sentence that opens with a name written in lower case ("signatureSearch is …", "mTOR inhibits …",
    "p53 …"): a capital or a digit inside its first word."""
    words = body.split(maxsplit=1)
    return bool(words and re.search(r"[A-Z0-9]", words[0][1:]))


_POLAR_QUESTION = re.compile(
    r"^\s*(?:is|are|was|were|do|does|did|can|could|should|would|will|has|have|had|may|might|must)\b", re.I
)
_POLAR_REPLY = re.compile(r"^\s*(?:yes|no)\b", re.I)


def _polar_reply(question: str, body: str) -> bool:
    """A yes/no question answered with "Yes, …" or "No, …": repeating its words is the answer."""
    return bool(_POLAR_QUESTION.match(question) and _POLAR_REPLY.match(body))


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def passage_sentences(passage: Passage) -> list[str]:
    """Sentences of a passage (snippets joined with " … " count as separate sentences)."""
    text = " ".join(f"{passage.title}. {passage.text}".split()) if passage.title else " ".join(passage.text.split())
    out: list[str] = []
    for part in re.split(r"\s+…\s+|\s+\.\.\.\s+", text):
        out += [s.strip() for s in SENTENCE_END.split(part) if s.strip()]
    return out or [passage.text]


def best_quote(claim: str, passages: Sequence[Passage]) -> tuple[str, Passage | None]:
    """The passage sentence sharing most content words and numbers with the claim (ties: the shorter)."""
    body = strip_refs(claim)
    words = content_words(body)
    nums = facts.numbers(body)
    best: tuple[float, int, str, Passage | None] = (-1.0, 0, "", None)
    for p in passages:
        for s in passage_sentences(p):
            have = facts.numbers(s) if nums else []
            hits = sum(any(n.matches(h) for h in have) for n in nums)
            score = (len(words & content_words(s)) + hits) / ((len(words) + len(nums)) or 1)
            if (score, -len(s)) > (best[0], best[1]):
                best = (score, -len(s), s, p)
    return best[2], best[3]


def _stems(words: Sequence[str]) -> set[str]:
    try:
        import Stemmer

        return set(Stemmer.Stemmer("english").stemWords(list(words)))
    except ImportError:  # pragma: no cover - PyStemmer is a dependency
        return {_stem(w) for w in words}


def missing_facts(claim: str, passages: Sequence[Passage], quote: str) -> tuple[list[str], list[str], list[str]]:
    """What the claim states and the passages do not: (numbers or negation, names, other words).

    Numbers are matched as a multiset (a number the claim repeats must occur as often); negation
    is compared with the best-matching passage sentence (the count of negation words).
    """
    body = strip_refs(claim)
    text = " ".join(f"{p.title} {p.text}" for p in passages)
    have = facts.numbers(text)
    hard: list[str] = []
    for n in facts.numbers(body):
        hit = next((i for i, h in enumerate(have) if n.matches(h)), None)
        if hit is None:
            hard.append(f"number {n.text}")
        else:
            have.pop(hit)
    if quote and facts.negations(body) > facts.negations(quote):
        hard.append("negation (the claim adds a negation)")
    elif quote and facts.negations(body) < facts.negations(quote):
        # Dropped only if the claim states what the passage negates ("did not improve X" → "improved X"),
        # not when it repeats another part of that sentence.
        if _stems(facts.negated_words(quote)) & _stems(sorted(content_words(body))):
            hard.append("negation (the claim drops a negation)")
    keys = facts.name_keys(text)
    name_list = facts.names(body)
    names = [f"name {n}" for n in name_list if not facts.name_found(n, keys)]
    named = {w.lower() for n in name_list for w in re.findall(r"[a-z0-9][a-z0-9\-]+", n.lower())}
    source = _stems(sorted(content_words(text)))
    novel = [
        w for w in sorted(content_words(body))
        if len(w) > 3 and not w.isdigit() and w not in named and not (_stems([w]) & source)
    ]  # fmt: skip
    return hard, names, [f"word {w}" for w in novel]


def check_claim(
    claim: str,
    passages: Sequence[Passage],
    *,
    question: str = "",
    earlier: Sequence[str] = (),
    draft: bool = False,
    names: bool = False,
) -> ClaimCheck:
    """The deterministic verdict: refusals and clear overlaps; "partial" where a model should decide."""
    quote, src = best_quote(claim, passages)
    doc = src.doc_id if src else None
    if not passages:
        return ClaimCheck(verdict="unsupported", reason="no cited passage")
    bad = defect(claim, question=question, earlier=earlier, draft=draft, names=names)
    if bad:
        return ClaimCheck(verdict="unsupported", quote=quote, doc_id=doc, reason=bad)
    hard, absent, words = missing_facts(claim, passages, quote)
    score = overlap(claim, passages)
    missing = hard + absent + words
    if hard:
        return ClaimCheck(
            verdict="unsupported", quote=quote, doc_id=doc, missing=missing,
            reason=f"not in the cited passage: {'; '.join(missing)}",
        )  # fmt: skip
    if absent or words:
        return ClaimCheck(
            verdict="partial", quote=quote, doc_id=doc, missing=missing, capped=bool(absent),
            reason=f"not in the cited passage: {'; '.join(missing)}; overlap {score:.2f}",
        )  # fmt: skip
    if score >= HIGH:
        return ClaimCheck(verdict="supported", quote=quote, doc_id=doc, reason=f"facts found; overlap {score:.2f}")
    if score <= LOW:
        return ClaimCheck(verdict="unsupported", quote=quote, doc_id=doc, reason=f"overlap {score:.2f}")
    return ClaimCheck(verdict="partial", quote=quote, doc_id=doc, reason=f"facts found; overlap {score:.2f}")


def needs_model(check: ClaimCheck) -> bool:
    """Whether the model should decide: a middle overlap, or names the passage may spell otherwise."""
    return check.verdict == "partial"


async def verify_claim(
    claim: str,
    passages: Sequence[Passage],
    *,
    llm: ChatModel | None = None,
    question: str = "",
    earlier: Sequence[str] = (),
    draft: bool = False,
    evidence_chars: int = 500,
    names: bool = False,
) -> tuple[ClaimCheck, list[TraceEvent]]:
    """:func:`check_claim`, then the model's verdict where the checks leave it open.

    The model can never lift a claim with a missing name above "partial", nor lift a refusal.
    """
    check = check_claim(claim, passages, question=question, earlier=earlier, draft=draft, names=names)
    if llm is None or not needs_model(check):
        return check, []
    block = prompts.evidence_block(passages, evidence_chars, question=strip_refs(claim))
    msgs = prompts.chat(prompts.VERIFY.format(sentence=strip_refs(claim), evidence=block))
    got, ev = await call_llm(llm, "verify", msgs, schema=VerdictOut, max_tokens=16)
    verdict: Verdict = got.verdict if got is not None else "partial"
    if check.capped and verdict == "supported":
        verdict = "partial"
    reason = f"model: {verdict}; {check.reason}"
    return check.model_copy(update={"verdict": verdict, "reason": reason, "by_model": True}), [ev]
