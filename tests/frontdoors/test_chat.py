"""``biomedqa chat``: scripted through a pipe (CliRunner) and interactively through a pseudo-terminal."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect
from click.testing import CliRunner

from biomedqa.cli import cli, use_agent_factory
from tests.frontdoors.fakes import FakeAgent

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "biomedqa>"  # prompt_toolkit draws the trailing space as a cursor move


def test_scripted_chat_follow_up_and_commands(tmp_path: Path, fake_agent: FakeAgent) -> None:
    save = tmp_path / "last.json"
    script = (
        "\n".join(
            [
                "Does metformin lower HbA1c?",
                "And in children?",
                "/sources",
                "/trace",
                f"/save {save}",
                "FAIL here",
                "/nope",
                "/reset",
                "Fresh start?",
                "/quit",
                "never asked",
            ]
        )
        + "\n"
    )
    result = CliRunner().invoke(cli, ["chat", "-s", "fast"], input=script)
    out = result.stdout
    assert result.exit_code == 0, result.output
    assert [c["question"] for c in fake_agent.calls] == [
        "Does metformin lower HbA1c?",
        "And in children?",
        "FAIL here",
        "Fresh start?",
    ]
    follow_up = fake_agent.calls[1]["history"]
    assert (follow_up[0].role, follow_up[0].content) == ("user", "Does metformin lower HbA1c?")
    assert follow_up[1].role == "assistant" and follow_up[1].content.startswith("Answer to: Does metformin")
    assert fake_agent.calls[3]["history"] == []  # /reset forgot the conversation
    assert "https://pubmed.ncbi.nlm.nih.gov/" in out and "0.910" in out and "generate" in out
    assert "Error: RuntimeError: scripted failure" in out and "Unknown command /nope" in out
    saved = json.loads(save.read_text())
    assert saved["answer"]["question"] == "And in children?" and saved["answer"]["trace"]["events"]
    assert fake_agent.closed


def test_model_switch_rebuilds_agent(tmp_path: Path, monkeypatch: object) -> None:
    built: list[str] = []

    def factory(settings: object) -> FakeAgent:
        built.append(settings.llm.model)  # type: ignore[attr-defined]
        return FakeAgent(settings)  # type: ignore[arg-type]

    monkeypatch.setenv("BIOMEDQA_HOME", str(tmp_path))  # type: ignore[attr-defined]
    script = "/help\nq1?\n/model smollm2-135m\nq2?\n/index bad name?\n"
    with use_agent_factory(factory):  # type: ignore[arg-type]
        result = CliRunner().invoke(cli, ["chat", "--model", "qwen2.5-coder-1.5b-instruct"], input=script)
    assert result.exit_code == 0, result.output
    assert built == ["qwen2.5-coder-1.5b-instruct", "smollm2-135m"]
    assert "/sources" in result.stdout and "bad index name 'bad name?'" in result.stdout  # checked at once (#17)
    assert "retrieval.index set to" not in result.stdout


def test_chat_in_a_pty_with_ctrl_c(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BIOMEDQA_HOME": str(tmp_path),
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "OMP_NUM_THREADS": "1",
        "COLUMNS": "120",
        "LINES": "40",
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "tests.frontdoors.run_chat_fake"],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 120),
    )
    try:
        child.expect_exact(PROMPT)
        child.sendline("Does aspirin prevent stroke?")
        child.expect(r"pubmed\.ncbi\.nlm\.nih\.gov/\d+/")
        child.expect_exact(PROMPT)
        child.sendline("What about women?")
        child.expect_exact("(history: 2 messages)")
        child.expect_exact(PROMPT)
        child.sendline("/sources")
        child.expect_exact("0.910")
        child.expect_exact(PROMPT)
        child.sendline("Explain slowly the mechanism")
        child.expect_exact("Answer to:")
        child.sendintr()
        child.expect_exact("[interrupted]")
        child.expect_exact(PROMPT)
        child.sendline("Still alive?")
        child.expect_exact("(history: 4 messages)")  # the interrupted turn is not in the history
        child.expect_exact(PROMPT)
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert "Still alive?" in (tmp_path / "chat_history").read_text()
