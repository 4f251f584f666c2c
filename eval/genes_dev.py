"""Build ``eval/data/genes_dev.jsonl``: everyday paraphrases of GeneTuring / GeneHop-style questions.

Entities come from GeneTuring questions whose template form the recorded NCBI responses answer
correctly (the ``eval geneturing`` results file says which). Expected answers are GeneTuring's gold
answers, or, for the GeneHop-style intents (gene function, SNP → gene function, disease → gene
loci), values read straight from the recorded responses (gene summaries, OMIM loci). GeneHop's own
questions are not in the shared data (held out), so none of them is used. The tune/test split is
made once, by a shuffle seeded with 18, and stored in the file.

Run: ``python -m biomedqa.eval.genes_dev RESULTS.jsonl`` (``runs/geneturing/results.jsonl``).
"""

from __future__ import annotations

import gzip
import json
import logging
import random
import re
import sys
from pathlib import Path
from typing import Any

from biomedqa.shared_data import shared_path

logger = logging.getLogger(__name__)
OUT = Path(__file__).parent / "data" / "genes_dev.jsonl"
SEED = 18
PER_TEMPLATE = 2

TEMPLATES: dict[str, list[str]] = {
    "alias_symbol": [
        "{e} official symbol?", "whats the offical gene symbol for {e}",
        "I keep seeing {e} in older papers. What is its current approved gene symbol?",
        "What is {e} called now, i.e. its HGNC-approved symbol?",
        "My supervisor wrote {e} in her notes. Which official gene symbol does that correspond to?",
        "Convert the alias {e} into the approved gene symbol, please.", "quick q: standard gene symbol of {e}?",
    ],
    "ensembl_symbol": [
        "{e} -> gene symbol", "What gene symbol does Ensembl ID {e} map to?",
        "I have {e} in my RNA-seq results; what's the official symbol?", "convert {e} to symbol pls",
    ],
    "gene_location": [
        "where is {e} located?", "{e} chromosome?", "On which chromsome does the human gene {e} sit?",
        "I'm designing primers for {e}. Which chromosome is it on?", "Tell me the chromosomal location of {e}.",
        "which chr is {e} on", "Quick check: what chromosome carries {e}?",
    ],
    "protein_coding": [
        "Is {e} protein coding?", "does {e} encode a protein", "{e}: protein-coding or not?",
        "Is {e} a protien-coding gene?",
        "I found {e} in my list of hits. Does it code for a protein, or is it non-coding?",
        "Is the gene {e} translated into a protein?", "protein coding gene? {e}",
    ],
    "snp_gene": [
        "{e} falls in which gene?", "which gene contains {e}", "{e} gene?", "What gene is the variant {e} in?",
        "My GWAS hit is {e}. Which gene does it sit in?", "Name the gene associated with SNP {e}.",
        "wich gene is {e} assocaited with?",
    ],
    "snp_location": [
        "Which chromosome carries the SNP {e}?", "where is {e}?", "{e} chromosome",
        "On what chromosome is the variant {e} located?",
        "I'm looking at {e} from a 23andMe report. Which chromosome is that on?", "chr of {e}?",
        "which chromosone is {e} on",
    ],
    "snp_gene_function": [
        "What does the gene containing {e} do?", "function of the gene with {e}?",
        "{e}: what's the role of the gene it's in?", "My variant {e} is in some gene. What does that gene do?",
        "Describe the function of the gene harbouring {e}.", "what is the gene at {e} responsible for",
        "wat does the gene near {e} do",
    ],
    "disease_genes": [
        "What genes cause {e}?", "genes for {e}?", "Which genes are linked with {e}?",
        "My patient was diagnosed with {e}. Which genes are known to be involved?",
        "hey, quick question: which genes are associated with {e}? thanks", "List the genes behind {e}.",
        "What genes are implicated in {e}?",
    ],
    "disease_gene_locations": [
        "Where are the genes for {e} located (cytoband)?", "cytobands of genes linked to {e}?",
        "Which chromosome locations carry the genes associated with {e}?",
        "map the genes related to {e} to cytobands", "List chromosome locations of genes for {e}.",
        "I'm reading about {e}. Where in the genome are the genes that cause it?",
        "which chromosomal bands hold the genes behind {e}",
    ],
    "gene_function": [
        "What does {e} do?", "function of {e}?", "What is the role of the gene {e}?", "{e} gene function",
        "I saw {e} upregulated in my data; what is that gene's function?", "Describe what the gene {e} does.",
        "whats the fucntion of {e}",
    ],
    "sequence_alignment": [
        "Align this to the human genome: {e}", "where does this sequence map in the human genome? {e}",
        "{e} - which chromosome and coordinates?",
        "I got this read from a sequencing run: {e}. Where does it align in the human genome?",
        "position of this DNA in the human genome {e}", "alignment of {e} to human chromosomes?",
        "wher does {e} align",
    ],
    "sequence_organism": [
        "what organism is this from: {e}", "{e} species?", "Which species does the following DNA come from? {e}",
        "I found this contaminant sequence in my library: {e}. What organism is it from?",
        "organism of origin for {e}", "from which species is {e}", "waht organism has this dna {e}",
    ],
}
SOURCE_TASK = {
    "alias_symbol": "Gene alias", "ensembl_symbol": "Gene name conversion", "gene_location": "Gene location",
    "protein_coding": "Protein-coding genes", "snp_gene": "Gene SNP association", "snp_location": "SNP location",
    "snp_gene_function": "Gene SNP association", "disease_genes": "Gene disease association",
    "disease_gene_locations": "Gene disease association", "gene_function": "Gene alias",
    "sequence_alignment": "Human genome DNA aligment", "sequence_organism": "Multi-species DNA aligment",
}


