"""PubMed search and fetch over E-utilities, returning abstracts as citable passages."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from biomedqa.tools.eutils.client import EutilsClient
from biomedqa.tools.eutils.parse import parse_xml
from biomedqa.types import Passage

logger = logging.getLogger(__name__)


# An element tag: Bio.Entrez keeps PubMed's inline markup (<i>, <b>, <sup>, <sub>, <u>, MathML) as text.
_MARKUP = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")


def plain(value: Any) -> str:
    """Text without PubMed's inline markup, whitespace collapsed: ``<b>Background:</b> … kg/m<sup>2</sup>`` →
    ``Background: … kg/m2``, what the index's XML reader (ElementTree ``itertext``) keeps, so abstracts read
    the same from a local index and from E-utilities. ``P < 0.001`` and ``<5 years`` stay (no tag name)."""
    return " ".join(_MARKUP.sub("", str(value or "")).split())


def _text(value: Any) -> str:
    if isinstance(value, list):
        parts = []
        for v in value:
            label = getattr(v, "attributes", {}).get("Label")
            parts.append(f"{label}: {plain(v)}" if label else plain(v))
        return " ".join(p for p in parts if p)
    return plain(value)


def _year(article: dict[str, Any], medline: dict[str, Any]) -> int | None:
    issue = article.get("Journal", {}).get("JournalIssue", {}).get("PubDate", {})
    completed = medline.get("DateCompleted", {}).get("Year", "")
    year = str(issue.get("Year") or issue.get("MedlineDate", "")[:4] or completed)
    return int(year) if year.isdigit() else None


def articles_to_passages(record: Any) -> list[Passage]:
    """Passages (doc_id = pmid) from a parsed ``PubmedArticleSet``; articles without text are skipped."""
    out: list[Passage] = []
    articles = record.get("PubmedArticle", []) if isinstance(record, dict) else []
    for art in articles if isinstance(articles, list) else [articles]:
        try:
            passage = _passage(art)
        except (AttributeError, TypeError, ValueError, KeyError) as e:  # an article of unexpected shape
            logger.info("dropped a PubMed article of unexpected shape (%s)", type(e).__name__)
            continue
        if passage is not None:
            out.append(passage)
    return out


def _passage(art: Any) -> Passage | None:
    medline = art.get("MedlineCitation", {})
    article = medline.get("Article", {})
    pmid = str(medline.get("PMID", "")).strip()
    title = plain(article.get("ArticleTitle", ""))
    abstract = _text(article.get("Abstract", {}).get("AbstractText", []))
    if not (pmid.isascii() and pmid.isdigit()) or not (title or abstract):
        return None
    return Passage(doc_id=pmid, pmid=pmid, title=title, text=abstract or title,
                   year=_year(article, medline), source="eutils",
                   meta={"journal": str(article.get("Journal", {}).get("Title", ""))})


async def fetch_pubmed(client: EutilsClient, pmids: Sequence[str]) -> list[Passage]:
    """Abstracts of the given PMIDs, in the order asked."""
    pmids = [p for p in dict.fromkeys(str(p).strip() for p in pmids) if p.isascii() and p.isdigit()]
    if not pmids:
        return []
    body = await client.efetch("pubmed", pmids, retmode="xml")
    passages = articles_to_passages(parse_xml(body))
    order = {p: i for i, p in enumerate(pmids)}
    return sorted(passages, key=lambda p: order.get(p.doc_id, len(order)))


async def search_pubmed(client: EutilsClient, query: str, k: int = 5) -> list[Passage]:
    """Search PubMed (relevance order) and fetch the top ``k`` abstracts, scored by rank."""
    res = await client.esearch("pubmed", query, retmax=k, sort="relevance")
    ids = [str(i) for i in res.get("idlist", [])][:k]
    logger.info("pubmed: %s hits for %r, fetching %d", res.get("count", "0"), query[:60], len(ids))
    passages = await fetch_pubmed(client, ids)
    return [p.with_score(1.0 / (1 + i)) for i, p in enumerate(passages)]
