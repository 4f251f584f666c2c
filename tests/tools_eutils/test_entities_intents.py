"""Entity extraction and intent classification on everyday phrasings of GeneTuring/GeneHop questions."""

from __future__ import annotations

import pytest

from biomedqa.testing import ScriptedChatModel
from biomedqa.tools.eutils.entities import extract
from biomedqa.tools.eutils.intents import classify


def test_entities_of_everyday_questions() -> None:
    e = extract("I keep seeing RBAP1 in older papers. What is its current approved gene symbol?")
    assert e.symbols == ["RBAP1"] and e.rsids == [] and e.organism is None
    e = extract("Where are the genes for sialidosis located (cytoband)?")
    assert e.diseases[0] == "sialidosis" and e.symbols == []
    e = extract("rs 996319727 falls in which gene?")
    assert e.rsids == ["rs996319727"]
    e = extract("convert ensg00000215251 to a symbol pls")
    assert e.ensembl == ["ENSG00000215251"]
    e = extract("what's the official name of the yeast gene PTH1")
    assert e.symbols == ["PTH1"] and e.organism == "Saccharomyces cerevisiae"
    seq = "ATTCTGCCTTTAGTAATTTGATGACAGAGACTTCTTGGGAACC"
    e = extract(f"where does this land in the genome? {seq[:20]} {seq[20:]}")
    assert e.sequences == [seq]


def test_symbol_candidates_skip_scaffolding() -> None:
    e = extract("Which chromosome is the SNP rs123 on, per NCBI dbSNP and GWAS?")
    assert e.symbols == [] and e.rsids == ["rs123"]
    assert extract("Is LOC124907753 a protein-coding gene?").symbols == ["LOC124907753"]
    assert extract("What is the official gene symbol of 15-LOX?").symbols == ["15-LOX"]


@pytest.mark.parametrize(("question", "intent"), [
    ("rs996319727 falls in which gene?", "snp_gene"),
    ("Which chromosome carries the SNP rs1316126938?", "snp_location"),
    ("What does the gene containing rs1029002401 do?", "snp_gene_function"),
    ("I keep seeing RBAP1 in older papers. What is its current approved gene symbol?", "alias_symbol"),
    ("where is FOXL2NB?", "gene_location"),
    ("does NAXE code for a protein", "protein_coding"),
    ("What genes cause Meesmann corneal dystrophy?", "disease_genes"),
    ("Where are the genes for sialidosis located (cytoband)?", "disease_gene_locations"),
    ("what organism is this from: AGGGGCAGCAAACACCGGGACACACCCATTCGTGCACTAATCAG", "sequence_organism"),
    ("ENSG00000205403 -> symbol?", "alias_symbol"),
    ("Which official symbol does ENSG00000205403 map to?", "alias_symbol"),
])
async def test_rules_decide_without_a_model(question: str, intent: str) -> None:
    got = await classify(question)
    assert (got.intent, got.how) == (intent, "rules")


async def test_general_and_literature_questions_stay_outside() -> None:
    assert (await classify("Does metformin lower HbA1c?")).intent is None
    assert (await classify("Is CFTR the gene mutated in cystic fibrosis?")).intent is None
    lit = await classify("Find recent papers on rs1316126938 and breast cancer")
    assert lit.intent is None and not lit.tool_question


async def test_a_tie_takes_one_constrained_model_call() -> None:
    llm = ScriptedChatModel({"Which of these does the question ask for?": '{"intent": "gene_function"}'})
    q = "tell me about TP53: where is it and what does it do?"
    assert (await classify(q)).how == "priority"
    got = await classify(q, llm)
    assert (got.intent, got.how) == ("gene_function", "model")
    assert len(llm.calls) == 1 and set(got.candidates) == {"gene_location", "gene_function"}


@pytest.mark.parametrize(("question", "intent"), [
    ("which chromosone is rs1228002921 on", "snp_location"),
    ("Is CPVL-AS2 a protien-coding gene?", "protein_coding"),
    ("waht organism has this dna CAGGAACAACAGCAAAACATTACTTCACGTGCAAACC", "sequence_organism"),
])
async def test_typos_in_cue_words_are_forgiven(question: str, intent: str) -> None:
    assert (await classify(question)).intent == intent


def test_sequence_is_not_joined_with_following_words() -> None:
    seq = "ACAACTTGACATCAAGGGACCAGGATGAGAATCTTATTTG"
    assert extract(f"alignment of {seq} to human chromosomes?").sequences == [seq]
    assert extract("map the genes related to Spinal muscular atrophy to cytobands").diseases[0] == \
        "Spinal muscular atrophy"


@pytest.mark.parametrize(("question", "disease", "intent"), [
    ("Currarino syndrome: which gene(s)?", "Currarino syndrome", "disease_genes"),
    ("Glycine N-methyltransferase deficiency - what gene?", "Glycine N-methyltransferase deficiency", "disease_genes"),
    ("Currarino syndrome is caused by mutations in which gene?", "Currarino syndrome", "disease_genes"),
    ("currarino syndrome which genes", "currarino syndrome", "disease_genes"),
    ("Currarino syndrome genes", "Currarino syndrome", "disease_genes"),
    ("Which gene, when mutated, leads to Currarino syndrome?", "Currarino syndrome", "disease_genes"),
    ("Genetic cause of Currarino syndrome?", "Currarino syndrome", "disease_genes"),
    ("Which genes should I sequence for a suspected case of Currarino syndrome?", "Currarino syndrome",
     "disease_genes"),
    ("Which chromosome bands are the Currarino syndrome genes on?", "Currarino syndrome", "disease_gene_locations"),
    ("cytogenetic location of the Siddiqi syndrome gene", "Siddiqi syndrome", "disease_gene_locations"),
    ("Siddiqi syndrome - where is the causal gene located?", "Siddiqi syndrome", "disease_gene_locations"),
])
async def test_a_disease_named_before_its_gene_word(question: str, disease: str, intent: str) -> None:
    got = await classify(question)
    assert got.entities.diseases[0] == disease and (got.intent, got.how) == (intent, "rules")


@pytest.mark.parametrize("question", [
    "What is the function of the BRCA1 gene?", "What does the TP53 gene do?",
    "Which disease is caused by mutations in the MNX1 gene?",
])
async def test_a_gene_named_before_gene_is_no_disease(question: str) -> None:
    assert (await classify(question)).intent not in ("disease_genes", "disease_gene_locations")
