"""Gene, SNP and OMIM look-ups over E-utilities (JSON mode), returning typed records.

Call shapes follow GeneGPT's (esearch ``retmax=5`` for genes, ``20`` for OMIM, ``sort=relevance``),
so its recorded responses replay them. A gene summary that is missing or unusable falls back to
efetch's text format, then to the XML esummary.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import ValidationError

from biomedqa.errors import NCBIError
from biomedqa.tools.eutils.client import EutilsClient
from biomedqa.tools.eutils.records import (
    GeneRecord,
    OmimRecord,
    SnpRecord,
    gene_from_summary,
    genes_from_efetch_text,
    omim_from_summary,
    snp_from_summary,
)

logger = logging.getLogger(__name__)
R = TypeVar("R")


def read_records(build: Callable[[str, dict[str, Any]], R], docs: dict[str, dict[str, Any]]) -> list[R]:
    """Typed records from summary documents; a document of an unexpected shape is dropped (logged)."""
    out = []
    for uid, doc in docs.items():
        try:
            out.append(build(uid, doc))
        except (AttributeError, TypeError, ValueError, KeyError, IndexError, ValidationError) as e:
            logger.info("dropped an esummary record of unexpected shape (uid %s: %s)", uid[:20], type(e).__name__)
    return out


async def gene_summaries(client: EutilsClient, ids: Sequence[str]) -> list[GeneRecord]:
    """Gene records for NCBI Gene ids (JSON esummary, falling back to efetch text, then to XML esummary)."""
    ids = [str(i) for i in ids if str(i).strip()]
    if not ids:
        return []
    try:
        docs = await client.esummary("gene", ids, retmax=len(ids))
        records = read_records(gene_from_summary, docs)
        if records and all(r.symbol for r in records):
            return _in_order(records, ids)
    except NCBIError as e:
        logger.info("esummary gene failed (%s); trying efetch text", e.message)
    for retmode in ("text", "json"):
        try:
            body = await client.efetch("gene", ids, retmode=retmode, retmax=len(ids))
        except NCBIError:
            continue
        records = genes_from_efetch_text(body.decode("utf-8", "replace"))
        if records:
            return _in_order(records, ids)
    try:  # last: the XML esummary (E-utilities' default format), which also carries the summary
        records = read_records(gene_from_summary, await client.esummary_xml("gene", ids))
        if records and all(r.symbol for r in records):
            return _in_order(records, ids)
    except NCBIError as e:
        logger.info("esummary gene XML failed (%s)", e.message)
    raise NCBIError(f"no gene records could be read for ids {','.join(ids[:5])}.", hint="Retry later.")


def _in_order(records: list[GeneRecord], ids: list[str]) -> list[GeneRecord]:
    pos = {g: i for i, g in enumerate(ids)}
    return sorted(records, key=lambda r: pos.get(r.gene_id, len(pos)))


async def search_genes(client: EutilsClient, term: str, *, retmax: int = 5) -> list[GeneRecord]:
    """Genes matching a symbol, alias, name or Ensembl id, in NCBI's relevance order."""
    res = await client.esearch("gene", term.strip(), retmax=retmax)
    ids = [str(i) for i in res["idlist"]][:retmax]
    return await gene_summaries(client, ids) if ids else []


def _match(r: GeneRecord, term: str) -> int:
    t = term.strip().upper()
    return 0 if r.symbol.upper() == t else 1 if t in {a.upper() for a in r.aliases} else 2


def pick_human(records: Sequence[GeneRecord], term: str = "") -> GeneRecord | None:
    """The record a question about ``term`` most likely means.

    Live records beat replaced/discontinued ones, human beats other species, and then an exact
    symbol beats an alias, which beats NCBI's relevance order.
    """
    ranked = sorted(records, key=lambda r: (1 if r.status else 0, 0 if r.is_human else 1, _match(r, term)))
    return ranked[0] if ranked else None


async def find_gene(client: EutilsClient, term: str, *, retmax: int = 5,
                    wide: int = 20) -> tuple[GeneRecord | None, list[GeneRecord]]:
    """The human gene a symbol/alias names: the top ``retmax`` hits, widened to ``wide`` when none matches.

    Returns the best record and every record read.
    """
    records = await search_genes(client, term, retmax=retmax)
    best = pick_human(records, term)
    if (best is not None and best.is_human and not best.status and _match(best, term) < 2) or wide <= retmax:
        return best, records
    try:
        wider = await search_genes(client, term, retmax=wide)
    except NCBIError as e:
        logger.info("widened gene search failed (%s)", e.message)
        return best, records
    seen = {r.gene_id for r in records}
    records += [r for r in wider if r.gene_id not in seen]
    return pick_human(records, term), records


async def snp_summaries(client: EutilsClient, rsids: Sequence[str]) -> list[SnpRecord]:
    """dbSNP records for rs ids (``rs123`` or ``123``)."""
    ids = [re.sub(r"^rs", "", str(r).strip(), flags=re.IGNORECASE) for r in rsids if str(r).strip()]
    if not ids:
        return []
    docs = await client.esummary("snp", ids, retmax=10)
    return read_records(snp_from_summary, docs)


async def omim_summaries(client: EutilsClient, ids: Sequence[str]) -> list[OmimRecord]:
    """OMIM entries by MIM number."""
    ids = [str(i) for i in ids if str(i).strip()]
    if not ids:
        return []
    docs = await client.esummary("omim", ids, retmax=20)
    return read_records(omim_from_summary, docs)


async def search_omim(client: EutilsClient, term: str, *, retmax: int = 20) -> list[OmimRecord]:
    """OMIM entries for a disease or gene term, in relevance order."""
    res = await client.esearch("omim", term.strip(), retmax=retmax)
    ids = [str(i) for i in res["idlist"]][:retmax]
    return await omim_summaries(client, ids) if ids else []


def disease_genes(entries: Sequence[OmimRecord]) -> list[str]:
    """Gene symbols of the gene entries (* and +) among OMIM search results, deduplicated."""
    return list(dict.fromkeys(s for e in entries if e.is_gene for s in e.symbols[:1]))
