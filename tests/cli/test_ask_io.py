"""``ask -`` reads stdin; ``--json`` output is alone on stdout (logs and model-loading noise go to stderr)."""

from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from biomedqa.cli import cli
from biomedqa.types import Answer
from tests.cli.conftest import Recorder
from tests.frontdoors.conftest import pubmedqa_questions


def test_ask_dash_reads_the_question_from_stdin(recorder: Recorder) -> None:
    question = pubmedqa_questions(1)[0][1]
    r = CliRunner().invoke(cli, ["ask", "-", "--json"], input=question + "\n")
    assert r.exit_code == 0, r.output
    assert recorder.agent.calls[0]["question"] == question
    assert json.loads(r.stdout)["question"] == question
    r = CliRunner().invoke(cli, ["ask", "-"], input="  \n")
    assert r.exit_code == 2 and r.stderr.startswith("Error: the question is empty")


def test_json_stdout_has_no_log_lines(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    real = recorder.agent.aask

    async def noisy(question: str, **kw: object) -> Answer:
        logging.getLogger("biomedqa.agent.nodes.retrieve").warning("retrieve: index is stale")
        logging.getLogger("transformers").warning("Some weights were not initialized")
        return await real(question)

    monkeypatch.setattr(recorder.agent, "aask", noisy)
    r = CliRunner().invoke(cli, ["ask", "Is CFTR mutated in CF?", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["answer"].startswith("Answer to: ")  # stdout is exactly one JSON document
    assert "index is stale" in r.stderr and "Some weights" not in r.stdout + r.stderr


def test_real_embedder_loads_silently_under_json(tmp_path: Path, shared_data: Path) -> None:
    """``index build --json`` with the real MiniLM embedder: stdout is the manifest, stderr has no bars."""
    src = tmp_path / "five.jsonl"
    with gzip.open(shared_data / "derived/minipubmed/corpus.jsonl.gz", "rt") as f:
        src.write_text("".join(next(f) for _ in range(5)))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_HUB_DISABLE", "TRANSFORMERS_VERB"))}
    env.update(BIOMEDQA_HOME=str(tmp_path / "home"), BIOMEDQA_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run(
        [sys.executable, "-m", "biomedqa", "index", "build", str(src), "--name", "five", "--json"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    manifest = json.loads(out.stdout)
    assert manifest["records"] == 5 and manifest["embedder"] == "all-minilm-l6-v2"
    assert "Loading weights" not in out.stderr and "it/s" not in out.stderr, out.stderr


def test_text_output_keeps_urls_whole_on_a_pipe(recorder: Recorder) -> None:
    question = "Is there a very long question here " + "about metformin and HbA1c " * 6 + "?"
    r = CliRunner().invoke(cli, ["ask", question])
    assert r.exit_code == 0, r.output
    pmid = recorder.agent.calls and recorder.agent.ask(question).pmids[0]
    assert any(f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" in line for line in r.stdout.splitlines())
    assert any(question in line for line in r.stdout.splitlines())  # not wrapped at 80 columns
