"""In chat, ``/model NAME`` and ``/index NAME`` check their argument at once: a bad one is an error
line and the session keeps its settings; a good one switches."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from click.testing import CliRunner

from biomedqa.cli import cli, use_agent_factory
from biomedqa.settings import Settings
from biomedqa.testing import HashEmbedder
from tests.frontdoors.fakes import FakeAgent


@pytest.fixture
def built_index(home: Path, shared_data: Path, tmp_path: Path) -> str:
    from biomedqa.indexes import build_index
    from biomedqa.settings import get_settings

    src = tmp_path / "ten.jsonl"
    with gzip.open(shared_data / "derived/minipubmed/corpus.jsonl.gz", "rt") as f:
        src.write_text("".join(next(f) for _ in range(10)))
    build_index([src], "ten", get_settings(), embedder=HashEmbedder(32), progress=False)
    return "ten"


def test_bad_model_and_index_fail_at_once(home: Path, built_index: str, tmp_path: Path) -> None:
    built: list[Settings] = []

    def factory(settings: Settings) -> FakeAgent:
        built.append(settings)
        return FakeAgent(settings)

    script = "\n".join([
        "/model nope-7b", f"/model {tmp_path / 'missing.gguf'}", "/model hf:justone.gguf",
        "/index nothere", "/index ../etc", "q1?",
        "/model smollm2-135m", f"/index {built_index}", "/index demo", "q2?",
    ]) + "\n"
    with use_agent_factory(factory):
        r = CliRunner().invoke(cli, ["chat", "--model", "qwen2.5-coder-1.5b-instruct", "--index", "ten"], input=script)
    out = r.stdout
    assert r.exit_code == 0, r.output
    assert "Error: unknown model 'nope-7b'" in out and "missing.gguf does not exist" in out
    assert "bad Hugging Face reference 'hf:justone.gguf'" in out
    assert "Error: no index named 'nothere'" in out and "bad index name '../etc'" in out
    assert out.count("set to") == 3  # only the three good switches
    assert [(s.llm.model, s.retrieval.index) for s in built] == [
        ("qwen2.5-coder-1.5b-instruct", "ten"), ("smollm2-135m", "demo")]
