"""Typed gene, SNP and OMIM records built from E-utilities summaries, and their evidence passages."""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import BaseModel, Field

from biomedqa.types import Passage

logger = logging.getLogger(__name__)
NON_CODING = re.compile(
    r"pseudogene|non-protein coding|microRNA|\bRNA\b|antisense|divergent transcript|uncharacterized|"
    r"small nucleolar|small nuclear|host gene|readthrough|\bsegment\b|intronic transcript|overlapping transcript",
    re.IGNORECASE)


class GeneRecord(BaseModel):
    """One NCBI Gene record."""

    gene_id: str
    symbol: str
    description: str = ""
    organism: str = ""
    taxid: int | None = None
    chromosome: str = ""
    map_location: str = ""
    aliases: list[str] = Field(default_factory=list)
    summary: str = ""
    start: int | None = None
    stop: int | None = None
    status: str = Field(default="", description="'' when live; 'discontinued' / 'replaced' otherwise")
    replaced_by: str | None = None
    mim: list[str] = Field(default_factory=list)
    partial: bool = Field(default=False, description="Salvaged from a truncated response")

    @property
    def is_human(self) -> bool:
        return self.taxid == 9606 or self.organism.lower() == "homo sapiens"

    @property
    def protein_coding(self) -> bool:
        """Heuristic from the description: pseudogenes, ncRNAs and uncharacterized loci are not coding."""
        return bool(self.description) and not NON_CODING.search(self.description)

    def passage(self) -> Passage:
        text = (f"{self.symbol} ({self.description}); organism {self.organism}; chromosome {self.chromosome}; "
                f"location {self.map_location}; aliases: {', '.join(self.aliases) or 'none'}. {self.summary}")
        return Passage(doc_id=f"gene:{self.gene_id}", title=f"{self.symbol}: {self.description}",
                       text=text.strip(), source="eutils", kind="tool", meta={"db": "gene"})


class SnpRecord(BaseModel):
    """One dbSNP record."""

    rsid: str
    chromosome: str = ""
    position: int | None = None
    genes: list[str] = Field(default_factory=list)
    gene_ids: list[str] = Field(default_factory=list, description="NCBI Gene ids of ``genes``, same order")
    function_class: str = ""
    clinical_significance: str = ""

    def passage(self) -> Passage:
        text = (f"{self.rsid} on chromosome {self.chromosome}"
                f"{f' at {self.position}' if self.position else ''}; genes: {', '.join(self.genes) or 'none'}; "
                f"class: {self.function_class or 'n/a'}; clinical significance: {self.clinical_significance or 'n/a'}.")
        return Passage(doc_id=f"snp:{self.rsid}", title=self.rsid, text=text, source="eutils", kind="tool",
                       meta={"db": "snp"})


class OmimRecord(BaseModel):
    """One OMIM entry. ``kind`` from the prefix: gene (*), gene+phenotype (+), phenotype (#), other."""

    mim: str
    kind: str
    title: str
    symbols: list[str] = Field(default_factory=list, description="Gene symbols named in the title")
    locus: str = ""

    @property
    def is_gene(self) -> bool:
        return self.kind in ("gene", "gene+phenotype")

    def passage(self) -> Passage:
        text = f"OMIM {self.mim} ({self.kind}): {self.title}; locus {self.locus or 'unknown'}."
        return Passage(doc_id=f"omim:{self.mim}", title=self.title, text=text, source="eutils", kind="tool",
                       meta={"db": "omim"})


