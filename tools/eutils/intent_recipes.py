"""Each intent of :mod:`.intents` → fixed tool calls → a short answer and cited sentences.

No model is involved: the answer is read from typed records. Sentences cite the records they come
from as ``[gene:672]``, ``[snp:rs123]``, ``[omim:604370]`` or ``[blast:ACC]``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from pydantic import BaseModel, Field

from biomedqa.tools.eutils import recipes
from biomedqa.tools.eutils.entities import Entities
from biomedqa.tools.eutils.gene_pick import GenePick, organism_note, pick_gene
from biomedqa.tools.eutils.recipes import Run
from biomedqa.tools.eutils.records import GeneRecord, OmimRecord, SnpRecord

logger = logging.getLogger(__name__)


class IntentAnswer(BaseModel):
    """What a recipe found."""

    short: str = Field(default="", description="The short answer (symbol, chrN, list, TRUE/NA); '' if none")
    sentences: list[str] = Field(default_factory=list, description="Answer sentences with [doc_id] tags")
    cited: list[str] = Field(default_factory=list, description="doc_ids of the records cited")
    note: str = Field(default="", description="Which organism/database was searched")

    @property
    def found(self) -> bool:
        return bool(self.short)


def _gene_desc(g: GeneRecord) -> str:
    return f"{g.symbol} ({g.description}; {g.organism or 'organism not given'})"


async def _gene(run: Run, e: Entities, question: str) -> GenePick | None:
    # An unverified best match is accepted only for a question that says "gene", or for clone-style names
    # (LA16c-329F2.2, RP11-…) that NCBI Gene lists outside the symbol and alias fields.
    loose = bool(re.search(r"\bgenes?\b", question, re.I)) or any(
        re.search(r"\d", t) and re.search(r"[-.]", t) for t in e.symbols)
    return await pick_gene(run, [*e.ensembl, *e.symbols], e.entrez, e.organism, allow_unverified=loose)


def _caveat(pick: GenePick) -> list[str]:
    """A sentence saying the record is NCBI's best match only, when it does not list the name asked about."""
    if pick.verified:
        return []
    return [f"{pick.term} is not a symbol or alias of that record; it is NCBI Gene's best match for the name "
            f"[gene:{pick.record.gene_id}]."]


async def _with_summary(run: Run, g: GeneRecord) -> GeneRecord:
    """The record with its summary: a record read from efetch text has none, so its esummary is fetched."""
    if g.summary:
        return g
    items = await run.items("gene_summary", {"gene_ids": [g.gene_id]})
    full = [GeneRecord.model_validate(x) for x in items]
    return next((x for x in full if x.gene_id == g.gene_id and x.summary), g)


def _missing(what: str, e: Entities) -> IntentAnswer:
    names = ", ".join([*e.ensembl, *e.entrez, *e.symbols][:3]) or "the gene"
    return IntentAnswer(note=f"NCBI Gene has no {e.organism or 'Homo sapiens'} record matching {names} ({what}).")


async def alias_symbol(run: Run, e: Entities, question: str) -> IntentAnswer:
    pick = await _gene(run, e, question)
    if pick is None:
        return _missing("official symbol", e)
    g, tag = pick.record, f"[gene:{pick.record.gene_id}]"
    same = pick.term.upper() == g.symbol.upper()
    first = (f"{g.symbol} is already the official symbol: {_gene_desc(g)} {tag}." if same else
             f"The official gene symbol for {pick.term} is {g.symbol}: {_gene_desc(g)} {tag}.")
    return IntentAnswer(short=g.symbol, sentences=[first, *_caveat(pick)], cited=[f"gene:{g.gene_id}"],
                        note=organism_note(pick, e.organism))


