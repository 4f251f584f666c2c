"""Check a claim against one article without asking a question: ``biomedqa verify`` and its API.

from biomedqa.claims import verify
check = verify("Pembrolizumab needs a PD-L1 companion test.", pmid="28293123", index="minipubmed")
check.verdict, check.quote, check.reason
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from biomedqa.agent.verify import ClaimCheck, verify_claim
from biomedqa.deps import Deps
from biomedqa.errors import InputError
from biomedqa.settings import MaybeSettings, get_settings
from biomedqa.types import Passage

logger = logging.getLogger(__name__)

MAX_CHUNKS = 64


def article_passages(deps: Deps, pmid: str, index: str | None = None) -> list[Passage]:
    """Every stored chunk of ``pmid`` in the index (the settings' index unless ``index``).

    Raises:
        InputError: a PMID that is not a number, or one the index does not hold.
        IndexNotFoundError: no such index.
    """
    pmid = pmid.strip()
    if not re.fullmatch(r"\d{1,9}", pmid):
        raise InputError(f"{pmid!r} is not a PMID.", hint="Give the article's PubMed ID, e.g. --pmid 28293123")
    from biomedqa.indexes import open_index

    name = index or deps.settings.retrieval.index
    idx = open_index(deps.settings, name)
    try:
        found = idx.get([pmid, *(f"{pmid}#{i}" for i in range(1, MAX_CHUNKS + 1))])
    finally:
        idx.close()
    passages = list({p.doc_id: p for p in found}.values())
    if not passages:
        raise InputError(
            f"index {name!r} has no article with PMID {pmid}.",
            hint="Check the PMID, or pass --index NAME of an index that holds it (biomedqa index list).",
        )
    return passages


async def averify(
    claim: str,
    *,
    pmid: str | None = None,
    passages: Sequence[Passage] | None = None,
    index: str | None = None,
    settings: MaybeSettings = None,
    question: str = "",
    use_model: bool = True,
    deps: Deps | None = None,
) -> ClaimCheck:
    """Is ``claim`` supported by the article ``pmid`` (or by ``passages``)?

    Args:
        claim: One sentence; ``[n]`` / ``[PMID:n]`` markers are ignored.
        pmid: The article to check against, looked up in the local index.
        passages: Check against these instead of an indexed article.
        index: Index name (default: ``retrieval.index`` of the settings).
        settings: Settings, a preset name, a dict, or None (environment).
        question: When given, a claim that only restates it is refused.
        use_model: Let the model decide claims the deterministic checks leave open.
        deps: Reuse these dependencies (the model stays loaded between calls).

    Returns:
        The verdict (supported / partial / unsupported), the best-matching quote and the reason.

    Raises:
        InputError: an empty claim, a bad or unknown PMID, or neither ``pmid`` nor ``passages``.
    """
    if not claim.strip():
        raise InputError("the claim is empty.", hint='Write it in quotes: biomedqa verify "CLAIM" --pmid N')
    own = deps is None
    deps = deps or Deps(get_settings(settings))
    try:
        if passages is None:
            if pmid is None:
                raise InputError("nothing to check the claim against.", hint="Pass --pmid N (or passages=...).")
            passages = article_passages(deps, pmid, index)
        llm = deps.llm if use_model else None
        check, _ = await verify_claim(
            " ".join(claim.split()), list(passages), llm=llm, question=question,
            evidence_chars=deps.settings.agent.evidence_chars,
        )  # fmt: skip
        return check
    finally:
        if own:
            deps.close()


def verify(
    claim: str,
    *,
    pmid: str | None = None,
    passages: Sequence[Passage] | None = None,
    index: str | None = None,
    settings: MaybeSettings = None,
    question: str = "",
    use_model: bool = True,
    deps: Deps | None = None,
) -> ClaimCheck:
    """Synchronous :func:`averify` (same arguments)."""
    from biomedqa.api import run_sync

    coro = averify(
        claim, pmid=pmid, passages=passages, index=index, settings=settings, question=question,
        use_model=use_model, deps=deps,
    )  # fmt: skip
    result: ClaimCheck = run_sync(coro)
    return result
