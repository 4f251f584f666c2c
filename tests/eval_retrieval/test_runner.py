from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from biomedqa.errors import InputError
from biomedqa.eval.datasets import load_suite
from biomedqa.eval.report import command as report_command
from biomedqa.eval.report import load_runs, markdown_table
from biomedqa.eval.runners.retrieval import command, index_name_for, run_retrieval, save_run
from biomedqa.settings import Settings, get_settings
from biomedqa.testing import HashEmbedder, ScriptedChatModel


@pytest.fixture(scope="module")
def sf_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One home for the module, so the SciFact index (HashEmbedder) is built once."""
    root = tmp_path_factory.mktemp("sf")
    return get_settings("default").with_overrides(
        {"home": str(root / "home"), "cache_dir": str(root / "cache"), "index.embedder": "hash-64"})


def test_scifact_bm25_run_report_and_cli(sf_settings: Settings, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = sf_settings
    emb = HashEmbedder(64)
    run = run_retrieval(settings, "scifact-dev", "bm25", limit=30, embedder=emb, progress=False, overhead=True)
    assert run.n_queries == 30 and run.index["docs"] >= 5183 and run.index["records"] == 5183
    assert run.metrics["ndcg@10"] > 0.5  # BM25 on SciFact is ~0.66 on all 300 claims
    assert run.metrics["recall@100"] >= run.metrics["recall@10"]
    assert run.latency["p95_ms"] >= run.latency["p50_ms"] > 0 and run.throughput_qps > 0
    assert set(run.overhead) == {"bm25", "dense"} and run.overhead["bm25"]["ratio_p50"] > 0
    assert (settings.index_dir / index_name_for(load_suite("scifact-dev", 1), settings.index, emb.name)).is_dir()

    path = save_run(run, tmp_path / "runs")
    assert path.with_suffix(".md").read_text().startswith("| run |")
    res = CliRunner().invoke(report_command, [str(tmp_path / "runs"), "--out", str(tmp_path / "rep")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "rep" / "report.png").stat().st_size > 1000
    assert "scifact-dev/bm25" in (tmp_path / "rep" / "report.md").read_text()

    from biomedqa.indexes import build as build_mod

    monkeypatch.setattr(build_mod, "load_embedder", lambda s, name=None: emb)
    monkeypatch.setenv("BIOMEDQA_HOME", str(settings.home))
    res = CliRunner().invoke(command, ["--suite", "scifact-dev", "--retriever", "bm25", "--limit", "30", "--json",
                                       "-o", "index.embedder=hash-64", "--out", str(tmp_path / "cli")])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output[res.output.index("{"):])
    assert data["metrics"] == run.metrics and list((tmp_path / "cli").glob("*.json"))


def test_hyde_run_uses_the_llm_once_per_query(sf_settings: Settings, tmp_path: Path) -> None:
    s = sf_settings.with_overrides({"cache_dir": str(tmp_path / "cache")})
    llm = ScriptedChatModel(default="Vitamin D supplementation and bone mineral density in elderly women.")
    run = run_retrieval(s, "scifact-dev", "bm25", hyde=True, limit=5, embedder=HashEmbedder(64), llm=llm,
                        progress=False)
    assert run.hyde and len(llm.calls) == 5 and run.hyde_latency["n"] == 5
    assert markdown_table([run]).count("\n") == 2 and "+hyde" in markdown_table([run])


def test_report_rejects_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"not": "a run"}')
    with pytest.raises(InputError, match="not a retrieval run"):
        load_runs([bad])
    with pytest.raises(InputError, match="does not exist"):
        load_runs([tmp_path / "missing.json"])
