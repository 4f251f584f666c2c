from __future__ import annotations

import gzip
import json
from pathlib import Path

from biomedqa.agent.focus import focus, sentences
from biomedqa.agent.prompts import evidence_block
from biomedqa.eval.runners.mirage import load_subset
from biomedqa.types import Passage


def test_sentences_keep_abbreviations_together() -> None:
    text = "Cells were stained (e.g. with DAPI). Results were clear. 12 patients improved."
    assert sentences(text) == ["Cells were stained (e.g. with DAPI).", "Results were clear.", "12 patients improved."]


def test_short_text_is_unchanged_and_budget_is_kept() -> None:
    assert focus("One sentence only.", "anything", 500) == "One sentence only."
    long = " ".join(f"Sentence number {i} talks about topic {i}." for i in range(60))
    out = focus(long, "topic 42", 300)
    assert len(out) <= 300 and "topic 42" in out and "…" in out


def test_real_abstract_keeps_the_findings_not_just_the_background(shared_data: Path) -> None:
    """PubMedQA abstracts run to ~1,500 characters; the answer is in their results, past the first 500."""
    item = next(it for it in load_subset("pubmedqa") if it["question"].startswith("Is there a connection between sub"))
    pmid = str(item["PMID"][0])
    with gzip.open(shared_data / "derived/minipubmed/corpus.jsonl.gz", "rt") as f:
        text = next(r for line in f if (r := json.loads(line))["pmid"] == pmid)["text"]
    assert len(text) > 1000
    head = text[:500]
    out = focus(text, item["question"], 500)
    assert len(out) <= 500
    assert "An association between sublingual varices and hypertension was found" in out
    assert "An association between sublingual varices and hypertension was found" not in head
    block = evidence_block([Passage(doc_id="1", pmid="1", text=text)], 500, question=item["question"])
    assert "was found" in block and block.startswith("[1] (PMID 1) <<<")