async def gene_location(run: Run, e: Entities, question: str) -> IntentAnswer:
    pick = await _gene(run, e, question)
    if pick is None:
        clone = next((t for t in e.symbols if recipes.ACCESSION.fullmatch(t)), None)
        if clone:  # a clone-based name: place the clone itself
            hits = [h for h in await recipes._hits(run, clone) if h.chromosome in recipes.HUMAN_CHROMOSOMES]
            if hits:
                h = hits[0]
                return IntentAnswer(short=f"chr{h.chromosome}", cited=[f"blast:{h.accession}"],
                                    sentences=[f"The clone {clone} aligns to chromosome {h.chromosome} "
                                               f"[blast:{h.accession}]."], note="Database: BLAST nt.")
        return _missing("location", e)
    g, tag = pick.record, f"[gene:{pick.record.gene_id}]"
    chrom = g.chromosome or (re.match(r"[0-9XYM]+", g.map_location) or [""])[0]
    if not chrom:
        return _missing("location", e)
    band = f", cytoband {g.map_location}" if g.map_location else ""
    return IntentAnswer(short=f"chr{chrom}", sentences=[f"{g.symbol} is on chromosome {chrom}{band} {tag}.",
                                                      *_caveat(pick)],
                        cited=[f"gene:{g.gene_id}"], note=organism_note(pick, e.organism))


async def gene_function(run: Run, e: Entities, question: str) -> IntentAnswer:
    pick = await _gene(run, e, question)
    if pick is None:
        return _missing("function", e)
    g, tag = await _with_summary(run, pick.record), f"[gene:{pick.record.gene_id}]"
    what = g.summary or f"NCBI Gene gives no summary; its name is '{g.description}'."
    return IntentAnswer(short=f"{g.symbol}: {g.summary or g.description}", cited=[f"gene:{g.gene_id}"],
                        sentences=[f"{_gene_desc(g)}: {what.rstrip('.')} {tag}.", *_caveat(pick)],
                        note=organism_note(pick, e.organism))


async def protein_coding(run: Run, e: Entities, question: str) -> IntentAnswer:
    pick = await _gene(run, e, question)
    if pick is None:
        return _missing("gene type", e)
    g, tag = pick.record, f"[gene:{pick.record.gene_id}]"
    verdict = "is a protein-coding gene" if g.protein_coding else "is not a protein-coding gene"
    return IntentAnswer(short="TRUE" if g.protein_coding else "NA", cited=[f"gene:{g.gene_id}"],
                        sentences=[f"{g.symbol} {verdict}: NCBI Gene names it '{g.description}' {tag}.",
                                   *_caveat(pick)],
                        note=organism_note(pick, e.organism))


async def _snp(run: Run, e: Entities) -> SnpRecord | None:
    items = await run.items("snp_summary", {"rsids": e.rsids[:1]})
    return SnpRecord.model_validate(items[0]) if items else None


_SNP_NOTE = "Database: dbSNP (human variants; positions on GRCh38)."


async def snp_gene(run: Run, e: Entities, question: str) -> IntentAnswer:
    s = await _snp(run, e)
    if s is None:
        return IntentAnswer(note=f"dbSNP has no record for {e.rsids[0]}.")
    tag = f"[snp:{s.rsid}]"
    if not s.genes:
        return IntentAnswer(sentences=[f"dbSNP lists no gene for {s.rsid} (chromosome {s.chromosome}) {tag}."],
                            cited=[f"snp:{s.rsid}"], note=_SNP_NOTE)
    return IntentAnswer(short=", ".join(s.genes), cited=[f"snp:{s.rsid}"], note=_SNP_NOTE,
                        sentences=[f"{s.rsid} is in {', '.join(s.genes)} (chromosome {s.chromosome}) {tag}."])


async def snp_location(run: Run, e: Entities, question: str) -> IntentAnswer:
    s = await _snp(run, e)
    if s is None or not s.chromosome:
        return IntentAnswer(note=f"dbSNP has no placed record for {e.rsids[0]}.")
    at = f" at position {s.position}" if s.position else ""
    return IntentAnswer(short=f"chr{s.chromosome}", cited=[f"snp:{s.rsid}"], note=_SNP_NOTE,
                        sentences=[f"{s.rsid} is on chromosome {s.chromosome}{at} [snp:{s.rsid}]."])


