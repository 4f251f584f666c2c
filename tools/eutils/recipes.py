"""Deterministic tool chains for recognised question shapes; each returns the answer string.

The answer is read mechanically from typed records (symbols, chromosomes, loci); a model is not
needed for these and would only add latency and errors.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from biomedqa.tools.eutils.blast import BlastHit
from biomedqa.tools.eutils.records import GeneRecord, OmimRecord, SnpRecord
from biomedqa.types import Passage, ToolCall

logger = logging.getLogger(__name__)
COMMON_NAMES = {"Caenorhabditis elegans": "worm", "Homo sapiens": "human", "Danio rerio": "zebrafish",
                "Mus musculus": "mouse", "Saccharomyces cerevisiae": "yeast", "Rattus norvegicus": "rat",
                "Gallus gallus": "chicken"}
ACCESSION = re.compile(r"[A-Z]{1,2}\d{5,6}\.\d+")
HUMAN_CHROMOSOMES = {str(i) for i in range(1, 23)} | {"X", "Y", "MT"}


class Toolbox(Protocol):
    """What a chain needs: run a named tool, and read evidence from a call (``EutilsToolbox``)."""

    async def call(self, name: str, args: dict[str, Any]) -> ToolCall: ...

    def passages(self, call: ToolCall) -> list[Passage]: ...


class Run:
    """The calls made while answering one question, and their evidence."""

    def __init__(self, toolbox: Toolbox) -> None:
        self.toolbox = toolbox
        self.calls: list[ToolCall] = []

    async def call(self, tool: str, args: dict[str, Any]) -> ToolCall:
        call = await self.toolbox.call(tool, args)
        self.calls.append(call)
        return call

    async def items(self, tool: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        call = await self.call(tool, args)
        return list((call.result or {}).get("items", [])) if call.ok else []

    def passages(self) -> list[Passage]:
        seen: dict[str, Passage] = {}
        for c in self.calls:
            for p in self.toolbox.passages(c):
                seen.setdefault(p.doc_id, p)
        return list(seen.values())


async def _genes(run: Run, term: str) -> list[GeneRecord]:
    return [GeneRecord.model_validate(g) for g in await run.items("gene_search", {"term": term})]


async def _gene(run: Run, term: str) -> GeneRecord | None:
    call = await run.call("gene_search", {"term": term})
    res = call.result or {}
    best = [g for g in res.get("items", []) if g["gene_id"] == res.get("best")] if call.ok else []
    return GeneRecord.model_validate(best[0]) if best else None


async def _snp(run: Run, rsid: str) -> SnpRecord | None:
    items = await run.items("snp_summary", {"rsids": [rsid]})
    return SnpRecord.model_validate(items[0]) if items else None


async def _omim(run: Run, disease: str) -> list[OmimRecord]:
    return [OmimRecord.model_validate(o) for o in await run.items("omim_search", {"disease": disease})]


async def _hits(run: Run, seq: str) -> list[BlastHit]:
    return [BlastHit.model_validate(h) for h in await run.items("blast_sequence", {"sequence": seq, "k": 10})]


async def gene_alias(run: Run, term: str) -> str:
    g = await _gene(run, term)
    return g.symbol if g else ""


async def name_conversion(run: Run, term: str) -> str:
    records = await _genes(run, term)
    human = [r for r in records if r.is_human and not r.status] or records
    return human[0].symbol if human else ""


async def gene_location(run: Run, term: str) -> str:
    g = await _gene(run, term)
    if g is None and ACCESSION.fullmatch(term):  # a clone-based name: place the clone itself
        placed = [h.chromosome for h in await _hits(run, term) if h.chromosome in HUMAN_CHROMOSOMES]
        return f"chr{placed[0]}" if placed else ""
    if g is None:
        return ""
    chrom = g.chromosome or (re.match(r"[0-9XYM]+", g.map_location) or [""])[0]
    return f"chr{chrom}" if chrom else ""


async def protein_coding(run: Run, term: str) -> str:
    g = await _gene(run, term)
    if g is None:
        return ""
    return "TRUE" if g.protein_coding else "NA"


async def snp_genes(run: Run, rsid: str) -> str:
    s = await _snp(run, rsid)
    return ", ".join(s.genes) if s else ""


async def snp_location(run: Run, rsid: str) -> str:
    s = await _snp(run, rsid)
    return f"chr{s.chromosome}" if s and s.chromosome else ""


async def disease_genes(run: Run, disease: str) -> str:
    entries = await _omim(run, disease)
    return ", ".join(dict.fromkeys(e.symbols[0] for e in entries if e.is_gene and e.symbols))


async def disease_gene_locations(run: Run, disease: str) -> str:
    entries = await _omim(run, disease)
    return ", ".join(dict.fromkeys(e.locus for e in entries if e.is_gene and e.locus))


def _top(hits: list[BlastHit], slack: float = 0.02) -> list[BlastHit]:
    """Hits scoring within ``slack`` of the best bit score (equally good alignments)."""
    best = max((h.bits or 0.0 for h in hits), default=0.0)
    return [h for h in hits if (h.bits or 0.0) >= best * (1 - slack)] or hits


# NCBI's title of a GRCh38 reference chromosome ("Homo sapiens chromosome 15, GRCh38.p14 Primary Assembly"):
# only on such a record are a hit's subject positions GRCh38 chromosome coordinates.
GRCH38_CHROMOSOME = re.compile(r"\bchromosome (?:[0-9]{1,2}|X|Y|MT), GRCh38(?:\.p\d+)? Primary Assembly\b")


def placed_human_hit(hits: list[BlastHit]) -> BlastHit | None:
    """The best hit placed on a human chromosome (Homo sapiens first, then a synthetic construct), one with
    subject positions first."""
    placed = [h for h in hits if h.chromosome and h.chromosome in HUMAN_CHROMOSOMES]
    human = [h for h in placed if h.organism == "Homo sapiens"] or \
            [h for h in placed if h.organism == "synthetic construct"]
    return next((x for x in human if x.sbjct_start), human[0] if human else None)


def on_grch38(hit: BlastHit) -> bool:
    """The hit is a GRCh38 reference chromosome, so its subject positions are chromosome coordinates."""
    return bool(GRCH38_CHROMOSOME.search(hit.title))


def alignment_answer(hit: BlastHit) -> str:
    """``chrN:start-end`` on a GRCh38 chromosome record; else ``chrN`` alone: positions on a clone, a
    RefSeqGene or another assembly (CHM13, HG002) are no GRCh38 coordinates."""
    if hit.sbjct_start and on_grch38(hit):
        lo, hi = sorted((hit.sbjct_start, hit.sbjct_end or hit.sbjct_start))
        return f"chr{hit.chromosome}:{lo}-{hi}"
    return f"chr{hit.chromosome}"


async def human_alignment(run: Run, seq: str) -> str:
    hit = placed_human_hit(await _hits(run, seq))
    return alignment_answer(hit) if hit else ""


async def species(run: Run, seq: str) -> str:
    hits = [h for h in await _hits(run, seq) if h.organism != "synthetic construct"]
    if not hits:
        return ""
    known = [h for h in _top(hits) if h.organism in COMMON_NAMES]
    name = (known or hits)[0].organism
    return COMMON_NAMES.get(name, name)


def _hit_gene(hits: list[BlastHit]) -> str | None:
    """The gene symbol named in the best hits' titles, e.g. '... (SLCO3A1) gene'; LOC ids last."""
    found = [m for h in hits for m in re.findall(r"\(([A-Z][A-Z0-9\-]{1,15})\)", h.title)]
    named = [f for f in found if not re.fullmatch(r"LOC\d+", f)]
    best: str | None = (named or found or [None])[0]
    return best


async def sequence_gene(run: Run, seq: str) -> str:
    return _hit_gene(await _hits(run, seq)) or ""


async def sequence_gene_alias(run: Run, seq: str) -> str:
    symbol = _hit_gene(await _hits(run, seq))
    g = await _gene(run, symbol) if symbol else None
    return ", ".join([g.symbol, *g.aliases]) if g else ""


async def snp_gene_function(run: Run, rsid: str) -> str:
    s = await _snp(run, rsid)
    if not s or not s.genes:
        return ""
    g = await _gene(run, s.genes[0])
    return f"{g.symbol}: {g.summary or g.description}" if g else s.genes[0]


RECIPES: dict[str, Callable[[Run, str], Awaitable[str]]] = {
    "Gene alias": gene_alias, "Gene name conversion": name_conversion, "Gene location": gene_location,
    "Protein-coding genes": protein_coding, "Gene SNP association": snp_genes, "SNP location": snp_location,
    "Gene disease association": disease_genes, "Disease gene location": disease_gene_locations,
    "Human genome DNA aligment": human_alignment, "Multi-species DNA aligment": species,
    "sequence gene": sequence_gene, "sequence gene alias": sequence_gene_alias, "SNP gene function": snp_gene_function,
}
