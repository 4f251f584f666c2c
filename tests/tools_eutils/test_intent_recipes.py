"""Intent recipes on replayed real NCBI responses: what the records hold is what the answer says (#18)."""

from __future__ import annotations

import pytest

from biomedqa.agent.tool_route import answer_from_tools
from biomedqa.tools.eutils.blast import BlastHit
from biomedqa.tools.eutils.chains import answer_by_intent
from biomedqa.tools.eutils.gene_pick import fragment_only
from biomedqa.tools.eutils.recipes import alignment_answer, on_grch38
from biomedqa.tools.eutils.records import GeneRecord
from biomedqa.tools.eutils.toolbox import EutilsToolbox

# GeneTuring's "Human genome DNA aligment" sequences (gold chr15:91950805-91950932 and chr7:32588819-32588940).
SEQ_CHR15 = ("ATTCTGCCTTTAGTAATTTGATGACAGAGACTTCTTGGGAACCACAGCCAGGGAGCCACCCTTTACTCCACCAACAGGTGGCTTATATCCAATCTGAGA"
             "AAGAAAGAAAAAAAAAAAAGTATTTCTCT")
SEQ_CHR7 = ("ATGAACTAAAGACTCATGACTCATTTACTCTCATTTTGACATCGCTTTGACAGTGGTGCCCAGCTTTCAAGGCAGTGACCTCTGCAGGAAGAGGCCCTTAGC"
            "TTCTGTGGAATGCTAAGTGC")


def _no_model() -> None:
    return None


async def test_alignment_gives_the_chromosome_not_positions_on_another_record(toolbox: EutilsToolbox) -> None:
    # The recorded hits are a RefSeqGene enhancer record, the CHM13 and JG1 assemblies and a synthetic construct:
    # none is a GRCh38 chromosome, so bases 827-954 of the enhancer record are no chromosome coordinates.
    got = await answer_from_tools(f"Align this to the human genome: {SEQ_CHR15}", toolbox, _no_model)
    assert got is not None and got.intent == "sequence_alignment" and got.short == "chr15"
    assert "bases 827-954 of that record [blast:NG_132175.1]" in got.text
    assert "no GRCh38 coordinates" in got.text and [c.doc_id for c in got.citations] == ["blast:NG_132175.1"]


async def test_a_clone_placed_by_its_cytoband_gives_the_chromosome(toolbox: EutilsToolbox) -> None:
    # The best hit's title says "clone ... from 7p14-15": chromosome 7.
    got = await answer_by_intent(f"Align the DNA sequence to the human genome:{SEQ_CHR7}", toolbox)
    assert got is not None and got.answer == "chr7"


def test_only_grch38_chromosome_records_give_coordinates() -> None:
    ref = BlastHit(accession="NC_000015.10", title="Homo sapiens chromosome 15, GRCh38.p14 Primary Assembly",
                   sbjct_start=91950932, sbjct_end=91950805)
    chm13 = BlastHit(accession="CP068263.2", title="Homo sapiens isolate CHM13 chromosome 15",
                     sbjct_start=89712558, sbjct_end=89712685)
    enhancer = BlastHit(accession="NG_132175.1", title="Homo sapiens H3K27ac-H3K4me1 hESC enhancer "
                        "GRCh37_chr15:92493309-92494181 (LOC127830695) on chromosome 15",
                        sbjct_start=827, sbjct_end=954)
    assert on_grch38(ref) and alignment_answer(ref) == "chr15:91950805-91950932"
    assert not on_grch38(chm13) and alignment_answer(chm13) == "chr15"
    assert alignment_answer(enhancer) == "chr15"