def _entity(task: str, question: str) -> str:
    if task.endswith("aligment"):
        return question.split(":")[-1].strip()
    m = {"Gene alias": r"symbol of (.+?)\?$", "Gene name conversion": r"Convert (\S+) to",
         "Gene location": r"is (\S+) gene located", "Protein-coding genes": r"^Is (\S+) a protein",
         "Gene SNP association": r"SNP (rs\d+)", "SNP location": r"SNP (rs\d+)",
         "Gene disease association": r"related to (.+?)\?$"}[task]
    found = re.search(m, question)
    return found.group(1) if found else ""


def _recorded() -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """Human gene summaries by symbol, and (locus, mim) of OMIM gene entries by symbol, from the recordings."""
    summaries: dict[str, str] = {}
    loci: dict[str, list[tuple[str, str]]] = {}
    path = shared_path("genegpt_geneturing", "api_response_cache.jsonl.gz")
    for line in gzip.open(path, "rt", encoding="utf-8"):
        row = json.loads(line)
        if row["kind"] not in ("eutils.esummary.gene", "eutils.esummary.omim"):
            continue
        try:
            result = json.loads(row["response"])["result"]
        except (ValueError, KeyError, TypeError):
            continue
        for uid in result.get("uids", []):
            d = result.get(uid) or {}
            if row["kind"] == "eutils.esummary.gene":
                if (d.get("organism") or {}).get("taxid") == 9606 and d.get("summary") and not d.get("status"):
                    summaries.setdefault(str(d["name"]), str(d["summary"]))
            elif str(d.get("oid", "")).startswith(("*", "+")) and ";" in str(d.get("title", "")):
                for sym in str(d["title"]).split(";")[1:]:
                    loci.setdefault(sym.strip(), []).append((str(d.get("locus", "")), str(uid)))
    return summaries, loci


def _gold(intent: str, gold: str, summaries: dict[str, str], loci: dict[str, list[tuple[str, str]]]) -> Any:
    if intent in ("snp_gene_function", "gene_function"):
        summary = summaries.get(gold, "")
        return [gold, summary.split(". ")[0][:60]] if summary else None
    if intent == "disease_gene_locations":
        found = [loc for g in gold.split(", ") for loc, _ in loci.get(g, [])[:1] if loc]
        return list(dict.fromkeys(found)) or None
    return gold


def build(results: Path) -> list[dict[str, Any]]:
    """Dev rows ``{id, intent, question, gold, style, source_question, split}`` (see module doc)."""
    correct = [json.loads(x) for x in results.read_text().splitlines() if x.strip()]
    ok: dict[str, list[dict[str, Any]]] = {}
    for r in correct:
        if r["score"] >= (0.5 if r["task"].startswith("Human") else 1.0):
            ok.setdefault(r["task"], []).append(r)
    summaries, loci = _recorded()
    rng = random.Random(SEED)
    rows: list[dict[str, Any]] = []
    for intent, templates in TEMPLATES.items():
        pool = list(ok.get(SOURCE_TASK[intent], []))
        rng.shuffle(pool)
        usable = [(r, g) for r in pool for g in [_gold(intent, r["gold"], summaries, loci)] if g]
        for i, template in enumerate(templates):
            for r, gold in usable[i * PER_TEMPLATE:(i + 1) * PER_TEMPLATE]:
                rows.append({"id": f"{intent}-{len(rows):03d}", "intent": "alias_symbol" if intent == "ensembl_symbol"
                             else intent, "question": template.format(e=_entity(r["task"], r["question"])),
                             "gold": gold, "template": i, "source_question": r["question"]})
    order = list(range(len(rows)))
    random.Random(SEED).shuffle(order)
    test = set(order[: len(rows) // 2])
    return [{**row, "split": "test" if i in test else "tune"} for i, row in enumerate(rows)]


if __name__ == "__main__":
    built = build(Path(sys.argv[1] if len(sys.argv) > 1 else "runs/geneturing/results.jsonl"))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in built))
    print(f"{len(built)} rows -> {OUT}")
