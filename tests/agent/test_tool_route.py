"""Tool-only questions: answered from replayed real NCBI records, on a fresh home with no index."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from biomedqa.agent.tool_route import NO_LITERATURE, answer_from_tools
from biomedqa.api import Agent
from biomedqa.deps import Deps
from biomedqa.settings import Settings
from biomedqa.testing import ScriptedChatModel
from biomedqa.tools.eutils import build_eutils
from biomedqa.types import Message


@pytest.fixture
def replay(settings: Settings, shared_data: Path) -> Settings:  # the GeneTuring recordings live in ../shared/data
    assert not settings.index_dir.exists()  # a fresh home: no literature index at all
    return settings.with_overrides({"ncbi.replay": json.dumps(["geneturing"]), "ncbi.offline": True})


def _nodes(answer: Any) -> list[str]:
    return [e.name for e in answer.trace.events if e.kind == "node"]


def test_snp_question_needs_no_index(replay: Settings) -> None:
    agent = Agent(deps=Deps(replay, llm=ScriptedChatModel()))  # any model call would fail the test
    answer = agent.ask("Which chromosome carries the SNP rs1316126938?")
    assert "chromosome 18" in answer.text and "[snp:rs1316126938]" in answer.text
    assert NO_LITERATURE in answer.text and answer.grounded is True
    assert [c.doc_id for c in answer.citations] == ["snp:rs1316126938"]
    assert _nodes(answer) == ["answer_tools"]  # no plan, no retrieval, no literature search
    assert [c.tool for c in answer.tool_calls] == ["snp_summary"]


def test_alias_is_resolved_to_the_human_gene(replay: Settings) -> None:
    agent = Agent(deps=Deps(replay, llm=ScriptedChatModel()))
    answer = agent.ask("I keep seeing RBAP1 in older papers. What is its current approved gene symbol?")
    assert "is E2F1" in answer.text and "[gene:1869]" in answer.text
    assert "Homo sapiens (assumed" in answer.text


async def test_a_named_organism_replaces_the_human_default(replay: Settings) -> None:
    tb = build_eutils(replay)
    try:
        got = await answer_from_tools("what's the official symbol of the yeast gene PTH1?", tb, lambda: None)
    finally:
        await tb.aclose()
    assert got is not None and got.short == "PTH1" and "Saccharomyces cerevisiae" in got.text
    assert "named in the question" in got.text and got.citations[0].doc_id == "gene:856596"


def test_cli_ask_on_a_fresh_home(replay: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from biomedqa.cli import cli

    r = CliRunner().invoke(cli, ["ask", "What does the gene containing rs1029002401 do?", "--replay", "geneturing",
                                 "--json", "-o", "agent.tool_model=false"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert "MAJIN" in out["answer"] and {c["doc_id"] for c in out["citations"]} >= {"snp:rs1029002401"}


class _StepModel(ScriptedChatModel):
    """Always asks for the same SNP look-up (a loop that never answers)."""

    def __init__(self) -> None:
        super().__init__(default='{"tool": "snp_summary", "argument": "rs1316126938"}')


async def test_fallback_loop_is_bounded_by_steps(replay: Settings) -> None:
    tb, llm = build_eutils(replay), _StepModel()
    try:
        got = await answer_from_tools("Is rs1316126938 pathogenic?", tb, lambda: llm, loop_steps=3)
    finally:
        await tb.aclose()
    assert got is None and len(llm.calls) == 3


async def test_fallback_loop_answers_with_cited_records(replay: Settings) -> None:
    llm = ScriptedChatModel({"no tool results yet": '{"tool": "snp_summary", "argument": "rs1316126938"}',
                             "snp_summary:": '{"tool": "answer", "argument": "chromosome 18"}'})
    tb = build_eutils(replay)
    try:
        got = await answer_from_tools("Is rs1316126938 pathogenic?", tb, lambda: llm)
    finally:
        await tb.aclose()
    assert got is not None and got.how == "loop" and got.intent is None
    assert got.citations[0].doc_id == "snp:rs1316126938"


class _SlowModel(ScriptedChatModel):
    async def complete(self, messages: Sequence[Message], **kw: Any) -> Any:
        await asyncio.sleep(5)
        raise AssertionError("the time limit should have stopped the loop")


async def test_fallback_loop_is_bounded_by_time(replay: Settings) -> None:
    tb = build_eutils(replay)
    try:
        got = await answer_from_tools("Is rs1316126938 pathogenic?", tb, lambda: _SlowModel(), loop_seconds=0.1)
    finally:
        await tb.aclose()
    assert got is None


def test_tool_answer_trace_replays_offline(replay: Settings, tmp_path: Path) -> None:
    answer = Agent(deps=Deps(replay, llm=ScriptedChatModel())).ask("rs996319727 falls in which gene?")
    assert "USP39" in answer.text
    path = tmp_path / "trace.json"
    path.write_text(answer.model_dump_json())
    from biomedqa.cli import cli

    r = CliRunner().invoke(cli, ["trace", "replay", str(path), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["same_as_recorded"] is True
