"""The typed tools an agent can call: JSON-schema signatures, uniform ToolCall results, passages."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from pydantic import BaseModel, Field, ValidationError

from biomedqa.errors import BiomedQAError
from biomedqa.tools import genes, pubmed
from biomedqa.tools.eutils.blast import BlastClient, BlastHit
from biomedqa.tools.eutils.client import EutilsClient
from biomedqa.tools.eutils.records import GeneRecord, OmimRecord, SnpRecord
from biomedqa.tools.eutils.replay import ReplayTransport
from biomedqa.types import Passage, ToolCall

logger = logging.getLogger(__name__)


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


TOOLS: dict[str, tuple[type[BaseModel], str]] = {
    "pubmed_search": (PubmedSearchArgs, "Search PubMed and return the top abstracts (with PMIDs)."),
    "pubmed_fetch": (PubmedFetchArgs, "Fetch PubMed abstracts by PMID."),
    "gene_search": (GeneSearchArgs, ("Find genes by symbol/alias/name/Ensembl id: official symbol, aliases, "
                                     "organism, chromosome, cytogenetic location, description, summary.")),
    "gene_summary": (GeneSummaryArgs, "Gene records for NCBI Gene ids."),
    "snp_summary": (SnpSummaryArgs, "dbSNP records: chromosome, position, associated genes, variant class."),
    "omim_search": (OmimSearchArgs, "Search OMIM for a disease: entries, causal gene symbols, cytogenetic loci."),
    "omim_summary": (OmimSummaryArgs, "OMIM entries by MIM number: title, gene symbols, locus."),
    "elink": (ElinkArgs, "Linked ids between NCBI databases (gene→omim, gene→pubmed, ...)."),
    "blast_sequence": (BlastArgs, "BLAST a sequence against NCBI: best hits with organism, chromosome, coordinates."),
}


class EutilsToolbox:
    """NCBI tools for the agent. Build with :func:`biomedqa.tools.eutils.build_eutils`."""

    def __init__(self, client: EutilsClient, blast: BlastClient, transport: httpx.AsyncBaseTransport | None = None):
        self.client = client
        self.blast = blast
        self.transport = transport
        self._impl: dict[str, Callable[[Any], Awaitable[dict[str, Any]]]] = {
            "pubmed_search": self._pubmed_search, "pubmed_fetch": self._pubmed_fetch,
            "gene_search": self._gene_search, "gene_summary": self._gene_summary,
            "snp_summary": self._snp_summary, "omim_search": self._omim_search,
            "omim_summary": self._omim_summary, "elink": self._elink, "blast_sequence": self._blast,
        }

    @property
    def replay(self) -> ReplayTransport | None:
        return self.transport if isinstance(self.transport, ReplayTransport) else None

    def specs(self) -> list[dict[str, Any]]:
        """Tool signatures: ``{"name", "description", "parameters": JSON schema}``."""
        return [{"name": n, "description": d, "parameters": m.model_json_schema()} for n, (m, d) in TOOLS.items()]

    async def call(self, name: str, args: dict[str, Any]) -> ToolCall:
        """Run one tool. Tool-level failures come back as ``ok=False`` with ``error``, never raised."""
        t0 = time.perf_counter()
        before = len(self.client.requests)

        def done(**kw: Any) -> ToolCall:
            return ToolCall(tool=name, args=args, seconds=time.perf_counter() - t0,
                            requests=self.client.requests[before:], **kw)

        if name not in TOOLS:
            return done(ok=False, error=f"unknown tool {name!r}; choose one of {', '.join(TOOLS)}")
        try:
            parsed = TOOLS[name][0].model_validate(args)
            result = await self._impl[name](parsed)
        except ValidationError as e:
            err = e.errors()[0]
            return done(ok=False, error=f"bad arguments for {name}: {'.'.join(map(str, err['loc']))}: {err['msg']}")
        except BiomedQAError as e:
            logger.info("tool %s failed: %s", name, e.message)
            return done(ok=False, error=str(e))
        return done(ok=True, result=result)

    # -- implementations ------------------------------------------------------------
    async def _pubmed_search(self, a: PubmedSearchArgs) -> dict[str, Any]:
        items = await pubmed.search_pubmed(self.client, a.query, a.k)
        return {"kind": "pubmed", "items": [p.model_dump(mode="json") for p in items]}

    async def _pubmed_fetch(self, a: PubmedFetchArgs) -> dict[str, Any]:
        items = await pubmed.fetch_pubmed(self.client, a.pmids)
        return {"kind": "pubmed", "items": [p.model_dump(mode="json") for p in items]}

    async def _gene_search(self, a: GeneSearchArgs) -> dict[str, Any]:
        best, items = await genes.find_gene(self.client, a.term, retmax=a.k)
        return {"kind": "gene", "items": [g.model_dump(mode="json") for g in items],
                "best": best.gene_id if best else None}

    async def _gene_summary(self, a: GeneSummaryArgs) -> dict[str, Any]:
        items = await genes.gene_summaries(self.client, a.gene_ids)
        return {"kind": "gene", "items": [g.model_dump(mode="json") for g in items]}

    async def _snp_summary(self, a: SnpSummaryArgs) -> dict[str, Any]:
        items = await genes.snp_summaries(self.client, a.rsids)
        return {"kind": "snp", "items": [s.model_dump(mode="json") for s in items]}

    async def _omim_search(self, a: OmimSearchArgs) -> dict[str, Any]:
        items = await genes.search_omim(self.client, a.disease, retmax=a.k)
        return {"kind": "omim", "items": [o.model_dump(mode="json") for o in items],
                "genes": genes.disease_genes(items)}

    async def _omim_summary(self, a: OmimSummaryArgs) -> dict[str, Any]:
        items = await genes.omim_summaries(self.client, a.mim_ids)
        return {"kind": "omim", "items": [o.model_dump(mode="json") for o in items],
                "genes": genes.disease_genes(items)}

    async def _elink(self, a: ElinkArgs) -> dict[str, Any]:
        links = await self.client.elink(a.dbfrom, a.db, a.ids, linkname=a.linkname)
        return {"kind": "elink", "dbfrom": a.dbfrom, "db": a.db, "links": links}

    async def _blast(self, a: BlastArgs) -> dict[str, Any]:
        seq = "".join(a.sequence.split())
        seq = seq if re.fullmatch(r"[A-Z]{1,2}_?\d+\.\d+", seq) else seq.upper()
        hits = await self.blast.search(seq, program=a.program, database=a.database, limit=a.k)
        return {"kind": "blast", "items": [h.model_dump(mode="json") for h in hits]}

    # -- evidence ---------------------------------------------------------------------
    def passages(self, call: ToolCall) -> list[Passage]:
        """Citable evidence from a successful call (PubMed abstracts; gene/SNP/OMIM/BLAST records)."""
        return passages_of(call)

    async def pubmed_passages(self, query: str, k: int) -> list[Passage]:
        """PubMed search + fetch for ``ask`` (live or replayed); failures raise NCBIError."""
        return await pubmed.search_pubmed(self.client, query, k)

    async def aclose(self) -> None:
        await self.client.http.aclose()

    def close(self) -> None:
        """Close the HTTP client from sync code (scheduled when a loop is running)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self.aclose())
        else:
            loop.create_task(self.aclose())


