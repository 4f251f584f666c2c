"""Typed results of the E-utilities tools: one model per kind, each turning itself into citable
passages and into the by-reference lines (identifiers only) the step-choosing model reads.

A ``ToolCall.result`` holds the JSON dump of one of these; :func:`result_of` reads it back once.
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from biomedqa.tools.eutils.blast import BlastHit
from biomedqa.tools.eutils.records import GeneRecord, OmimRecord, SnpRecord
from biomedqa.tools.eutils.refs import RefBook, binomial, hit_symbols, tok, toks
from biomedqa.types import Passage, ToolCall

logger = logging.getLogger(__name__)


class PubmedResult(BaseModel):
    """PubMed abstracts."""

    kind: Literal["pubmed"] = "pubmed"
    items: list[Passage] = Field(default_factory=list)

    def passages(self) -> list[Passage]:
        return list(self.items)

    def refs(self) -> list[tuple[str, str]]:
        return [(str(it.pmid), f"pubmed PMID {tok(it.pmid)}") for it in self.items]


class GeneResult(BaseModel):
    """NCBI Gene records; ``best`` is the id a search picked as the gene the term names."""

    kind: Literal["gene"] = "gene"
    items: list[GeneRecord] = Field(default_factory=list)
    best: str | None = Field(default=None, description="Gene id of the best match (gene_search only)")

    def passages(self) -> list[Passage]:
        return [g.passage() for g in self.items]

    def refs(self) -> list[tuple[str, str]]:
        return [(tok(it.symbol) if tok(it.symbol) != "?" else it.gene_id,
                 f"gene {tok(it.symbol)} id {tok(it.gene_id)} ({binomial(it.organism)}; chr {tok(it.chromosome)}; "
                 f"{tok(it.map_location)}; aliases {toks(it.aliases)})") for it in self.items]


class SnpResult(BaseModel):
    """dbSNP records."""

    kind: Literal["snp"] = "snp"
    items: list[SnpRecord] = Field(default_factory=list)

    def passages(self) -> list[Passage]:
        return [s.passage() for s in self.items]

    def refs(self) -> list[tuple[str, str]]:
        return [(it.rsid, f"snp {tok(it.rsid)} chr {tok(it.chromosome)}:{it.position or '?'}; genes {toks(it.genes)}")
                for it in self.items]


class OmimResult(BaseModel):
    """OMIM entries and the causal gene symbols among them."""

    kind: Literal["omim"] = "omim"
    items: list[OmimRecord] = Field(default_factory=list)
    genes: list[str] = Field(default_factory=list, description="Symbols of the gene entries, deduplicated")

    def passages(self) -> list[Passage]:
        return [o.passage() for o in self.items]

    def refs(self) -> list[tuple[str, str]]:
        return [(tok(it.symbols[0]) if it.symbols and tok(it.symbols[0]) != "?" else it.mim,
                 f"omim {tok(it.mim)} {tok(it.kind)}; genes {toks(it.symbols)}; locus {tok(it.locus)}")
                for it in self.items]


class ElinkResult(BaseModel):
    """Ids linked from one NCBI database to another."""

    kind: Literal["elink"] = "elink"
    dbfrom: str
    db: str
    links: dict[str, list[str]] = Field(default_factory=dict)

    def passages(self) -> list[Passage]:
        text = "; ".join(f"{k}: {', '.join(v[:20])}" for k, v in self.links.items()) or "no links"
        return [Passage(doc_id=f"elink:{self.dbfrom}-{self.db}", text=text, source="eutils", kind="tool",
                        meta={"db": "elink"})]

    def refs(self) -> list[tuple[str, str]]:
        return [(ids[0], f"elink {tok(name)}: {toks(ids, 10)}") for name, ids in self.links.items() if ids]


class BlastResult(BaseModel):
    """BLAST hits, best first."""

    kind: Literal["blast"] = "blast"
    items: list[BlastHit] = Field(default_factory=list)

    def passages(self) -> list[Passage]:
        return [Passage(doc_id=f"blast:{h.accession}", title=h.title, source="eutils", kind="tool",
                        meta={"db": "blast"},
                        text=f"BLAST hit {h.accession}: {h.title}; identity {h.identity}%; e-value {h.evalue}; "
                             f"subject {h.sbjct_start}-{h.sbjct_end}.") for h in self.items]

    def refs(self) -> list[tuple[str, str]]:
        return [(it.accession, f"blast hit {tok(it.accession)} ({binomial(it.organism)}; chr {tok(it.chromosome)}; "
                 f"{it.sbjct_start or '?'}-{it.sbjct_end or '?'}; gene {toks(hit_symbols(it.title), 1)})")
                for it in self.items]


EutilsResult = Annotated[
    PubmedResult | GeneResult | SnpResult | OmimResult | ElinkResult | BlastResult, Field(discriminator="kind")
]
_ADAPTER: TypeAdapter[EutilsResult] = TypeAdapter(EutilsResult)


def result_of(call: ToolCall) -> EutilsResult | None:
    """The typed result of a successful E-utilities call; None for failures and other tools."""
    if not call.ok or not isinstance(call.result, dict):
        return None
    try:
        return _ADAPTER.validate_python(call.result)
    except ValidationError:
        return None


def passages_of(call: ToolCall) -> list[Passage]:
    """Citable evidence from a call: PubMed abstracts; gene/SNP/OMIM/BLAST/elink records."""
    result = result_of(call)
    return result.passages() if result is not None else []


def summarize(call: ToolCall, book: RefBook, limit: int = 6) -> str:
    """Numbered reference lines for the step-choosing model: identifiers only, never record text.

    A failure is named, not quoted: NCBI's error text is server data too.
    """
    if not call.ok:
        return f"{call.tool}: failed"
    result = result_of(call)
    refs = result.refs()[:limit] if result is not None else []
    return f"{call.tool}:\n" + ("\n".join(book.add(key, line) for key, line in refs) or "no results")