def test_a_record_found_by_a_piece_of_a_clone_name_is_not_that_gene() -> None:
    prpf31 = GeneRecord(gene_id="26121", symbol="PRPF31", description="pre-mRNA processing factor 31",
                        aliases=["NY-BR-99", "PRP31", "RP11", "SNRNP61"])
    ctdsp1 = GeneRecord(gene_id="58190", symbol="CTDSP1", description="CTD small phosphatase 1")
    grep1 = GeneRecord(gene_id="283875", symbol="GREP1", description="glycine rich extracellular protein 1",
                       aliases=["G029442", "LA16c-380H5.1", "LA16c-380H5.3", "LINC00514"])
    assert fragment_only(prpf31, "RP11-17A4.3") and fragment_only(ctdsp1, "CTD-2272D18.2")
    assert not fragment_only(grep1, "LA16c-329F2.2") and not fragment_only(prpf31, "PRPF31")


@pytest.mark.parametrize("name", ["RP11-17A4.3", "CTD-2272D18.2", "CTB-180A7.6", "RP4-612B18.1"])
async def test_clone_names_ncbi_only_matched_in_part_get_no_chromosome(toolbox: EutilsToolbox, name: str) -> None:
    # NCBI's search hits the RP11 / CTD / CTB / RP4 loci, none of which is the clone's gene.
    got = await answer_by_intent(f"Which chromosome is {name} gene located on human genome?", toolbox)
    assert got is not None and got.answer == ""


async def test_an_unverified_best_match_says_so(toolbox: EutilsToolbox) -> None:
    got = await answer_from_tools("Which chromosome is LA16c-329F2.2 gene located on human genome?", toolbox, _no_model)
    assert got is not None and got.short == "chr16"
    assert "LA16c-329F2.2 is not a symbol or alias of that record" in got.text


async def test_no_human_record_means_no_answer_not_another_species(toolbox: EutilsToolbox) -> None:
    # The recorded search for GCS1 holds yeast, fly, plant and rat records only.
    got = await answer_by_intent("What is the official gene symbol of GCS1?", toolbox)
    assert got is not None and got.task == "Gene alias" and got.answer == ""


async def test_a_function_answer_fetches_the_summary_efetch_text_lacks(toolbox: EutilsToolbox) -> None:
    # The search reads its records from efetch text (no summary); the XML esummary of the record has it.
    got = await answer_from_tools("Describe what the gene ZNF482 does.", toolbox, _no_model)
    assert got is not None and got.short.startswith("ZBTB6: Predicted to enable DNA-binding transcription repressor")
    assert [c.tool for c in got.tool_calls] == ["gene_search", "gene_summary"]


async def test_gene_summary_reads_the_xml_esummary(toolbox: EutilsToolbox) -> None:
    call = await toolbox.call("gene_summary", {"gene_ids": ["7411"]})
    assert call.ok and call.result["items"][0]["symbol"] == "VBP1"
    assert call.result["items"][0]["summary"].startswith("The protein encoded by this gene interacts")
    assert call.result["items"][0]["organism"] == "Homo sapiens" and call.result["items"][0]["taxid"] == 9606


async def test_omim_without_a_gene_entry_falls_back_to_a_labelled_gene_search(toolbox: EutilsToolbox) -> None:
    # The recorded OMIM search for multiple system atrophy holds phenotype entries only (#146500 …).
    got = await answer_from_tools("What are genes related to Multiple system atrophy?", toolbox, _no_model)
    assert got is not None and got.intent == "disease_genes"
    assert got.short.split(", ")[:2] == ["COQ2", "SNCA"] and len(got.short.split(", ")) <= 5
    assert "OMIM lists no gene entry for Multiple system atrophy" in got.text and "[gene:27235]" in got.text
    assert "not a curated list" in got.text


async def test_omim_gene_entries_are_used_when_there_are_some(toolbox: EutilsToolbox) -> None:
    got = await answer_by_intent("What are genes related to Currarino syndrome?", toolbox)
    assert got is not None and got.answer.split(", ")[0] == "MNX1"
    assert {c.tool for c in got.tool_calls} == {"omim_search"}
