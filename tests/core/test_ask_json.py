"""`biomedqa ask --json` over a real (small) index built from the mini-PubMed corpus."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from biomedqa.cli import cli
from biomedqa.deps import Deps
from biomedqa.settings import Settings
from biomedqa.testing import HashEmbedder, ScriptedChatModel


@pytest.fixture
def small_index(settings: Settings, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    from biomedqa.indexes import build_index

    src = tmp_path / "cf.jsonl"
    with gzip.open(shared_data / "derived/minipubmed/corpus.jsonl.gz", "rt") as f, src.open("w") as out:
        n = 0
        for line in f:
            if "cystic fibrosis" in line.lower():
                out.write(line)
                n += 1
            if n >= 150:
                break
    monkeypatch.setattr(Deps, "embedder", property(lambda self: HashEmbedder(64)))
    build_index([src], "cf", settings, embedder=HashEmbedder(64), progress=False)
    return "cf"


def test_ask_json_contract(small_index: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def answer(prompt: str) -> str:
        first = prompt.split("<<<", 1)[1].split(">>>", 1)[0]
        return first.split(". ")[0].rstrip(".") + " [1]."

    llm = ScriptedChatModel(
        {
            "Plan how to answer": json.dumps({"tools": ["pubmed"], "needs_retrieval": True, "search_query": "CFTR"}),
            "Which evidence passages help": json.dumps({"relevant": [1, 2]}),
            "in 2-4 short sentences": answer,
            "Does the evidence support": json.dumps({"verdict": "supported"}),
        }
    )
    monkeypatch.setattr(Deps, "llm", property(lambda self: llm))
    r = CliRunner().invoke(
        cli,
        [
            "ask",
            "Is CFTR mutated in cystic fibrosis?",
            "--index",
            small_index,
            "--json",
            "-o",
            "agent.use_eutils=false",
        ],
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["answer"] and out["citations"] and out["evidence"]
    evidence_ids = {e["doc_id"] for e in out["evidence"]}
    assert all({"doc_id", "pmid", "title", "score"} <= set(e) for e in out["evidence"])
    assert all(c["doc_id"] in evidence_ids and c["pmid"] for c in out["citations"])
    assert {"total", "retrieval", "llm_prompt", "llm_generation"} <= set(out["timings"])
