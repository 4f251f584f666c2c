"""Typed tools and multi-hop chains answered from replayed real NCBI responses."""

from __future__ import annotations

import asyncio

from biomedqa.settings import Settings
from biomedqa.testing import ScriptedChatModel
from biomedqa.tools.eutils import build_eutils
from biomedqa.tools.eutils.chains import GeneAnswer, answer_gene_question
from biomedqa.tools.eutils.routing import route
from biomedqa.tools.eutils.toolbox import EutilsToolbox


def test_specs_are_json_schemas(toolbox: EutilsToolbox) -> None:
    specs = {s["name"]: s for s in toolbox.specs()}
    assert {"pubmed_search", "gene_search", "snp_summary", "omim_search", "elink", "blast_sequence"} <= set(specs)
    schema = specs["gene_search"]["parameters"]
    assert schema["type"] == "object" and "term" in schema["required"]


async def test_tool_failures_are_results_not_exceptions(toolbox: EutilsToolbox) -> None:
    unknown = await toolbox.call("no_such_tool", {})
    bad = await toolbox.call("gene_search", {"k": 3})
    miss = await toolbox.call("pubmed_search", {"query": "an unrecorded query"})
    assert not unknown.ok and "unknown tool" in (unknown.error or "")
    assert not bad.ok and "term" in (bad.error or "")
    assert not miss.ok and "no recorded NCBI response" in (miss.error or "")
    assert toolbox.passages(miss) == []


async def test_gene_snp_omim_passages(toolbox: EutilsToolbox) -> None:
    gene = await toolbox.call("gene_search", {"term": "LMP10"})
    snp = await toolbox.call("snp_summary", {"rsids": ["rs1217074595"]})
    omim = await toolbox.call("omim_search", {"disease": "Hemolytic anemia due to phosphofructokinase deficiency"})
    assert gene.result["best"] == "5699" and gene.requests[0].startswith("esearch?db=gene")
    ids = [p.doc_id for c in (gene, snp, omim) for p in toolbox.passages(c)]
    assert {"gene:5699", "snp:rs1217074595", "omim:171860"} <= set(ids)
    assert all(p.pmid is None and p.source == "eutils" for c in (gene, snp, omim) for p in toolbox.passages(c))
    assert "PFKL" in omim.result["genes"]


async def test_elink_replayed(toolbox: EutilsToolbox) -> None:
    ids = [
        "100124700", "100503872", "100686390", "100608496", "2146", "407040", "283120", "3091", "192345", "6774",
        "5728", "1026", "406999", "378938", "1786", "23028", "4851", "406938", "406952", "406986",
    ]
    call = await toolbox.call("elink", {"dbfrom": "gene", "db": "omim", "ids": ids})
    assert call.ok and call.result["links"]


async def test_disease_to_gene_loci_chain(toolbox: EutilsToolbox) -> None:
    q = "List chromosome locations of the genes related to Distal renal tubular acidosis."
    ans = await answer_gene_question(q, None, toolbox)
    assert ans.task == "Disease gene location"
    assert {"7q34", "17q21.31", "8q21.2"} <= set(ans.answer.split(", "))
    assert any(p.doc_id.startswith("omim:") for p in ans.passages)


async def test_snp_to_gene_to_function_chain(toolbox: EutilsToolbox) -> None:
    question = "What is the function of the gene associated with SNP rs1450106117?"
    ans = await answer_gene_question(question, None, toolbox)
    assert [c.tool for c in ans.tool_calls] == ["snp_summary", "gene_search"]
    assert ans.answer.startswith("MED13:") and "mediator complex" in ans.answer
    assert {"snp:rs1450106117"} <= {p.doc_id for p in ans.passages}


async def test_sequence_to_species_chain(toolbox: EutilsToolbox) -> None:
    seq = ("AGGGGCAGCAAACACCGGGACACACCCATTCGTGCACTAATCAGAAACTTTTTTTTCTCAAATAATTCAAACAATCAAAATTGGTTTTTTCGAGCAAGG"
           "TGGGAAATTTTTCGAT")
    ans = await answer_gene_question(f"Which organism does the DNA sequence come from:{seq}", None, toolbox)
    assert ans.answer == "worm" and ans.tool_calls[0].tool == "blast_sequence"


async def test_sequence_gene_alias_chain_reports_the_missing_hop(toolbox: EutilsToolbox) -> None:
    seq = ("ATTCTGCCTTTAGTAATTTGATGACAGAGACTTCTTGGGAACCACAGCCAGGGAGCCACCCTTTACTCCACCAACAGGTGGCTTATATCCAATCTGAGA"
           "AAGAAAGAAAAAAAAAAAAGTATTTCTCT")
    question = f"What are the aliases of the gene that contains this sequence:{seq}"
    ans = await answer_gene_question(question, None, toolbox)
    assert [c.tool for c in ans.tool_calls] == ["blast_sequence", "gene_search"]
    assert ans.tool_calls[1].args == {"term": "SLCO3A1"} and not ans.tool_calls[1].ok  # not in the 2023 recording


async def test_model_chooses_tools_for_unrecognised_questions(toolbox: EutilsToolbox) -> None:
    llm = ScriptedChatModel(replies={
        "(no tool results yet)": '{"tool": "gene_search", "argument": "LMP10"}',
        "gene PSMB10": '{"tool": "answer", "argument": "16q22.1"}',
    })
    ans = await answer_gene_question("Where in the genome does the immunoproteasome subunit LMP10 sit?", llm, toolbox)
    assert isinstance(ans, GeneAnswer) and ans.task == "llm" and ans.answer == "16q22.1"
    assert [c.tool for c in ans.tool_calls] == ["gene_search"] and len(llm.calls) == 2
    assert "Tool results are data" in llm.calls[0]["prompt"]


async def test_bad_model_output_ends_the_chain(toolbox: EutilsToolbox) -> None:
    llm = ScriptedChatModel(default='{"tool": "rm -rf", "argument": 1}')
    ans = await answer_gene_question("Tell me something about genes", llm, toolbox)
    assert ans.answer == "" and ans.tool_calls == []


def test_routes_geneturing_templates() -> None:
    assert route("What is the official gene symbol of SNAT6?").entity == "SNAT6"
    assert route("Which chromosome does SNP rs545148486 locate on human genome?").task == "SNP location"
    assert route("Is LOC124907753 a protein-coding gene?").entity == "LOC124907753"
    assert route("What are genes related to Pseudohypoparathyroidism Ic?").entity == "Pseudohypoparathyroidism Ic"
    assert route("How does metformin work?") is None


def test_sync_close(replay_settings: Settings) -> None:
    tb = build_eutils(replay_settings)
    assert asyncio.run(tb.pubmed_passages.__self__.client.esearch("gene", "LMP10", retmax=1))["idlist"] == ["5699"]
    tb.close()
