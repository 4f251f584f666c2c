"""The E-utilities tools, one class each: name, description, argument model and implementation.

:data:`REGISTRY` is built from these classes; the toolbox dispatches through it, and the prompt
and step schema of the step-choosing model (:mod:`~biomedqa.tools.eutils.chains`) derive from it.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from biomedqa.tools.eutils import genes, pubmed
from biomedqa.tools.eutils.blast import BlastClient
from biomedqa.tools.eutils.client import EutilsClient
from biomedqa.tools.eutils.results import (
    BlastResult,
    ElinkResult,
    EutilsResult,
    GeneResult,
    OmimResult,
    PubmedResult,
    SnpResult,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NcbiClients:
    """What a tool runs against: the E-utilities client and the BLAST client on top of it."""

    eutils: EutilsClient
    blast: BlastClient


class PubmedSearchArgs(BaseModel):
    query: str = Field(description="PubMed query, e.g. 'metformin HbA1c type 2 diabetes'")
    k: int = Field(default=5, ge=1, le=50, description="Number of abstracts to fetch")


class PubmedFetchArgs(BaseModel):
    pmids: list[str] = Field(description="PubMed ids", min_length=1, max_length=200)


class GeneSearchArgs(BaseModel):
    term: str = Field(description="Gene symbol, alias, full name or Ensembl id, e.g. 'LMP10'")
    k: int = Field(default=5, ge=1, le=20)


class GeneSummaryArgs(BaseModel):
    gene_ids: list[str] = Field(description="NCBI Gene ids, e.g. ['5699']", min_length=1, max_length=100)


class SnpSummaryArgs(BaseModel):
    rsids: list[str] = Field(description="dbSNP ids, e.g. ['rs1217074595']", min_length=1, max_length=50)


class OmimSearchArgs(BaseModel):
    disease: str = Field(description="Disease or phenotype name, e.g. 'Distal renal tubular acidosis'")
    k: int = Field(default=20, ge=1, le=50)


class OmimSummaryArgs(BaseModel):
    mim_ids: list[str] = Field(description="OMIM numbers, e.g. ['219700']", min_length=1, max_length=50)


class ElinkArgs(BaseModel):
    dbfrom: str = Field(description="Source database, e.g. 'gene'")
    db: str = Field(description="Target database, e.g. 'omim' or 'pubmed'")
    ids: list[str] = Field(min_length=1, max_length=200)
    linkname: str | None = Field(default=None, description="Optional link name, e.g. 'gene_pubmed'")


class BlastArgs(BaseModel):
    sequence: str = Field(description="DNA or protein sequence, or a nucleotide accession (e.g. AC018712.2)",
                          min_length=6)
    program: str = Field(default="blastn", pattern="^(blastn|blastp|blastx|tblastn|tblastx)$")
    database: str = Field(default="nt")
    k: int = Field(default=5, ge=1, le=50)


class EutilsTool(ABC):
    """One tool. ``step`` is its signature for the step-choosing model; None keeps it off that menu."""

    name: ClassVar[str]
    description: ClassVar[str]
    args_model: ClassVar[type[BaseModel]]
    step: ClassVar[str | None] = None

    def spec(self) -> dict[str, Any]:
        """``{"name", "description", "parameters": JSON schema}``."""
        return {"name": self.name, "description": self.description, "parameters": self.args_model.model_json_schema()}

    def step_args(self, argument: str) -> dict[str, Any]:
        """Arguments from the single string the step-choosing model gives (tools with a ``step``)."""
        raise NotImplementedError(f"{self.name} is not offered to the step-choosing model")

    def budget(self, ncbi: NcbiClients) -> float:
        """Seconds one call may take in all (``ncbi.call_deadline``)."""
        return ncbi.eutils.settings.call_deadline

    @abstractmethod
    async def run(self, ncbi: NcbiClients, args: Any) -> EutilsResult:
        """Run with validated arguments (an instance of ``args_model``); NCBI failures raise."""


class PubmedSearch(EutilsTool):
    name = "pubmed_search"
    description = "Search PubMed and return the top abstracts (with PMIDs)."
    args_model = PubmedSearchArgs
    step = "pubmed_search(query) -> abstracts"

    def step_args(self, argument: str) -> dict[str, Any]:
        return {"query": argument, "k": 3}

    async def run(self, ncbi: NcbiClients, args: PubmedSearchArgs) -> PubmedResult:
        return PubmedResult(items=await pubmed.search_pubmed(ncbi.eutils, args.query, args.k))


class PubmedFetch(EutilsTool):
    name = "pubmed_fetch"
    description = "Fetch PubMed abstracts by PMID."
    args_model = PubmedFetchArgs

    async def run(self, ncbi: NcbiClients, args: PubmedFetchArgs) -> PubmedResult:
        return PubmedResult(items=await pubmed.fetch_pubmed(ncbi.eutils, args.pmids))


class GeneSearch(EutilsTool):
    name = "gene_search"
    description = ("Find genes by symbol/alias/name/Ensembl id: official symbol, aliases, "
                   "organism, chromosome, cytogenetic location, description, summary.")
    args_model = GeneSearchArgs
    step = "gene_search(symbol, alias, name or Ensembl id) -> symbol, aliases, chromosome, location, summary"

    def step_args(self, argument: str) -> dict[str, Any]:
        return {"term": argument}

    async def run(self, ncbi: NcbiClients, args: GeneSearchArgs) -> GeneResult:
        best, items = await genes.find_gene(ncbi.eutils, args.term, retmax=args.k)
        return GeneResult(items=items, best=best.gene_id if best else None)


class GeneSummary(EutilsTool):
    name = "gene_summary"
    description = "Gene records for NCBI Gene ids."
    args_model = GeneSummaryArgs

    async def run(self, ncbi: NcbiClients, args: GeneSummaryArgs) -> GeneResult:
        return GeneResult(items=await genes.gene_summaries(ncbi.eutils, args.gene_ids))


class SnpSummary(EutilsTool):
    name = "snp_summary"
    description = "dbSNP records: chromosome, position, associated genes, variant class."
    args_model = SnpSummaryArgs
    step = "snp_summary(rs id) -> chromosome, position, genes"

    def step_args(self, argument: str) -> dict[str, Any]:
        return {"rsids": [argument]}

    async def run(self, ncbi: NcbiClients, args: SnpSummaryArgs) -> SnpResult:
        return SnpResult(items=await genes.snp_summaries(ncbi.eutils, args.rsids))


class OmimSearch(EutilsTool):
    name = "omim_search"
    description = "Search OMIM for a disease: entries, causal gene symbols, cytogenetic loci."
    args_model = OmimSearchArgs
    step = "omim_search(disease) -> causal genes and loci"

    def step_args(self, argument: str) -> dict[str, Any]:
        return {"disease": argument}

    async def run(self, ncbi: NcbiClients, args: OmimSearchArgs) -> OmimResult:
        items = await genes.search_omim(ncbi.eutils, args.disease, retmax=args.k)
        return OmimResult(items=items, genes=genes.disease_genes(items))


class OmimSummary(EutilsTool):
    name = "omim_summary"
    description = "OMIM entries by MIM number: title, gene symbols, locus."
    args_model = OmimSummaryArgs

    async def run(self, ncbi: NcbiClients, args: OmimSummaryArgs) -> OmimResult:
        items = await genes.omim_summaries(ncbi.eutils, args.mim_ids)
        return OmimResult(items=items, genes=genes.disease_genes(items))


class Elink(EutilsTool):
    name = "elink"
    description = "Linked ids between NCBI databases (gene→omim, gene→pubmed, ...)."
    args_model = ElinkArgs

    async def run(self, ncbi: NcbiClients, args: ElinkArgs) -> ElinkResult:
        links = await ncbi.eutils.elink(args.dbfrom, args.db, args.ids, linkname=args.linkname)
        return ElinkResult(dbfrom=args.dbfrom, db=args.db, links=links)


class BlastSequence(EutilsTool):
    name = "blast_sequence"
    description = "BLAST a sequence against NCBI: best hits with organism, chromosome, coordinates."
    args_model = BlastArgs
    step = "blast_sequence(DNA sequence) -> best hits (organism, chromosome, gene)"

    def step_args(self, argument: str) -> dict[str, Any]:
        return {"sequence": argument}

    def budget(self, ncbi: NcbiClients) -> float:
        """The call deadline plus the longest polling BLAST's timing allows (NCBI asks for minutes)."""
        return ncbi.eutils.settings.call_deadline + ncbi.blast.timing.max_wait

    async def run(self, ncbi: NcbiClients, args: BlastArgs) -> BlastResult:
        seq = "".join(args.sequence.split())
        seq = seq if re.fullmatch(r"[A-Z]{1,2}_?\d+\.\d+", seq) else seq.upper()
        return BlastResult(items=await ncbi.blast.search(seq, program=args.program, database=args.database,
                                                         limit=args.k))


# Order is the step-choosing model's menu order (gene, SNP, disease, sequence, literature).
REGISTRY: dict[str, EutilsTool] = {t.name: t for t in (
    GeneSearch(), GeneSummary(), SnpSummary(), OmimSearch(), OmimSummary(), Elink(), BlastSequence(),
    PubmedSearch(), PubmedFetch(),
)}
