"""retrieval.source: which literature a run searches, and the agent saying so (demo index on a fresh home)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from biomedqa.api import Agent
from biomedqa.deps import Deps
from biomedqa.errors import IndexNotFoundError
from biomedqa.indexes import build_index
from biomedqa.indexes.demo import demo_corpus
from biomedqa.retrievers.source import resolve_source
from biomedqa.settings import Settings
from biomedqa.testing import HashEmbedder, ScriptedChatModel


def _tiny(settings: Settings, name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.jsonl"
    path.write_text(json.dumps({"pmid": "1", "title": "t", "text": "metformin and glucose"}) + "\n")
    build_index([path], name, settings, embedder=HashEmbedder(64), progress=False)


def test_auto_demo_only_on_a_fresh_home(settings: Settings, tmp_path: Path) -> None:
    assert resolve_source(settings).kind == "demo"
    named = settings.with_overrides({"retrieval.index": "mine"})
    assert resolve_source(named).kind == "index"  # a name you chose that is missing stays an error
    with pytest.raises(IndexNotFoundError, match="no index named 'mine'"):
        _ = Deps(named, embedder=HashEmbedder(64)).retriever
    _tiny(settings, "other", tmp_path)
    assert resolve_source(settings).kind == "index"  # you have an index of your own: no silent demo
    _tiny(settings, "minipubmed", tmp_path)
    src = resolve_source(settings)
    assert (src.kind, src.name) == ("index", "minipubmed")


@pytest.mark.parametrize(("source", "kind"), [("demo", "demo"), ("pubmed", "pubmed"), ("index", "index")])
def test_explicit_sources(settings: Settings, source: str, kind: str) -> None:
    src = resolve_source(settings.with_overrides({"retrieval.source": source}))
    assert src.kind == kind and src.label.startswith("Searched: ")


def test_fresh_home_answers_from_the_demo_index(settings: Settings) -> None:
    s = settings.with_overrides({"agent.use_eutils": False, "agent.plan": False})
    llm = ScriptedChatModel(
        {
            "Which evidence passages help": json.dumps({"relevant": [1]}),
            "in 2-4 short sentences": "Metformin was studied as a co-treatment during IVF [1].",
            "Does the evidence support": json.dumps({"verdict": "supported"}),
        }
    )
    answer = Agent(deps=Deps(s, llm=llm, embedder=HashEmbedder(64))).ask(
        "Does metformin co-treatment during IVF help women with polycystic ovaries?")
    assert answer.searched is not None and answer.searched.kind == "demo"
    assert answer.searched.label == "Searched: the bundled demo index (1,000 PubMedQA abstracts)."
    assert answer.to_public()["searched"]["kind"] == "demo"
    demo_pmids = {json.loads(line)["pmid"] for line in __import__("gzip").open(demo_corpus(), "rt")}
    assert answer.pmids and set(answer.pmids) <= demo_pmids
    assert "21593045" in {p.pmid for p in answer.evidence}  # the PCOS metformin IVF abstract
    assert (s.index_dir / "demo" / "manifest.json").is_file()


def test_tool_only_answer_says_no_literature_was_searched(settings: Settings) -> None:
    s = settings.with_overrides({"ncbi.replay": json.dumps(["geneturing"]), "ncbi.offline": True})
    answer = Agent(deps=Deps(s, llm=ScriptedChatModel())).ask("Which chromosome carries the SNP rs1316126938?")
    assert answer.searched is not None and answer.searched.kind == "none"
    assert answer.searched.label == "No literature searched: answered from NCBI records alone."
    assert not s.index_dir.exists()  # the demo index was not built for a question that needs no literature


def test_doctor_says_which_source_would_serve(settings: Settings, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from biomedqa.cli import cli

    r = CliRunner().invoke(cli, ["doctor", "--json"])
    lit = json.loads(r.output)["literature"]
    assert (lit["source"], lit["kind"], lit["ready"]) == ("auto", "demo", False)
    assert "first question" in lit["note"]
    _tiny(settings, "minipubmed", tmp_path)
    r = CliRunner().invoke(cli, ["doctor"])
    assert "literature (retrieval.source=auto): the local index 'minipubmed'. [built]" in r.output