def gene_from_summary(uid: str, d: dict[str, Any]) -> GeneRecord:
    """A GeneRecord from an esummary gene JSON document (possibly salvaged)."""
    org = d.get("organism") or {}
    info = d.get("genomicinfo") or []
    first = info[0] if info and isinstance(info[0], dict) else {}
    status = str(d.get("status", "") or "")
    current = str(d.get("currentid", "") or "")
    aliases = [a.strip() for a in str(d.get("otheraliases", "") or "").split(",") if a.strip()]
    return GeneRecord(
        gene_id=str(d.get("uid", uid)), symbol=str(d.get("name", "") or ""),
        description=str(d.get("description", "") or ""), organism=str(org.get("scientificname", "") or ""),
        taxid=org.get("taxid"), chromosome=str(d.get("chromosome", "") or ""),
        map_location=str(d.get("maplocation", "") or ""), aliases=aliases, summary=str(d.get("summary", "") or ""),
        start=first.get("chrstart"), stop=first.get("chrstop"),
        status={"1": "replaced", "2": "discontinued"}.get(status, status if status not in ("0", "") else ""),
        replaced_by=current if current not in ("", "0") else None,
        mim=[str(m) for m in d.get("mim", []) or []], partial=bool(d.get("_salvaged")))


def genes_from_efetch_text(text: str) -> list[GeneRecord]:
    """GeneRecords from efetch gene text (``retmode=text``, the numbered list format)."""
    out = []
    for block in re.split(r"\n(?=\d+\. )", "\n" + text.strip()):
        gid = re.search(r"^ID: (\d+)", block, re.MULTILINE)
        if not gid:
            continue
        sym = re.search(r"Official Symbol: (\S+) and Name: (.*?) \[(.*?)(?: \(.*\))?\]", block)
        head = re.match(r"\s*\d+\. (\S+)\n(.*?) \[(.*?)(?: \(.*\))?\]", block)
        aliases = re.search(r"Other Aliases: (.*)", block)
        chrom = re.search(r"Chromosome: (\w+)(?:; Location: (.*))?", block)
        repl = re.search(r"replaced with GeneID: (\d+)", block)
        src = sym or head
        out.append(GeneRecord(
            gene_id=gid.group(1), symbol=src.group(1) if src else "", description=src.group(2) if src else "",
            organism=src.group(3) if src else "", chromosome=chrom.group(1) if chrom else "",
            map_location=(chrom.group(2) or "") if chrom else "",
            aliases=[a.strip() for a in aliases.group(1).split(",")] if aliases else [],
            status="replaced" if repl else ("discontinued" if "discontinued" in block.lower() else ""),
            replaced_by=repl.group(1) if repl else None))
    return out


def snp_from_summary(uid: str, d: dict[str, Any]) -> SnpRecord:
    """A SnpRecord from an esummary snp JSON document."""
    chrpos = str(d.get("chrpos", "") or "")
    chrom, _, pos = chrpos.partition(":")
    named = [g for g in d.get("genes", []) or [] if isinstance(g, dict) and g.get("name")]
    return SnpRecord(rsid=f"rs{d.get('snp_id', uid)}", chromosome=str(d.get("chr", "") or chrom),
                     position=int(pos) if pos.isdigit() else None, genes=[str(g["name"]) for g in named],
                     gene_ids=[str(g.get("gene_id", "")) for g in named],
                     function_class=str(d.get("fxn_class", "") or ""),
                     clinical_significance=str(d.get("clinical_significance", "") or ""))


_OMIM_KIND = {"*": "gene", "+": "gene+phenotype", "#": "phenotype", "%": "phenotype-locus", "^": "removed"}


def omim_from_summary(uid: str, d: dict[str, Any]) -> OmimRecord:
    """An OmimRecord from an esummary omim JSON document; gene symbols come after the title's ';'."""
    oid = str(d.get("oid", "") or "")
    title = str(d.get("title", "") or "")
    kind = _OMIM_KIND.get(oid[:1], "other")
    symbols: list[str] = []
    if kind in ("gene", "gene+phenotype") and ";" in title:
        symbols = [s.strip() for s in title.split(";")[1:] if re.fullmatch(r"[A-Z0-9][A-Za-z0-9\-.@]*", s.strip())]
    return OmimRecord(mim=str(d.get("uid", uid)), kind=kind, title=title, symbols=symbols,
                      locus=str(d.get("locus", "") or ""))