def passages_of(call: ToolCall) -> list[Passage]:
    """Passages from a ToolCall's JSON result."""
    if not call.ok or not isinstance(call.result, dict):
        return []
    kind, items = call.result.get("kind"), call.result.get("items", [])
    if kind == "pubmed":
        return [Passage.model_validate(p) for p in items]
    records: dict[str, type[GeneRecord] | type[SnpRecord] | type[OmimRecord]] = {
        "gene": GeneRecord,
        "snp": SnpRecord,
        "omim": OmimRecord,
    }
    model = records.get(str(kind))
    if model is not None:
        return [model.model_validate(x).passage() for x in items]
    if kind == "blast":
        hits = [BlastHit.model_validate(h) for h in items]
        return [Passage(doc_id=f"blast:{h.accession}", title=h.title, source="eutils", meta={"db": "blast"},
                        text=f"BLAST hit {h.accession}: {h.title}; identity {h.identity}%; e-value {h.evalue}; "
                             f"subject {h.sbjct_start}-{h.sbjct_end}.") for h in hits]
    if kind == "elink":
        links = call.result.get("links", {})
        text = "; ".join(f"{k}: {', '.join(v[:20])}" for k, v in links.items()) or "no links"
        return [Passage(doc_id=f"elink:{call.result.get('dbfrom')}-{call.result.get('db')}", text=text,
                        source="eutils", meta={"db": "elink"})]
    return []
