"""``batch`` and ``chat`` over the real Agent graph, with a scripted LLM and an in-memory retriever."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from biomedqa.api import Agent
from biomedqa.cli import cli, use_agent_factory
from biomedqa.deps import Deps
from biomedqa.settings import Settings, get_settings
from biomedqa.shared_data import shared_data_dir
from biomedqa.testing import ListRetriever, ScriptedChatModel
from biomedqa.types import Passage


def quote_first_evidence(prompt: str) -> str:
    """Answer with the first sentence of evidence [1], cited: a grounded answer by construction."""
    m = re.search(r"\[1\] \(PMID \d+\) <<<(.+?)\. ", prompt)
    return f"{m.group(1)} [1]." if m else "The evidence does not answer this question."


@pytest.fixture
def pqa5() -> dict[str, dict[str, object]]:
    data = json.loads((shared_data_dir() / "pubmedqa" / "ori_pqal.json").read_text(encoding="utf-8"))
    return dict(list(data.items())[:5])


@pytest.fixture
def real_agent_factory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pqa5: dict[str, dict[str, object]]
) -> Iterator[None]:
    monkeypatch.setenv("BIOMEDQA_HOME", str(tmp_path / "home"))
    passages = [
        Passage(doc_id=p, pmid=p, text=" ".join(item["CONTEXTS"]), source="bm25")  # type: ignore[arg-type]
        for p, item in pqa5.items()
    ]

    def factory(settings: Settings) -> Agent:
        settings = settings.with_overrides({"agent.use_eutils": False, "agent.use_sql": False})
        llm = ScriptedChatModel(replies={"Return JSON": '{"query": "cells"}'}, default=quote_first_evidence)
        return Agent(deps=Deps(settings, llm=llm, retriever=ListRetriever(passages)))

    assert get_settings("fast").llm.model == "smollm2-135m"
    with use_agent_factory(factory):
        yield


def test_batch_through_the_real_graph(
    tmp_path: Path, real_agent_factory: None, pqa5: dict[str, dict[str, object]]
) -> None:
    src = tmp_path / "q.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", "question"], *[[p, item["QUESTION"]] for p, item in pqa5.items()], ["x", ""]])
    result = CliRunner().invoke(cli, ["batch", str(src), "--out", str(tmp_path / "a.csv"), "-s", "fast", "-c", "2"])
    with open(tmp_path / "a.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert result.exit_code == 1, result.output  # the empty question is a row error
    assert [r["id"] for r in rows] == [*pqa5, "x"]
    assert rows[-1]["error"] == "empty question"
    for row in rows[:-1]:
        assert row["error"] == "" and row["grounded"] == "true", row
        assert row["pmids"] and set(row["pmids"].split(";")) <= set(pqa5)
        assert f"[PMID:{row['pmids'].split(';')[0]}]" in row["answer"]


def test_chat_through_the_real_graph(
    tmp_path: Path, real_agent_factory: None, pqa5: dict[str, dict[str, object]]
) -> None:
    first = str(next(iter(pqa5.values()))["QUESTION"])
    save = tmp_path / "turn.json"
    script = f"{first}\nWhat else is known?\n/sources\n/save {save}\n/quit\n"
    result = CliRunner().invoke(cli, ["chat", "-s", "fast"], input=script)
    assert result.exit_code == 0, result.output
    assert "https://pubmed.ncbi.nlm.nih.gov/" in result.stdout and "Evidence for: What else is known?" in result.stdout
    saved = json.loads(save.read_text())["answer"]
    inputs = next(e for e in saved["trace"]["events"] if e["name"] == "inputs")
    assert [m["role"] for m in inputs["data"]["history"]] == ["user", "assistant"]
    assert inputs["data"]["history"][0]["content"] == first