async def snp_gene_function(run: Run, e: Entities, question: str) -> IntentAnswer:
    s = await _snp(run, e)
    if s is None or not s.genes:
        return await snp_gene(run, e, question)
    ids = [i for i in s.gene_ids if i][:1]
    items = await run.items("gene_summary", {"gene_ids": ids}) if ids else []
    g = GeneRecord.model_validate(items[0]) if items else None
    if g is None:
        pick = await pick_gene(run, s.genes[:1])
        g = await _with_summary(run, pick.record) if pick else None
    first = f"{s.rsid} is in {s.genes[0]} [snp:{s.rsid}]."
    if g is None:
        return IntentAnswer(short=s.genes[0], sentences=[first], cited=[f"snp:{s.rsid}"], note=_SNP_NOTE)
    what = g.summary or f"NCBI Gene gives no summary; its name is '{g.description}'"
    return IntentAnswer(short=f"{g.symbol}: {g.summary or g.description}", note=_SNP_NOTE,
                        cited=[f"snp:{s.rsid}", f"gene:{g.gene_id}"],
                        sentences=[first, f"{_gene_desc(g)}: {what.rstrip('.')} [gene:{g.gene_id}]."])


async def _omim_genes(run: Run, e: Entities) -> tuple[str, list[OmimRecord]]:
    for disease in e.diseases[:3]:
        entries = [OmimRecord.model_validate(o) for o in await run.items("omim_search", {"disease": disease})]
        genes = [x for x in entries if x.is_gene and x.symbols]
        if genes:
            return disease, genes
    return (e.diseases[0] if e.diseases else ""), []


_OMIM_NOTE = "Database: OMIM (human)."
_TEXT_NOTE = ("Database: NCBI Gene text search (human records), as OMIM gave no gene entry: genes whose records "
              "mention the disease, not a curated list of causal genes.")


def _no_omim(run: Run, disease: str) -> str:
    failed = any(c.tool == "omim_search" and not c.ok for c in run.calls)
    return f"OMIM could not be searched for {disease}" if failed else f"OMIM lists no gene entry for {disease}"


async def _text_genes(run: Run, e: Entities, k: int = 5) -> tuple[str, list[GeneRecord]]:
    """The first ``k`` live human records NCBI Gene's search returns for the disease name (OMIM had none)."""
    for disease in e.diseases[:3]:
        records = [GeneRecord.model_validate(g) for g in await run.items("gene_search", {"term": disease})]
        human = list({r.symbol: r for r in records if r.is_human and not r.status and r.symbol}.values())[:k]
        if human:
            return disease, human
    return (e.diseases[0] if e.diseases else ""), []


async def disease_genes(run: Run, e: Entities, question: str) -> IntentAnswer:
    disease, entries = await _omim_genes(run, e)
    if not entries:
        disease, found = await _text_genes(run, e)
        if not found:
            return IntentAnswer(note=f"Neither OMIM nor NCBI Gene has a gene for {disease or 'this disease'}.")
        names = ", ".join(g.symbol for g in found)
        return IntentAnswer(short=names, cited=[f"gene:{g.gene_id}" for g in found], note=_TEXT_NOTE, sentences=[
            f"{_no_omim(run, disease)}; NCBI Gene's search for it returns {names} "
            f"{''.join(f'[gene:{g.gene_id}]' for g in found)}."])
    best = list({x.symbols[0]: x for x in entries}.values())
    tags = "".join(f"[omim:{x.mim}]" for x in best)
    return IntentAnswer(short=", ".join(x.symbols[0] for x in best), cited=[f"omim:{x.mim}" for x in best],
                        note=_OMIM_NOTE, sentences=[
                            f"OMIM lists these genes for {disease}: {', '.join(x.symbols[0] for x in best)} {tags}."])


async def disease_gene_locations(run: Run, e: Entities, question: str) -> IntentAnswer:
    disease, entries = await _omim_genes(run, e)
    placed = list({x.symbols[0]: x for x in entries if x.locus}.values())
    if not entries:
        disease, found = await _text_genes(run, e)
        mapped = [g for g in found if g.map_location]
        if not mapped:
            return IntentAnswer(note=f"Neither OMIM nor NCBI Gene places a gene for {disease or 'this disease'}.")
        parts = ", ".join(f"{g.symbol} at {g.map_location} [gene:{g.gene_id}]" for g in mapped)
        return IntentAnswer(short=", ".join(dict.fromkeys(g.map_location for g in mapped)), note=_TEXT_NOTE,
                            cited=[f"gene:{g.gene_id}" for g in mapped],
                            sentences=[f"{_no_omim(run, disease)}; the genes NCBI Gene's search for it "
                                       f"returns lie at: {parts}."])
    if not placed:
        return IntentAnswer(note=f"OMIM has no placed gene entry for {disease or 'this disease'}.")
    parts = ", ".join(f"{x.symbols[0]} at {x.locus} [omim:{x.mim}]" for x in placed)
    return IntentAnswer(short=", ".join(dict.fromkeys(x.locus for x in placed)), note=_OMIM_NOTE,
                        cited=[f"omim:{x.mim}" for x in placed],
                        sentences=[f"The genes OMIM lists for {disease} lie at: {parts}."])


def _blast(run: Run, short: str, what: str) -> IntentAnswer:
    cited = [p.doc_id for p in run.passages() if p.doc_id.startswith("blast:")][:2]
    tags = "".join(f"[{c}]" for c in cited)
    if not short:
        return IntentAnswer(note="Database: BLAST nt; no usable hit.")
    return IntentAnswer(short=short, cited=cited, sentences=[f"{what}: {short} (BLAST, best hits) {tags}."],
                        note="Database: BLAST nt (blastn).")


async def sequence_alignment(run: Run, e: Entities, question: str) -> IntentAnswer:
    hit = recipes.placed_human_hit(await recipes._hits(run, e.sequences[0]))
    if hit is None:
        return IntentAnswer(note="Database: BLAST nt; no hit placed on a human chromosome.")
    short, tag = recipes.alignment_answer(hit), f"[blast:{hit.accession}]"
    if ":" in short:
        return IntentAnswer(short=short, cited=[f"blast:{hit.accession}"], note="Database: BLAST nt (blastn).",
                            sentences=[f"The sequence aligns to the human genome (GRCh38) at {short} {tag}."])
    where = f", bases {hit.sbjct_start}-{hit.sbjct_end} of that record" if hit.sbjct_start else ""
    return IntentAnswer(short=short, cited=[f"blast:{hit.accession}"], sentences=[
        f"The sequence aligns to human chromosome {hit.chromosome}: best placed hit {hit.accession} "
        f"({hit.title}){where} {tag}.",
        "None of the BLAST hits is a GRCh38 reference chromosome, so no GRCh38 coordinates can be given."],
        note="Database: BLAST nt (blastn).")


async def sequence_organism(run: Run, e: Entities, question: str) -> IntentAnswer:
    return _blast(run, await recipes.species(run, e.sequences[0]), "The sequence comes from")


async def sequence_gene(run: Run, e: Entities, question: str) -> IntentAnswer:
    return _blast(run, await recipes.sequence_gene(run, e.sequences[0]), "The sequence belongs to the gene")


async def sequence_gene_alias(run: Run, e: Entities, question: str) -> IntentAnswer:
    return _blast(run, await recipes.sequence_gene_alias(run, e.sequences[0]), "The gene's symbol and aliases")


Recipe = Callable[[Run, Entities, str], Awaitable[IntentAnswer]]
INTENT_RECIPES: dict[str, Recipe] = {
    "alias_symbol": alias_symbol, "gene_location": gene_location, "gene_function": gene_function,
    "protein_coding": protein_coding, "snp_gene": snp_gene, "snp_location": snp_location,
    "snp_gene_function": snp_gene_function, "disease_genes": disease_genes,
    "disease_gene_locations": disease_gene_locations, "sequence_alignment": sequence_alignment,
    "sequence_organism": sequence_organism, "sequence_gene": sequence_gene, "sequence_gene_alias": sequence_gene_alias,
}
